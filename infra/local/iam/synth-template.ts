/**
 * Child process of the local runtime: synthesizes one tenant's stack exactly as `cdk synth` does, but
 * without bundling, and prints its CloudFormation template as JSON on stdout. Usage:
 * `node infra/local/iam/synth-template.ts '<tenant JSON>' ['<access overrides JSON>']`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { StepAccess } from '#steps/declaration.ts';
import { addTenantStacks } from '../../cdk/settlement-app.ts';
import { Tenant } from '../../cdk/tenants.ts';
import { STEPS } from '../../step-registry.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');
const cdkJson = JSON.parse(readFileSync(resolve(root, 'cdk.json'), 'utf8')) as {
  context?: Record<string, unknown>;
};
const tenant = Tenant.parse(JSON.parse(process.argv[2] ?? '{}'));
// Optional second argument: access overrides per step, `{ "ComputeSettlement": { "write": [] } }` (tests).
const overrides = JSON.parse(process.argv[3] ?? '{}') as Record<string, Partial<StepAccess>>;
const steps = STEPS.map((step) =>
  overrides[step.name]
    ? {
        ...step,
        declaration: { ...step.declaration, access: { ...step.declaration.access, ...overrides[step.name] } },
      }
    : step,
);
const app = new App({
  context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
});
const [stack] = addTenantStacks(app, { tenants: [tenant], nag: false, stackProps: { steps } });
if (!stack) throw new Error('no stack synthesized');
process.stdout.write(JSON.stringify(Template.fromStack(stack).toJSON()));
