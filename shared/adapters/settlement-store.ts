import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Charter } from '#domain/charter.ts';
import {
  assertMayApprove,
  type CharterStatus,
  type ControlledChange,
  controlledChanges,
} from '#domain/charter-changes.ts';
import { parseCharter } from '#domain/charters.ts';
import { SegregationOfDutiesError } from '#domain/errors.ts';
import type { QuarantinedRecord, SettlementRecord } from '#domain/records.ts';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';
import {
  ConflictError,
  mapStoreError,
  NotFoundError,
  SettlementInProgressError,
  TransientStoreError,
} from './errors.ts';
import { keys } from './keys.ts';

/**
 * DynamoDB access for settlements: charters, settlement items, records (idempotent by source +
 * sourceId), quarantine, period locks, the gapless statement counter and the archive chain head.
 * Only single-item conditional writes and batches (dynalite has no transactions), only Query/Get.
 */

const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

function table() {
  return loadConfig().tableName;
}

async function send<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isConditionFailure(error)) throw error;
    return mapStoreError(error, what);
  }
}

/** Queries every page of a partition (optionally an sk prefix). */
export async function* queryAll(
  pk: string,
  skPrefix?: string,
  options: { newestFirst?: boolean; limit?: number } = {},
): AsyncGenerator<Record<string, unknown>> {
  let startKey: Record<string, unknown> | undefined;
  let yielded = 0;
  do {
    const page = await send('query', () =>
      getClients().ddb.send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :sk)' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(skPrefix ? { ':sk': skPrefix } : {}) },
          ScanIndexForward: !options.newestFirst,
          ExclusiveStartKey: startKey,
          ...(options.limit ? { Limit: options.limit } : {}),
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      yield item;
      yielded += 1;
      if (options.limit && yielded >= options.limit) return;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

// ── charters and projects ────────────────────────────────────────────────────────────────────

export interface StoredCharter {
  readonly projectId: string;
  readonly version: number;
  readonly charter: unknown;
}

/** Stores a new charter version (never overwrites one) and indexes the project. */
export async function putCharter(projectId: string, charter: unknown): Promise<number> {
  const latest = await getLatestCharter(projectId).catch(() => undefined);
  if (latest && JSON.stringify(latest.charter) === JSON.stringify(charter)) return latest.version;
  const version = (latest?.version ?? 0) + 1;
  await send('put charter', () =>
    getClients().ddb.send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.charter(projectId, version), type: 'charter', projectId, version, charter },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  await send('put project', () =>
    getClients().ddb.send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.project(projectId), type: 'project', projectId, charterVersion: version },
      }),
    ),
  );
  return version;
}

export async function getCharter(projectId: string, version: number): Promise<StoredCharter> {
  const result = await send('get charter', () =>
    getClients().ddb.send(new GetCommand({ TableName: table(), Key: keys.charter(projectId, version) })),
  );
  if (!result.Item) throw new NotFoundError(`No charter version ${version} for project ${projectId}`);
  return { projectId, version, charter: result.Item.charter };
}

export async function getLatestCharter(projectId: string): Promise<StoredCharter> {
  for await (const item of queryAll(`PROJECT#${projectId}`, keys.charterPrefix, {
    newestFirst: true,
    limit: 1,
  })) {
    return { projectId, version: Number(item.version), charter: item.charter };
  }
  throw new NotFoundError(`No charter for project ${projectId}: import one with 'settle import'`);
}

/** One version of a project's charter as the change log shows it (without the charter itself). */
export interface CharterVersionEntry {
  readonly version: number;
  readonly status: CharterStatus;
  readonly author?: string;
  readonly createdAt?: string;
  readonly changes: readonly ControlledChange[];
  readonly approvedBy?: string;
  readonly approvedAt?: string;
}

function versionEntry(item: Record<string, unknown>): CharterVersionEntry {
  return {
    version: Number(item.version),
    // Versions written before charter approval existed were effective when written.
    status: item.status === 'pending' ? 'pending' : 'effective',
    ...(item.author ? { author: String(item.author) } : {}),
    ...(item.createdAt ? { createdAt: String(item.createdAt) } : {}),
    changes: (item.changes as ControlledChange[] | undefined) ?? [],
    ...(item.approvedBy ? { approvedBy: String(item.approvedBy) } : {}),
    ...(item.approvedAt ? { approvedAt: String(item.approvedAt) } : {}),
  };
}

