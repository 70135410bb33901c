import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { settlementEsbuildOptions } from '../../../infra/cdk/settlement-function.ts';

/**
 * In a Lambda bundle the SDK clients come from the runtime's SDK (external), each package loaded
 * when its client is first made (shared/adapters/clients.ts). Bundled with the function construct's
 * options into a folder with no node_modules above it, the SDK reachable only through NODE_PATH as
 * in Lambda: the clients work, and a package is loaded only once its client is used.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

const ENTRY = `
import { getClients } from '../../shared/adapters/clients.ts';
import { createRequire } from 'node:module';
const loaded = () => Object.keys(createRequire(import.meta.url).cache)
  .map((f) => /@aws-sdk\\/([^/]+)\\//.exec(f)?.[1]).filter(Boolean).filter((p, i, all) => all.indexOf(p) === i).sort();
const clients = getClients();
const before = loaded();
const made = [clients.ddb.constructor.name, clients.s3.constructor.name];
const afterTwo = loaded();
const ses = clients.ses.constructor.name;
process.stdout.write(JSON.stringify({ before, made, afterTwo, ses, after: loaded() }));
`;

describe('SDK clients in a Lambda bundle', () => {
  it('are made from the runtime SDK found through NODE_PATH, each package loaded when its client is first used', async () => {
    const source = join(ROOT, '.local', 'sdk-clients-check');
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'entry.ts'), ENTRY);
    const out = mkdtempSync(join(tmpdir(), 'sdk-clients-'));
    await build({
      entryPoints: [join(source, 'entry.ts')],
      outfile: join(out, 'index.mjs'),
      ...settlementEsbuildOptions(),
      logLevel: 'silent',
    });
    const stdout = execFileSync(process.execPath, [join(out, 'index.mjs')], {
      cwd: out,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        NODE_PATH: join(ROOT, 'node_modules'),
        AWS_REGION: 'eu-central-1',
        TENANT_ID: 'check',
        TABLE_NAME: 'settlement-check',
        BUCKET_NAME: 'settlement-check-working',
        ARCHIVE_BUCKET_NAME: 'settlement-check-archive',
      },
    });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result.before).toEqual([]);
    expect(result.made).toEqual(['DynamoDBDocumentClient', 'S3Client']);
    expect(result.afterTwo).toEqual(expect.arrayContaining(['client-dynamodb', 'client-s3', 'lib-dynamodb']));
    expect(result.afterTwo).not.toContain('client-sesv2');
    expect(result.afterTwo).not.toContain('client-secrets-manager');
    expect(result.ses).toBe('SESv2Client');
    expect(result.after).toContain('client-sesv2');
  }, 60_000);
});
