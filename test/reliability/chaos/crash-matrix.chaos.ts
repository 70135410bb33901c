import { defineCrashSuite } from '../support/crash-cases.ts';
import { Tally } from '../support/summary.ts';

/** Every main-path step crashed before and after its handler, retried and re-run: 36 cases. */
defineCrashSuite(new Tally('chaos-crash-matrix'), [
  'fail-before',
  'fail-after',
  'retry-before',
  'retry-after',
]);