/** Every version of a project's charter, oldest first: who wrote it, what it changed, who approved it. */
export async function listCharterVersions(projectId: string): Promise<CharterVersionEntry[]> {
  const entries: CharterVersionEntry[] = [];
  for await (const item of queryAll(`PROJECT#${projectId}`, keys.charterPrefix))
    entries.push(versionEntry(item));
  return entries;
}

/**
 * The version settlements use: the newest one in effect. A version that changes approvers,
 * thresholds, rates or budget is in effect only once another person approved it.
 */
export async function getEffectiveCharter(
  projectId: string,
): Promise<StoredCharter & { readonly pending: number[] }> {
  const pending: number[] = [];
  for await (const item of queryAll(`PROJECT#${projectId}`, keys.charterPrefix, { newestFirst: true })) {
    if (item.status === 'pending') {
      pending.push(Number(item.version));
      continue;
    }
    return { projectId, version: Number(item.version), charter: item.charter, pending };
  }
  throw new NotFoundError(
    pending.length
      ? `No charter in effect for project ${projectId}: version ${pending.join(', ')} waits for approval ('settle charter approve')`
      : `No charter for project ${projectId}: import one with 'settle import'`,
  );
}

/**
 * Stores `charter` as the project's next version, written by `author`. Against the version in
 * effect, a change to a controlled field leaves it pending (settlements keep the version in
 * effect) until another person approves it; any other change takes effect at once. The same
 * charter again stores nothing.
 */
export async function proposeCharter(
  projectId: string,
  charter: Charter,
  author: string,
  at: string,
): Promise<{ version: number; status: CharterStatus; changes: readonly ControlledChange[] }> {
  const latest = await getLatestCharter(projectId).catch(() => undefined);
  const versions = latest ? await listCharterVersions(projectId) : [];
  if (latest && JSON.stringify(latest.charter) === JSON.stringify(charter)) {
    const entry = versions.find((v) => v.version === latest.version);
    return { version: latest.version, status: entry?.status ?? 'effective', changes: entry?.changes ?? [] };
  }
  const effective = latest ? await getEffectiveCharter(projectId).catch(() => undefined) : undefined;
  const changes = controlledChanges(
    effective && parseCharter(effective.charter, `charter of ${projectId} v${effective.version}`),
    charter,
  );
  const status: CharterStatus = changes.length > 0 ? 'pending' : 'effective';
  const version = (latest?.version ?? 0) + 1;
  await send('put charter', () =>
    getClients().ddb.send(
      new PutCommand({
        TableName: table(),
        Item: {
          ...keys.charter(projectId, version),
          type: 'charter',
          projectId,
          version,
          charter,
          status,
          author,
          createdAt: at,
          changes,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  if (status === 'effective') await putProjectVersion(projectId, version);
  return { version, status, changes };
}

async function putProjectVersion(projectId: string, version: number): Promise<void> {
  await send('put project', () =>
    getClients().ddb.send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.project(projectId), type: 'project', projectId, charterVersion: version },
      }),
    ),
  );
}

/**
 * Approves a pending charter version: by anyone but its author (SegregationOfDutiesError), once
 * (a conditional write: two approvals race, one wins). It takes effect for the next settlement.
 */
export async function approveCharter(
  projectId: string,
  version: number,
  by: string,
  at: string,
): Promise<CharterVersionEntry> {
  const item = (
    await send('get charter', () =>
      getClients().ddb.send(new GetCommand({ TableName: table(), Key: keys.charter(projectId, version) })),
    )
  ).Item;
  if (!item) throw new NotFoundError(`No charter version ${version} for project ${projectId}`);
  assertMayApprove(versionEntry(item), by);
  try {
    await getClients().ddb.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.charter(projectId, version),
        UpdateExpression: 'SET #status = :effective, approvedBy = :by, approvedAt = :at',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':effective': 'effective', ':pending': 'pending', ':by': by, ':at': at },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error))
      throw new SegregationOfDutiesError(`charter version ${version} is not waiting for approval`);
    return mapStoreError(error, 'approve charter');
  }
  const effective = await getEffectiveCharter(projectId);
  await putProjectVersion(projectId, effective.version);
  return versionEntry({ ...item, status: 'effective', approvedBy: by, approvedAt: at });
}

