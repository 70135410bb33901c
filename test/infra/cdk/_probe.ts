import { readFileSync } from 'node:fs';
import { synthTenants } from './synth.ts';
const t0 = Date.now();
const { app } = synthTenants({ nag: true });
try { app.synth(); console.log('ok'); } catch (e) { const m = String((e as Error).message); const p = m.match(/found in: (\S+)/)?.[1];
  const r = JSON.parse(readFileSync(p as string, 'utf8'));
  for (const pr of r.pluginReports) { console.log(pr.pluginName ?? pr.summary?.pluginName);
    for (const v of pr.violations) { const res = v.violatingResources ?? v.violatingConstructs ?? []; console.log(' ', v.ruleName, v.severity, res.length, JSON.stringify(res.map((x: any) => x.constructPath ?? x.resourceLogicalId)).slice(0, 300)); } }
}
console.log('ms', Date.now() - t0);
