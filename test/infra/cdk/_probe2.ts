import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { synthTenants } from './synth.ts';
for (const nag of [false, true]) {
  const t0 = Date.now();
  const { app } = synthTenants({ nag });
  const t1 = Date.now();
  const asm = app.synth();
  console.log('nag', nag, 'construct ms', t1 - t0, 'synth ms', Date.now() - t1, asm.directory);
  const p = join(asm.directory, 'validation-report.json');
  if (existsSync(p)) { const r = JSON.parse(readFileSync(p, 'utf8')); console.log(JSON.stringify(r).slice(0, 1500)); }
  for (const s of asm.stacks) console.log(s.stackName, JSON.stringify(s.messages).slice(0, 500));
}