export async function listProjects(): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of queryAll('PROJECTS')) ids.push(String(item.projectId));
  return ids;
}

// ── settlements ──────────────────────────────────────────────────────────────────────────────

export interface SettlementItem {
  readonly projectId: string;
  readonly period: string;
  readonly revision: number;
  readonly settlementId: string;
  readonly status: string;
  readonly attempts: number;
  readonly [field: string]: unknown;
}

export async function getSettlement(
  projectId: string,
  period: string,
  revision: number,
): Promise<SettlementItem | undefined> {
  const result = await send('get settlement', () =>
    getClients().ddb.send(
      new GetCommand({
        TableName: table(),
        Key: keys.settlement(projectId, period, revision),
        ConsistentRead: true,
      }),
    ),
  );
  return result.Item as SettlementItem | undefined;
}

export async function listSettlements(projectId: string, period: string): Promise<SettlementItem[]> {
  const items: SettlementItem[] = [];
  for await (const item of queryAll(`PROJECT#${projectId}`, keys.settlementPrefix(period))) {
    items.push(item as SettlementItem);
  }
  return items;
}

/**
 * Claims (project, period, revision). A new claim creates the item; a claim of an item that
 * exists and is not finished (a crashed or failed run being re-run) bumps `attempts` and returns
 * it; a finished one is returned as is — the caller ends with "already settled".
 */
