import { createHash } from 'node:crypto';
import { z } from 'zod';
import { getClients } from '#adapters/clients.ts';
import { getObject, objectKeys, putObject } from '#adapters/objects.ts';
import { EnvironmentSecretStore, SecretsManagerStore } from '#adapters/secrets.ts';
import { getCharter, storeQuarantine, storeRecords } from '#adapters/settlement-store.ts';
import { collectSource, type SecretStore } from '#connectors/index.ts';
import { periodWindow, resolvePeriod } from '#domain/periods.ts';
import { DataSourceBinding } from '#domain/sources.ts';
import { SettlementRef } from '#domain/workflow.ts';
import { parseCharter } from '#lib/charters.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

export class InboxFileMissingError extends Error {
  override name = 'InboxFileMissingError';
}

/**
 * Live-mode credentials: Secrets Manager in the cloud, under the tenant's prefix
 * (`settlement/<tenant>/<name>`: the function may read nothing else, and write only new versions of
 * those secrets, for OAuth refresh tokens that rotate); locally `SECRET_<NAME>` JSON in the environment.
 */
const environmentSecrets = new EnvironmentSecretStore();
let cloudSecrets: SecretsManagerStore | undefined;
const secrets: SecretStore = {
  read: (name) => (environmentSecrets.has(name) ? environmentSecrets.read(name) : cloudStore().read(name)),
  replace: (name, value, expected) =>
    environmentSecrets.has(name)
      ? environmentSecrets.replace(name, value, expected)
      : cloudStore().replace(name, value, expected),
};
function cloudStore(): SecretsManagerStore {
  cloudSecrets ??= new SecretsManagerStore(getClients().secrets, process.env.SECRETS_PREFIX ?? '');
  return cloudSecrets;
}

const CollectInput = z.object({ settlement: SettlementRef, source: DataSourceBinding });

/**
 * Collect one data source: run its connector (live or file mode), store the records idempotently
 * (source + sourceId), quarantine bad ones with their reason, archive every raw payload under raw/.
 */
export const step = declareStep({
  states: { settlement: ['CollectSource'] },
  input: CollectInput,
  timeoutSeconds: 840,
  memoryMb: 1769,
  access: {
    table: ['GetItem', 'BatchGetItem', 'BatchWriteItem'],
    read: ['inbox'],
    write: ['raw'],
    readSecrets: true,
    rotateSecrets: true,
    costExplorer: true,
  },
  untested: {
    'secretsmanager:GetSecretValue':
      'Live connectors read their credentials from the tenant secrets in AWS; locally they run on files ' +
      'or read the environment (connector tests serve the vendor APIs from a local HTTP server).',
    'secretsmanager:PutSecretValue':
      'An OAuth refresh token the vendor rotates on use (QuickBooks) is stored back in AWS; locally the ' +
      'rotation is tested against an in-memory store (test/shared/connectors/oauth.test.ts).',
    'secretsmanager:UpdateSecretVersionStage':
      'The compare-and-swap of the same rotation (AWSCURRENT moves).',
    'ce:GetCostAndUsage':
      'Cost Explorer runs only in AWS; the connector is tested on saved GetCostAndUsage responses.',
  },
});

export const handler = stepHandler(step, async ({ settlement, source }) => {
  const stored = await getCharter(settlement.projectId, settlement.charterVersion);
  const charter = parseCharter(stored.charter, `charter of ${settlement.projectId}`);
  const window = periodWindow(charter, resolvePeriod(charter, settlement.period));
  const result = await collectSource(source, {
    projectRef: charter.projectRef,
    window: { from: window.from, to: window.to },
    async readFile(path) {
      const key = objectKeys.inbox(settlement.projectId, path);
      const body = await getObject(key);
      if (!body)
        throw new InboxFileMissingError(`Source ${source.id}: no file at s3://…/${key}; import it first`);
      return body;
    },
    getSecret: async (name) => (await secrets.read(name)).value,
    secrets,
    fetch: globalThis.fetch,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  const now = nowIso();
  const raw = [];
  for (const payload of result.raw) {
    // Connectors name payloads `<binding id>/<file or page>`; the key already has the binding id.
    const name = payload.name.startsWith(`${source.id}/`)
      ? payload.name.slice(source.id.length + 1)
      : payload.name;
    const key = objectKeys.raw(settlement.settlementId, source.id, name);
    await putObject(key, payload.body, payload.contentType);
    raw.push({
      key,
      sha256: createHash('sha256').update(payload.body).digest('hex'),
      bytes: payload.body.length,
    });
  }
  const stats = await storeRecords(settlement.projectId, result.records, now);
  await storeQuarantine(settlement.settlementId, source.id, result.quarantined, now);
  return {
    sourceId: source.id,
    connector: source.connector,
    records: result.records.length,
    ...stats,
    quarantined: result.quarantined.length,
    raw,
    notes: result.notes.slice(0, 20),
  };
});
