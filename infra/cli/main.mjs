// The `settle` command line's entry (npm start, npm run settle, bin/settle.mjs). Plain JavaScript so
// that V8's compile cache is on before the first TypeScript file loads: started on settle.ts, Node
// strips its types with amaro (a WebAssembly compiler it loads first, a third of a second of CPU)
// before settle.ts could turn the cache on; from here every .ts file, settle.ts included, comes
// from the cache, already stripped and compiled, once it has been run.
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

enableCompileCache(fileURLToPath(new URL('../../node_modules/.cache/settle-compile', import.meta.url)));
const { runCommandLine } = await import('./settle.ts');
runCommandLine();