export async function claimSettlement(
  fields: {
    projectId: string;
    period: string;
    revision: number;
    settlementId: string;
    charterVersion: number;
    asOf: string;
    reason?: string;
    /** The Step Functions execution claiming the settlement. */
    executionId: string;
    /**
     * The nightly attempt (1 unless the nightly run retries): a later attempt may take over a
     * settlement that ended needs-attention, rejected or expired, not only a failed one.
     */
    attempt?: number;
    now: string;
  },
  /** Asked before taking over a settlement another execution claimed: is that one still running? */
  isRunning: (executionId: string) => Promise<boolean> = async () => false,
): Promise<{ item: SettlementItem; created: boolean }> {
  const key = keys.settlement(fields.projectId, fields.period, fields.revision);
  try {
    const item = {
      ...key,
      type: 'settlement',
      projectId: fields.projectId,
      period: fields.period,
      revision: fields.revision,
      settlementId: fields.settlementId,
      charterVersion: fields.charterVersion,
      asOf: fields.asOf,
      ...(fields.reason ? { reason: fields.reason } : {}),
      status: 'open',
      attempts: 1,
      attempt: fields.attempt ?? 1,
      executionId: fields.executionId,
      createdAt: fields.now,
      updatedAt: fields.now,
    };
    await getClients().ddb.send(
      new PutCommand({ TableName: table(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return { item: item as SettlementItem, created: true };
  } catch (error) {
    if (!isConditionFailure(error)) return mapStoreError(error, 'claim settlement');
  }
  const existing = await getSettlement(fields.projectId, fields.period, fields.revision);
  if (!existing) throw new ConflictError(`Settlement ${fields.settlementId} vanished while claiming it`);
  const laterAttempt = (fields.attempt ?? 1) > Number(existing.attempt ?? 1);
  if (
    existing.status === 'settled' ||
    (['rejected', 'needs-attention', 'expired'].includes(existing.status) && !laterAttempt)
  ) {
    return { item: existing, created: false };
  }
  const holder = existing.executionId as string | undefined;
  if (holder && holder !== fields.executionId && existing.status !== 'failed' && (await isRunning(holder))) {
    throw new SettlementInProgressError(
      `Settlement ${fields.settlementId} is being settled by another execution (${holder.split(':').pop()})`,
    );
  }
  let result: { Attributes?: Record<string, unknown> };
  try {
    // Only from the state and holder just read: of two executions taking over at once, one wins.
    result = await getClients().ddb.send(
      new UpdateCommand({
        TableName: table(),
        Key: key,
        UpdateExpression:
          'SET attempts = attempts + :one, updatedAt = :now, #s = :open, executionId = :exec, attempt = :attempt, asOf = :asOf',
        ConditionExpression: holder ? '#s = :status AND executionId = :holder' : '#s = :status',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':now': fields.now,
          ':open': 'open',
          ':status': existing.status,
          ':exec': fields.executionId,
          ':attempt': Math.max(fields.attempt ?? 1, Number(existing.attempt ?? 1)),
          ':asOf': fields.asOf,
          ...(holder ? { ':holder': holder } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new SettlementInProgressError(
        `Settlement ${fields.settlementId} was claimed by another execution just now`,
      );
    }
    return mapStoreError(error, 'reclaim settlement');
  }
  return { item: result.Attributes as SettlementItem, created: false };
}

/** Sets fields on a settlement (status, totals, keys…). */
export async function updateSettlement(
  projectId: string,
  period: string,
  revision: number,
  fields: Record<string, unknown>,
): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:v${i}`] = v;
      return `#f${i} = :v${i}`;
    });
  await send('update settlement', () =>
    getClients().ddb.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.settlement(projectId, period, revision),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/**
 * Records a failed attempt, also of a settlement Open never claimed (a broken charter): the item is
 * created when missing, so the nightly run sees the failure and the daily summary names it.
 */
export async function recordFailedSettlement(
  ref: { projectId: string; period: string; revision: number; settlementId: string },
  fields: {
    error: { name: string; cause: string };
    /** The execution that failed and its redrive count when it did. */
    failedBy: { executionId: string; redriveCount: number };
    attempt?: number;
    asOf?: string;
    now: string;
  },
): Promise<void> {
  await send('record failed settlement', () =>
    getClients().ddb.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.settlement(ref.projectId, ref.period, ref.revision),
        UpdateExpression:
          'SET #type = if_not_exists(#type, :type), projectId = :project, period = :period, revision = :revision, ' +
          'settlementId = :id, #s = :failed, #e = :error, failedBy = :failedBy, updatedAt = :now, ' +
          'attempts = if_not_exists(attempts, :one), attempt = if_not_exists(attempt, :attempt), ' +
          'asOf = if_not_exists(asOf, :asOf), createdAt = if_not_exists(createdAt, :now)',
        ExpressionAttributeNames: { '#type': 'type', '#s': 'status', '#e': 'error' },
        ExpressionAttributeValues: {
          ':type': 'settlement',
          ':project': ref.projectId,
          ':period': ref.period,
          ':revision': ref.revision,
          ':id': ref.settlementId,
          ':failed': 'failed',
          ':error': fields.error,
          ':failedBy': fields.failedBy,
          ':now': fields.now,
          ':one': 1,
          ':attempt': fields.attempt ?? 1,
          ':asOf': fields.asOf ?? fields.now.slice(0, 10),
        },
      }),
    ),
  );
}

// ── period locks ─────────────────────────────────────────────────────────────────────────────

export async function getPeriodLock(
  projectId: string,
  period: string,
): Promise<Record<string, unknown> | undefined> {
  const result = await send('get lock', () =>
    getClients().ddb.send(
      new GetCommand({ TableName: table(), Key: keys.periodLock(projectId, period), ConsistentRead: true }),
    ),
  );
  return result.Item;
}

/** Locks a settled period at a revision; idempotent for the same settlement, a conflict otherwise. */
export async function lockPeriod(
  projectId: string,
  period: string,
  revision: number,
  settlementId: string,
  now: string,
  /** When the settled records were read (the period's late-edit snapshot), when there is one. */
  recordsAt?: string,
) {
  try {
    await getClients().ddb.send(
      new PutCommand({
        TableName: table(),
        Item: {
          ...keys.periodLock(projectId, period),
          type: 'lock',
          projectId,
          period,
          revision,
          settlementId,
          lockedAt: now,
          ...(recordsAt ? { recordsAt } : {}),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR #r < :rev OR settlementId = :sid',
        ExpressionAttributeNames: { '#r': 'revision' },
        ExpressionAttributeValues: { ':rev': revision, ':sid': settlementId },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new ConflictError(
        `Period ${period} of ${projectId} is already locked at a later or equal revision`,
      );
    }
    return mapStoreError(error, 'lock period');
  }
}

// ── gapless statement numbers ────────────────────────────────────────────────────────────────

/**
 * The next statement number of a tenant and year: gapless, and assigned once per settlement even
 * across crashes. Every number taken is written down as an assignment (`NUMBER#<year>` /
 * `<settlementId>`); a settlement that already holds one gets it back. The counter remembers who took
 * the last number, and the next taker first writes that settlement's assignment if its owner crashed
 * before writing it — so a settlement that crashed after taking N and is re-run after others took
 * N+1 still gets N back, and N is never skipped or given twice.
 */
export async function takeStatementNumber(year: number, settlementId: string): Promise<number> {
  const counterKey = keys.statementCounter(year);
  const assignmentKey = (owner: string) => ({ pk: `NUMBER#${year}`, sk: owner });
  const recordAssignment = async (owner: string, value: number) => {
    try {
      await getClients().ddb.send(
        new PutCommand({
          TableName: table(),
          Item: { ...assignmentKey(owner), type: 'statement-number', year, value, settlementId: owner },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) mapStoreError(error, 'record statement number');
    }
  };
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const mine = await send('get statement number', () =>
      getClients().ddb.send(
        new GetCommand({ TableName: table(), Key: assignmentKey(settlementId), ConsistentRead: true }),
      ),
    );
    if (mine.Item) return Number(mine.Item.value);
    const current = await send('get counter', () =>
      getClients().ddb.send(new GetCommand({ TableName: table(), Key: counterKey, ConsistentRead: true })),
    );
    const value = Number(current.Item?.value ?? 0);
    const owner = current.Item?.owner as string | undefined;
    if (owner) await recordAssignment(owner, value);
    if (owner === settlementId) return value;
    try {
      await getClients().ddb.send(
        new PutCommand({
          TableName: table(),
          Item: { ...counterKey, type: 'counter', value: value + 1, owner: settlementId },
          ConditionExpression: current.Item ? '#v = :v' : 'attribute_not_exists(pk)',
          ...(current.Item
            ? { ExpressionAttributeNames: { '#v': 'value' }, ExpressionAttributeValues: { ':v': value } }
            : {}),
        }),
      );
      await recordAssignment(settlementId, value + 1);
      return value + 1;
    } catch (error) {
      if (!isConditionFailure(error)) return mapStoreError(error, 'take statement number');
    }
  }
  throw new ConflictError('Could not take a statement number after 20 attempts');
}

// ── records ──────────────────────────────────────────────────────────────────────────────────

function hashRecord(record: SettlementRecord): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('hex');
}

export interface StoreRecordsResult {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
}

async function batchWrite(requests: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending = requests.slice(i, i + 25);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const result = await send('batch write', () =>
        getClients().ddb.send(new BatchWriteCommand({ RequestItems: { [table()]: pending as never } })),
      );
      pending = (result.UnprocessedItems?.[table()] ?? []) as Record<string, unknown>[];
      if (pending.length > 0) {
        if (attempt >= 8) throw mapStoreError(new Error('unprocessed items after retries'), 'batch write');
        await new Promise((r) => setTimeout(r, 2 ** attempt * 25));
      }
    }
  }
}

/**
 * Stores records idempotently: the key is source + sourceId; an unchanged record is not written
 * again; a changed one is updated and the change recorded (old and new hash, when). The data source
 * binding that collected a record is kept with it (`binding`), so a later collection of the same
 * binding can tell which of its records are gone; a record marked removed that comes back is stored again.
 */
export async function storeRecords(
  projectId: string,
  records: readonly SettlementRecord[],
  now: string,
  binding?: string,
): Promise<StoreRecordsResult> {
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  const unique = new Map<string, SettlementRecord>();
  for (const r of records) unique.set(`${r.source}#${r.sourceId}`, r);
  const all = [...unique.values()];
  for (let i = 0; i < all.length; i += 100) {
    const chunk = all.slice(i, i + 100);
    const existing = new Map<string, { hash: string; binding?: string }>();
    let requestKeys = chunk.map((r) => keys.record(projectId, r.source, r.sourceId));
    while (requestKeys.length > 0) {
      const got = await send('batch get', () =>
        getClients().ddb.send(
          new BatchGetCommand({
            RequestItems: {
              [table()]: {
                Keys: requestKeys,
                ProjectionExpression: 'sk, #h, #b',
                ExpressionAttributeNames: { '#h': 'hash', '#b': 'binding' },
              },
            },
          }),
        ),
      );
      for (const item of got.Responses?.[table()] ?? []) {
        existing.set(String(item.sk), {
          hash: String(item.hash),
          ...(item.binding === undefined ? {} : { binding: String(item.binding) }),
        });
      }
      requestKeys = (got.UnprocessedKeys?.[table()]?.Keys ?? []) as typeof requestKeys;
    }
    const writes: Record<string, unknown>[] = [];
    for (const record of chunk) {
      const key = keys.record(projectId, record.source, record.sourceId);
      const hash = hashRecord(record);
      const previous = existing.get(key.sk);
      const item = { ...key, type: 'record', hash, record, storedAt: now, ...(binding ? { binding } : {}) };
      if (previous?.hash === hash) {
        unchanged += 1;
        continue;
      }
      writes.push({ PutRequest: { Item: item } });
      if (previous === undefined) inserted += 1;
      else {
        updated += 1;
        writes.push({
          PutRequest: {
            Item: {
              ...keys.recordChange(projectId, record.source, record.sourceId, now),
              type: 'record-change',
              previousHash: previous.hash,
              hash,
              record,
            },
          },
        });
      }
    }
    await batchWrite(writes);
  }
  return { inserted, updated, unchanged };
}

/** A stored record with what the store knows of it. */
export interface StoredRecord {
  readonly record: SettlementRecord;
  readonly storedAt: string;
  readonly binding?: string;
  /** Gone at the source (kept for the audit trail and the late-edit report, counted nowhere). */
  readonly removed: boolean;
}

/** Every stored record of a project, removed ones included, page by page. */
export async function* readStoredRecords(projectId: string): AsyncGenerator<StoredRecord> {
  for await (const item of queryAll(keys.recordsPk(projectId))) {
    yield {
      record: item.record as SettlementRecord,
      storedAt: String(item.storedAt ?? ''),
      ...(item.binding === undefined ? {} : { binding: String(item.binding) }),
      removed: item.removed === true,
    };
  }
}

/** Every stored record of a project that is not removed at its source, page by page. */
export async function* readRecords(projectId: string): AsyncGenerator<SettlementRecord> {
  for await (const item of queryAll(keys.recordsPk(projectId))) {
    if (item.removed !== true) yield item.record as SettlementRecord;
  }
}

/**
 * Marks stored records as removed at their source (a later collection of their binding covered their
 * period and no longer returned them): the item keeps the record, `removed`, and a new storedAt; the
 * change is logged like any other. Returns how many were marked.
 */
export async function markRecordsRemoved(
  projectId: string,
  removed: ReadonlyArray<StoredRecord>,
  now: string,
): Promise<number> {
  const writes: Record<string, unknown>[] = [];
  for (const { record, binding } of removed) {
    const key = keys.record(projectId, record.source, record.sourceId);
    const hash = `removed:${hashRecord(record)}`;
    writes.push(
      {
        PutRequest: {
          Item: {
            ...key,
            type: 'record',
            hash,
            record,
            storedAt: now,
            removed: true,
            ...(binding ? { binding } : {}),
          },
        },
      },
      {
        PutRequest: {
          Item: {
            ...keys.recordChange(projectId, record.source, record.sourceId, now),
            type: 'record-change',
            previousHash: hashRecord(record),
            hash,
            removed: true,
            record,
          },
        },
      },
    );
  }
  await batchWrite(writes);
  return removed.length;
}

export async function storeQuarantine(
  settlementId: string,
  bindingId: string,
  quarantined: readonly QuarantinedRecord[],
  now: string,
): Promise<void> {
  const writes = quarantined.map((q) => ({
    PutRequest: {
      Item: {
        ...keys.quarantine(settlementId, bindingId, q.position),
        type: 'quarantine',
        bindingId,
        ...q,
        raw: JSON.stringify(q.raw ?? null),
        at: now,
      },
    },
  }));
  await batchWrite(writes);
}

export async function readQuarantine(
  settlementId: string,
): Promise<Array<QuarantinedRecord & { bindingId: string }>> {
  const items: Array<QuarantinedRecord & { bindingId: string }> = [];
  for await (const item of queryAll(keys.quarantinePk(settlementId))) {
    items.push({
      bindingId: String(item.bindingId),
      source: item.source as QuarantinedRecord['source'],
      position: String(item.position),
      reason: String(item.reason),
      message: String(item.message),
      raw: JSON.parse(String(item.raw ?? 'null')),
    });
  }
  return items;
}

// ── archive chain head ───────────────────────────────────────────────────────────────────────

export async function getArchiveHead(): Promise<
  { manifestHash: string; sequence: number; manifestKey: string; settlementId: string } | undefined
> {
  const result = await send('get archive head', () =>
    getClients().ddb.send(
      new GetCommand({ TableName: table(), Key: keys.archiveHead(), ConsistentRead: true }),
    ),
  );
  if (!result.Item) return undefined;
  return {
    manifestHash: String(result.Item.manifestHash),
    sequence: Number(result.Item.sequence),
    manifestKey: String(result.Item.manifestKey),
    settlementId: String(result.Item.settlementId),
  };
}

/** Moves the chain head forward, only from the head the manifest was chained to. */
export async function advanceArchiveHead(
  previousHash: string | undefined,
  next: { manifestHash: string; sequence: number; manifestKey: string; settlementId: string },
): Promise<void> {
  try {
    await getClients().ddb.send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.archiveHead(), type: 'archive-head', ...next },
        ConditionExpression: previousHash ? 'manifestHash = :prev' : 'attribute_not_exists(pk)',
        ...(previousHash ? { ExpressionAttributeValues: { ':prev': previousHash } } : {}),
      }),
    );
  } catch (error) {
    // Another settlement archived first: retrying re-chains this manifest to the new head.
    if (isConditionFailure(error)) throw new TransientStoreError('The archive chain moved while archiving');
    return mapStoreError(error, 'advance archive head');
  }
}

