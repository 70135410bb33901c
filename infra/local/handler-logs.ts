import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { format } from 'node:util';

/**
 * Handler logs of a local run go to a file, not between the progress lines. The handlers run in
 * this process and log through Powertools, which (with `POWERTOOLS_DEV`, as the local runtime sets
 * it) writes each record as indented JSON through the global `console`. While a capture is active,
 * every `console` call becomes one NDJSON line in the file: a JSON record as it was logged (on one
 * line), anything else as `{ level, message }`. With `echo` the same lines also go there (`--verbose`).
 */

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
type Method = (typeof METHODS)[number];

export interface HandlerLogCapture {
  /** The NDJSON file. */
  readonly path: string;
  /** Lines written so far. */
  readonly lines: () => number;
  /** Puts `console` back and closes the file. */
  restore(): Promise<void>;
}

function toLine(method: Method, args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string' && args[0].startsWith('{')) {
    try {
      return JSON.stringify(JSON.parse(args[0]));
    } catch {
      // not a JSON record: logged as text below
    }
  }
  const level = method === 'log' || method === 'trace' ? 'INFO' : method.toUpperCase();
  return JSON.stringify({ level, message: format(...args), timestamp: new Date().toISOString() });
}

/** Sends `console` output to `path` (NDJSON, appended) until `restore()`. */
export async function captureHandlerLogs(
  path: string,
  echo?: { write(text: string): unknown },
): Promise<HandlerLogCapture> {
  await mkdir(dirname(path), { recursive: true });
  const file = createWriteStream(path, { flags: 'a' });
  const saved = new Map<Method, (...args: unknown[]) => void>();
  let count = 0;
  for (const method of METHODS) {
    saved.set(method, console[method]);
    console[method] = (...args: unknown[]) => {
      const line = `${toLine(method, args)}\n`;
      count += 1;
      file.write(line);
      echo?.write(line);
    };
  }
  return {
    path,
    lines: () => count,
    restore: async () => {
      for (const [method, fn] of saved) console[method] = fn;
      await new Promise<void>((resolve, reject) =>
        file.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    },
  };
}
