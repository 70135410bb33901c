import { defineFaultSuite } from '../support/fault-cases.ts';
import { MAIN_PATH } from '../support/harness.ts';
import { Tally } from '../support/summary.ts';

/** DynamoDB throttling and 500s, S3 SlowDown, three failing calls at every step, and the vendor cases. */
defineFaultSuite(new Tally('chaos-fault-matrix'), {
  transientCalls: 3,
  steps: MAIN_PATH,
  serverErrors: true,
});