export interface PeriodLockEntry {
  readonly period: string;
  readonly revision: number;
  readonly settlementId: string;
  /** When the settled records were read (late edits are measured from then). */
  readonly recordsAt?: string;
}

/** The period locks of a project and their late-edit ledger entries, in one Query (they share `LOCK#`). */
export async function listLocksAndLedger(
  projectId: string,
): Promise<{ locks: PeriodLockEntry[]; ledger: LateEditLedger[] }> {
  const locks: PeriodLockEntry[] = [];
  const ledger: LateEditLedger[] = [];
  for await (const item of queryAll(`PROJECT#${projectId}`, 'LOCK#')) {
    if (item.type === 'late-edit') {
      ledger.push({
        period: String(item.period),
        lockSettlementId: String(item.lockSettlementId),
        ...(item.carry ? { carry: item.carry as NonNullable<LateEditLedger['carry']> } : {}),
        ...(item.proposal ? { proposal: item.proposal as NonNullable<LateEditLedger['proposal']> } : {}),
        ...(Array.isArray(item.carriedBy) ? { carriedBy: item.carriedBy.map(String) } : {}),
      });
      continue;
    }
    locks.push({
      period: String(item.period),
      revision: Number(item.revision),
      settlementId: String(item.settlementId),
      ...(item.recordsAt === undefined ? {} : { recordsAt: String(item.recordsAt) }),
    });
  }
  return { locks, ledger };
}

