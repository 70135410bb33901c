import { enableCompileCache, createRequire } from 'node:module';
enableCompileCache('/tmp/demofast-cc');
const t = performance.now(); const c0 = process.cpuUsage();
if (process.argv[3] === 'req') createRequire(import.meta.url)(process.argv[2]); else await import(process.argv[2]);
const c = process.cpuUsage(c0);
console.log(process.argv[2], 'wall', (performance.now() - t).toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0));
