import { defineCrashSuite } from './support/crash-cases.ts';
import { Tally } from './support/summary.ts';

/** Each main-path step crashes once after its handler ran (its result lost); the settlement is re-run. */
defineCrashSuite(new Tally('crash-rerun'), ['fail-after']);