/** The period locks of a project (settled periods and their revision). */
export async function listLocks(projectId: string): Promise<PeriodLockEntry[]> {
  return (await listLocksAndLedger(projectId)).locks;
}

// ── late edits: what was done with a locked period's late edits ──────────────────────────────

/**
 * The late-edit ledger entry of a locked period, valid for the lock it names (a revision moves the
 * lock on, and the revision's own snapshot absorbs every earlier edit):
 * - `carry`: the settlement that carries the period's late edits (`pending` until it is finalised,
 *   then `carried`; from then on the period is measured against `recordsKey`, the records carried);
 * - `proposal`: the revision the nightly run is to settle, and why.
 */
export interface LateEditLedger {
  readonly period: string;
  readonly lockSettlementId: string;
  readonly carry?: {
    /** The carrying settlement: its id, period and revision. */
    readonly by: string;
    readonly byPeriod: string;
    readonly byRevision: number;
    readonly status: 'pending' | 'carried';
    readonly recordsKey: string;
    readonly at: string;
  };
  readonly proposal?: { readonly revision: number; readonly reason: string };
  /** Every finalised settlement that carried edits of this lock (a revision's note takes them off). */
  readonly carriedBy?: readonly string[];
}

export async function listLateEditLedger(projectId: string): Promise<LateEditLedger[]> {
  return (await listLocksAndLedger(projectId)).ledger;
}

