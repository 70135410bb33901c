import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BriefRecord } from '#statement/brief-delivery.ts';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';
import { mapStoreError } from './errors.ts';
import { keys } from './keys.ts';

/**
 * The brief's delivery record (`brief`) on the settlement item: conditional single-item writes,
 * so of two runs only one records an attempt's intent, and only the run that claimed an attempt
 * records its outcome.
 */

export interface SettlementKey {
  readonly projectId: string;
  readonly period: string;
  readonly revision: number;
}

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

function keyOf(s: SettlementKey) {
  return keys.settlement(s.projectId, s.period, s.revision);
}

/** The brief record, read strongly consistent; undefined before the first attempt. */
export async function readBriefRecord(settlement: SettlementKey): Promise<BriefRecord | undefined> {
  let item: Record<string, unknown> | undefined;
  try {
    const out = await getClients().ddb.send(
      new GetCommand({
        TableName: loadConfig().tableName,
        Key: keyOf(settlement),
        ProjectionExpression: 'brief',
        ConsistentRead: true,
      }),
    );
    item = out.Item;
  } catch (error) {
    return mapStoreError(error, 'read brief record');
  }
  return item?.brief === undefined ? undefined : BriefRecord.parse(item.brief);
}

/** Records the intent of `attempt` if the record is none yet, or the failed `previousAttempt`. */
export function recordBriefIntent(
  settlement: SettlementKey,
  attempt: number,
  to: readonly string[],
  previousAttempt: number | undefined,
  now: string,
): Promise<boolean> {
  const intent: BriefRecord = { status: 'sending', attempt, to: [...to], intentAt: now };
  return update('record brief intent', {
    TableName: loadConfig().tableName,
    Key: keyOf(settlement),
    UpdateExpression: 'SET brief = :intent',
    ConditionExpression:
      previousAttempt === undefined
        ? 'attribute_exists(pk) AND attribute_not_exists(brief)'
        : 'attribute_exists(pk) AND brief.#status = :failed AND brief.attempt = :previous',
    ...(previousAttempt === undefined
      ? { ExpressionAttributeValues: { ':intent': intent } }
      : {
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':intent': intent, ':failed': 'failed', ':previous': previousAttempt },
        }),
  });
}

async function recordOutcome(
  what: string,
  settlement: SettlementKey,
  attempt: number,
  fields: Record<string, string>,
): Promise<void> {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':sending': 'sending', ':attempt': attempt };
  const sets = Object.entries(fields).map(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:v${i}`] = v;
    return `brief.#f${i} = :v${i}`;
  });
  const written = await update(what, {
    TableName: loadConfig().tableName,
    Key: keyOf(settlement),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: 'brief.#status = :sending AND brief.attempt = :attempt',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  });
  if (!written) throw new Error(`${what}: attempt ${attempt} of the brief is not the one in flight`);
}

/** The attempt in flight was accepted by SES with `messageId`. */
export function recordBriefSent(
  settlement: SettlementKey,
  attempt: number,
  messageId: string,
  now: string,
): Promise<void> {
  return recordOutcome('record brief sent', settlement, attempt, { status: 'sent', messageId, sentAt: now });
}

/** SES refused the attempt in flight (nothing went out). */
export function recordBriefFailed(
  settlement: SettlementKey,
  attempt: number,
  error: string,
  now: string,
): Promise<void> {
  return recordOutcome('record brief failure', settlement, attempt, {
    status: 'failed',
    error,
    failedAt: now,
  });
}
