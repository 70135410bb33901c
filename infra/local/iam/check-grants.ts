/**
 * `npm test`'s last step: every grant the synthesized stack gives a function or state machine, for a
 * service the local run enforces, was used by some test, or its step's declaration lists it under
 * `untested` with the path that needs it. Reads the usage the local runs wrote while the tests ran
 * (SETTLEMENT_IAM_USAGE) and exits 1, listing them, when a grant is neither.
 *
 *   node infra/local/iam/check-grants.ts <usage dir>
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STEPS } from '../../step-registry.ts';
import { LOCAL_REGION } from '../emulators.ts';
import { MACHINE_UNTESTED, uncoveredGrants } from './coverage.ts';
import { localTenant, resolvePolicies, synthesizedTemplate } from './policies.ts';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node infra/local/iam/check-grants.ts <usage dir>\n');
  process.exit(2);
}
const files = (() => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
})();
if (files.length === 0) {
  process.stderr.write(
    `grant coverage: no usage recorded in ${dir}; run the tests with SETTLEMENT_IAM_USAGE=${dir}\n`,
  );
  process.exit(1);
}
const covered: Record<string, string[]> = {};
for (const file of files) {
  const usage = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { covered?: Record<string, string[]> };
  for (const [principal, labels] of Object.entries(usage.covered ?? {})) {
    covered[principal] = [...new Set([...(covered[principal] ?? []), ...labels])];
  }
}
const tenantId = 'acme';
const policies = resolvePolicies(await synthesizedTemplate(localTenant(tenantId, LOCAL_REGION)), {
  tenantId,
  region: LOCAL_REGION,
  tableName: `settlement-${tenantId}`,
  bucketName: `settlement-${tenantId}-working`,
  archiveBucketName: `settlement-${tenantId}-archive`,
});
const untested: Record<string, Readonly<Record<string, string>>> = { ...MACHINE_UNTESTED };
for (const step of STEPS) untested[step.name] = step.declaration.untested ?? {};

const uncovered = uncoveredGrants(policies, covered, untested);
const principals = Object.keys(covered).length;
if (uncovered.length > 0) {
  process.stderr.write(
    `grant coverage: ${uncovered.length} granted action(s) no test used and no declaration explains ` +
      `(${files.length} run(s), ${principals} principal(s) seen):\n` +
      uncovered.map((u) => `  ${u.principal}: ${u.label}`).join('\n') +
      '\nUse each on a tested path, remove it from the step declaration, or list it in the ' +
      "declaration's `untested` with the path that needs it.\n",
  );
  process.exit(1);
}
process.stdout.write(
  `grant coverage: every granted action is used by a test or declared untested (${files.length} run(s), ${principals} principal(s)).\n`,
);