/**
 * Writes a period's ledger entry (the whole entry: a newer lock replaces what an older one held).
 * With `heldBy`, only while the entry's carry is held by that settlement (Finalise confirming its carry).
 */
export async function putLateEditLedger(
  projectId: string,
  entry: LateEditLedger,
  heldBy?: string,
): Promise<void> {
  try {
    await getClients().ddb.send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.lateEdit(projectId, entry.period), type: 'late-edit', projectId, ...entry },
        ...(heldBy
          ? {
              ConditionExpression: 'carry.#by = :by',
              ExpressionAttributeNames: { '#by': 'by' },
              ExpressionAttributeValues: { ':by': heldBy },
            }
          : {}),
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new ConflictError(`The late edits of ${entry.period} are carried by another settlement`);
    }
    return mapStoreError(error, 'put late-edit ledger');
  }
}

// ── deliveries: each recipient group's email sent at most once ────────────────────────────────

/**
 * Where a group's delivery stands before Distribute sends it:
 * - `send`: nobody tried yet, or the last try provably failed (SES refused it) — the intent is now recorded;
 * - `sent`: SES accepted it (its message id is recorded);
 * - `uncertain`: an earlier run recorded the intent and stopped before recording an outcome — SES may
 *   or may not have accepted it; it is not sent again.
 */
