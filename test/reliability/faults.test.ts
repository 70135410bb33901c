import { defineFaultSuite } from './support/fault-cases.ts';
import { MAIN_PATH } from './support/harness.ts';
import { Tally } from './support/summary.ts';

/** DynamoDB / S3 faults at every main-path step (two failing calls each) and a misbehaving vendor API. */
defineFaultSuite(new Tally('faults'), {
  transientCalls: 2,
  steps: MAIN_PATH,
});
