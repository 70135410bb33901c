import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z as real } from 'zod';
import { SETTLEMENT_BUNDLING } from '../../../infra/cdk/settlement-function.ts';
import { z as lean } from '../../../infra/cdk/zod-for-lambda.ts';

/** Type-only members (`z.infer<…>`) need no value in the bundle. */
const TYPE_ONLY = new Set(['infer', 'input', 'output']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('zod in Lambda bundles', () => {
  it('has every z member the bundled code uses, and each is zod’s own', () => {
    const used = new Set<string>();
    for (const file of [...sources('shared'), ...sources('functions')]) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bz\.([A-Za-z_]+)/g)) {
        if (!TYPE_ONLY.has(match[1] as string)) used.add(match[1] as string);
      }
    }
    expect(used.size).toBeGreaterThan(5);
    for (const member of used) {
      expect(Object.keys(lean), `z.${member}`).toContain(member);
      expect(lean[member as keyof typeof lean], `z.${member}`).toBe(real[member as keyof typeof real]);
    }
  });

  it('is what the function bundling resolves zod to', () => {
    expect(SETTLEMENT_BUNDLING.esbuildArgs['--alias:zod']).toMatch(/infra\/cdk\/zod-for-lambda\.ts$/);
  });
});
