/** A command line that cannot run (unknown flag, missing option, bad date, unknown tenant): exit 2, nothing ran. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
