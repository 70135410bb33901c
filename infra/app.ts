import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { addTenantStacks } from './cdk/settlement-app.ts';
import { loadTenants } from './cdk/tenants.ts';

// `npx cdk synth` runs this file on Node 24 (type stripping): one Settlement-<id> stack per tenant.
const app = new App();
addTenantStacks(app, { tenants: loadTenants(resolve(import.meta.dirname, 'tenants.json')) });
app.synth();
