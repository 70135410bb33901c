import { Writable } from 'node:stream';

/** A writable stream that keeps what a command printed. */
export function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

type Command = (argv: string[], io: { stdout: Writable; stderr: Writable }) => Promise<number>;

/** Runs a CLI command module with captured stdout and stderr. */
export async function runCommand(command: Command, argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await command(argv, { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