export type DeliveryClaim =
  | { readonly state: 'send' }
  | { readonly state: 'sent'; readonly messageId: string }
  | { readonly state: 'uncertain'; readonly since: string };

/** Records the intent to send `group`'s email (conditional write), or tells what an earlier run did. */
export async function claimDelivery(
  settlementId: string,
  group: string,
  now: string,
): Promise<DeliveryClaim> {
  try {
    await getClients().ddb.send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.delivery(settlementId, group), type: 'delivery', status: 'sending', since: now },
        ConditionExpression: 'attribute_not_exists(pk) OR #s = :failed',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed' },
      }),
    );
    return { state: 'send' };
  } catch (error) {
    if (!isConditionFailure(error)) return mapStoreError(error, 'claim delivery');
  }
  const { Item } = await send('read delivery', () =>
    getClients().ddb.send(
      new GetCommand({ TableName: table(), Key: keys.delivery(settlementId, group), ConsistentRead: true }),
    ),
  );
  if (Item?.status === 'sent') return { state: 'sent', messageId: String(Item.messageId) };
  return { state: 'uncertain', since: String(Item?.since ?? '') };
}

/** Records the outcome of a claimed delivery: SES's message id, or the error that proves it failed. */
export async function recordDelivery(
  settlementId: string,
  group: string,
  outcome: { readonly messageId: string } | { readonly error: string },
  now: string,
): Promise<void> {
  const sent = 'messageId' in outcome;
  await send('record delivery', () =>
    getClients().ddb.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.delivery(settlementId, group),
        UpdateExpression: sent
          ? 'SET #s = :s, messageId = :v, decidedAt = :now'
          : 'SET #s = :s, #e = :v, decidedAt = :now',
        ExpressionAttributeNames: sent ? { '#s': 'status' } : { '#s': 'status', '#e': 'error' },
        ExpressionAttributeValues: {
          ':s': sent ? 'sent' : 'failed',
          ':v': sent ? outcome.messageId : outcome.error,
          ':now': now,
        },
      }),
    ),
  );
}
