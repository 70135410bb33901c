import { printSuiteSummary } from './summary.ts';

/** Vitest global setup: the forks of this run share our pid as their parent; print their summary last. */
export default function setup() {
  process.env.RELIABILITY_RUN_ID = String(process.pid);
  return () => {
    printSuiteSummary(String(process.pid));
  };
}
