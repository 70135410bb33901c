import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';
import { mapStoreError } from './errors.ts';
import { keys } from './keys.ts';

/**
 * The tenant's semaphores. `SETTLEMENTS`: at most `max` settlements collect, compute and draft at
 * once (the heavy, rate-limited part: vendor APIs, Cost Explorer, 1,769 MB Lambdas), whatever the
 * number due at month end. `ARCHIVE`: one settlement at a time appends to the archive's hash chain
 * (a manifest written at a chain position another settlement took first could never be rewritten
 * in the object-locked archive). One DynamoDB item per semaphore holds a counter and one attribute
 * per holder (the execution ARN), changed only under conditions, so two executions can never take
 * the last slot both. A holder whose execution ended without releasing (aborted, timed out) is
 * released by the next execution that finds the slots full.
 */
export type SlotName = 'SETTLEMENTS' | 'ARCHIVE';

const HOLDER = 'H#';
const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

async function update(what: string, input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
  try {
    await getClients().ddb.send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return mapStoreError(error, what);
  }
}

/** The executions holding a slot now, with when they took it. */
export async function slotHolders(name: SlotName = 'SETTLEMENTS'): Promise<Record<string, string>> {
  let item: Record<string, unknown> | undefined;
  try {
    item = (
      await getClients().ddb.send(
        new GetCommand({ TableName: loadConfig().tableName, Key: keys.slots(name), ConsistentRead: true }),
      )
    ).Item;
  } catch (error) {
    return mapStoreError(error, 'read settlement slots');
  }
  return Object.fromEntries(
    Object.entries(item ?? {})
      .filter(([name]) => name.startsWith(HOLDER))
      .map(([name, at]) => [name.slice(HOLDER.length), String(at)]),
  );
}

function take(name: SlotName, holder: string, max: number, now: string): Promise<boolean> {
  return update('take a settlement slot', {
    TableName: loadConfig().tableName,
    Key: keys.slots(name),
    UpdateExpression: 'SET #h = :now ADD used :one',
    ConditionExpression: 'attribute_not_exists(#h) AND (attribute_not_exists(used) OR used < :max)',
    ExpressionAttributeNames: { '#h': `${HOLDER}${holder}` },
    ExpressionAttributeValues: { ':now': now, ':one': 1, ':max': max },
  });
}

/** Gives a slot back; false when `holder` held none (released already: idempotent). */
export function releaseSlot(holder: string, name: SlotName = 'SETTLEMENTS'): Promise<boolean> {
  return update('release a settlement slot', {
    TableName: loadConfig().tableName,
    Key: keys.slots(name),
    UpdateExpression: 'REMOVE #h ADD used :minus',
    ConditionExpression: 'attribute_exists(#h)',
    ExpressionAttributeNames: { '#h': `${HOLDER}${holder}` },
    ExpressionAttributeValues: { ':minus': -1 },
  });
}

/**
 * Takes a slot for `holder` when one is free (true), or when it holds one already (a retried
 * step); false when all `max` are taken by running executions.
 */
export async function acquireSlot(
  holder: string,
  max: number,
  now: string,
  isRunning: (executionArn: string) => Promise<boolean>,
  name: SlotName = 'SETTLEMENTS',
): Promise<boolean> {
  if (await take(name, holder, max, now)) return true;
  const holders = await slotHolders(name);
  if (holders[holder] !== undefined) return true;
  let freed = false;
  for (const other of Object.keys(holders)) {
    if (!(await isRunning(other))) freed = (await releaseSlot(other, name)) || freed;
  }
  return freed ? take(name, holder, max, now) : false;
}

/** Gives back the slot a settlement's execution holds, if any (every way a settlement ends calls it). */
export async function releaseSettlementSlot(settlement: {
  readonly executionId?: string | undefined;
  readonly settlementId: string;
}): Promise<void> {
  await releaseSlot(settlement.executionId ?? settlement.settlementId);
}
