import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getClients } from '#adapters/clients.ts';
import { loadConfig } from '#adapters/config.ts';
import { getObject, listKeys } from '#adapters/objects.ts';
import { approvalLinks } from '#local/outbox.ts';
import {
  DEMO_INPUT,
  describeExecution,
  type Harness,
  importDemo,
  startHarness,
} from '../../reliability/support/harness.ts';

/**
 * No secret at rest: after a whole settlement with two approval steps, no approval link secret is
 * in any byte written to the bucket (kept email copies, archive included) or the table, and task
 * tokens are only in the approval request items the approval API reads them from.
 */

let h: Harness;
let objects: Map<string, string>;
let items: Array<Record<string, unknown>>;
let sent: string[];

beforeAll(async () => {
  h = await startHarness('acme');
  await importDemo();
  const execution = await h.settle({ ...DEMO_INPUT }, 'no-secret-at-rest');
  expect(execution.status, describeExecution(execution)).toBe('SUCCEEDED');
  const outbox = h.runtime.outboxDir;
  sent = await Promise.all(
    (await readdir(outbox)).filter((f) => f.endsWith('.eml')).map((f) => readFile(join(outbox, f), 'utf8')),
  );
  objects = new Map();
  for (const key of await listKeys('')) {
    objects.set(key, Buffer.from((await getObject(key)) ?? []).toString('latin1'));
  }
  items = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await getClients().ddb.send(
      new ScanCommand({ TableName: loadConfig().tableName, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as Array<Record<string, unknown>>));
    start = page.LastEvaluatedKey;
  } while (start);
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

/** The places a value occurs: S3 keys and DynamoDB `pk/sk`. */
function whereIs(value: string): string[] {
  const found = [...objects].filter(([, body]) => body.includes(value)).map(([key]) => `s3:${key}`);
  for (const item of items) {
    if (JSON.stringify(item).includes(value)) found.push(`ddb:${item.pk}/${item.sk}`);
  }
  return found;
}

describe('no secret at rest', () => {
  it('keeps no approval link secret in the bucket or the table', () => {
    const secrets = sent
      .flatMap((mime) => approvalLinks(mime))
      .map((link) => new URL(link).searchParams.get('s') ?? '');
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      expect(whereIs(secret)).toEqual([]);
    }
    // The kept copies exist, say what was removed, and their links do not work.
    const kept = [...objects].filter(([key]) => /\/approval-[^/]*\.eml$/.test(key));
    expect(kept.length).toBeGreaterThanOrEqual(2);
    for (const [, mime] of kept) {
      expect(mime).toMatch(/^X-Kept-Copy: approval link secret removed/m);
      for (const link of approvalLinks(mime)) expect(new URL(link).searchParams.get('s')).toBe('REDACTED');
    }
  });

  it('keeps task tokens only in the approval request items, never in the bucket or an email', () => {
    const tokens = h.runtime.sfn.issuedTokens;
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) {
      expect(whereIs(token).every((place) => /^ddb:APPROVAL#[^/]+\/REQUEST$/.test(place))).toBe(true);
      expect(sent.some((mime) => mime.includes(token))).toBe(false);
    }
  });
});
