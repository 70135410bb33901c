import { enableCompileCache } from 'node:module';
enableCompileCache('/work/wt/demofast/node_modules/.cache/settle-compile');
const t = performance.now();
const c0 = process.cpuUsage();
await import(process.argv[2]);
const c = process.cpuUsage(c0);
console.log(process.argv[2], 'wall', (performance.now() - t).toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0));
