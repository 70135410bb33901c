import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(s, c, n) { const r = n(s, c); seen.add(r.url); return r; } });
const t = performance.now(); const c0 = process.cpuUsage();
await import(process.argv[2]);
const c = process.cpuUsage(c0);
console.log(process.argv[2], [...seen].filter(u => !u.startsWith('node:')).length, 'files', 'cpu', ((c.user + c.system) / 1000).toFixed(0));
