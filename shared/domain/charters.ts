import { type Charter, validateCharter } from './charter.ts';
import { InvalidCharterError } from './errors.ts';

/** Validates a stored or imported charter; the error lists every problem with its path and the source. */
export function parseCharter(json: unknown, source: string): Charter {
  const result = validateCharter(json);
  if (result.ok) return result.charter;
  throw new InvalidCharterError(
    result.problems.map((p) => ({ path: `${source} ${p.path}`, message: p.message })),
  );
}
