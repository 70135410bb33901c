import { Validations } from 'aws-cdk-lib';
import { synthTenants } from './synth.ts';
const { stacks } = synthTenants({ nag: true });
const s = stacks[0]!;
for (const c of s.node.findAll()) for (const m of c.node.metadata) if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) console.log(c.node.path, JSON.stringify(m.data).slice(0, 300));
