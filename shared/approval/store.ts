import { randomInt } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mapStoreError } from '#adapters/errors.ts';
import { keys } from '#adapters/keys.ts';
import type { ApprovalEvent, ApprovalRequest, Delegation, Grant } from './model.ts';
import type { IssuedCode } from './one-time-code.ts';

/** Fields a decision writes; the condition is checked by the store, atomically. */
export interface DecisionWrite {
  readonly secretHash: string;
  readonly tenantId: string;
  readonly now: Date;
  readonly decision: 'approved' | 'rejected';
  readonly decidedBy: string;
  readonly comment: string | undefined;
  readonly output: string;
  /** An approval confirmed with a one-time code: the stored code must still be this one, unexpired. */
  readonly codeHash?: string | undefined;
}

/** The approval flow's persistence port (DynamoDB single table; see keys.ts). */
export interface ApprovalStore {
  putRequest(request: ApprovalRequest): Promise<void>;
  getRequest(requestId: string): Promise<ApprovalRequest | undefined>;
  /** Points (settlement, step) at a request; false if another request holds it (unless `replacing` it). */
  claimStep(settlementId: string, step: number, requestId: string, replacing?: string): Promise<boolean>;
  findStepRequest(settlementId: string, step: number): Promise<ApprovalRequest | undefined>;
  /** Stores a wait round's task token and phase; returns the request as updated. */
  startRound(requestId: string, taskToken: string, phase: ApprovalRequest['phase']): Promise<ApprovalRequest>;
  addGrant(requestId: string, secretHash: string, grant: Grant): Promise<void>;
  markSent(requestId: string, at: Date): Promise<void>;
  /**
   * The single-use decision: succeeds only while the request is pending, the secret's grant exists,
   * the tenant matches and the request has not expired. Returns the task token it consumed.
   */
  decide(
    requestId: string,
    write: DecisionWrite,
  ): Promise<{ ok: true; taskToken: string | undefined } | { ok: false }>;
  /** pending → expired; false if the request was no longer pending. */
  expire(requestId: string, now: Date): Promise<boolean>;
  /**
   * Counts a wrong secret tried against a request (an atomic counter, so concurrent guesses all
   * count) and returns the count so far; 0 if the request is gone. Never locks the request.
   */
  recordFailedSecret(requestId: string, now: Date): Promise<number>;
  /**
   * Stores a newly emailed code (replacing the previous one) and counts it; false when the request
   * is no longer pending, its codes are used up (`maxSends`) or approving is locked (`maxAttempts`).
   */
  storeCode(
    requestId: string,
    code: IssuedCode,
    limits: { readonly maxSends: number; readonly maxAttempts: number },
  ): Promise<boolean>;
  /**
   * Spends one code attempt (an atomic counter, so concurrent guesses all count) and returns the
   * attempts used so far; undefined when none is left or the request is no longer pending.
   */
  useCodeAttempt(requestId: string, maxAttempts: number): Promise<number | undefined>;
  /** pending → superseded (a revision re-opened the settlement); false if no longer pending. */
  supersede(requestId: string, now: Date): Promise<boolean>;
  appendEvent(event: ApprovalEvent): Promise<void>;
  /** The whole approval log of a settlement, oldest first (for the archive). */
  readLog(settlementId: string): Promise<ApprovalEvent[]>;
  putDelegation(delegation: Delegation): Promise<void>;
  /** Delegations of an approver that start at or before `at` (newest first). */
  delegationsStartedBy(email: string, at: Date): Promise<Delegation[]>;
}

let seqCounter = randomInt(10_000);
function nextSeq(): number {
  seqCounter = (seqCounter + 1) % 10_000;
  return seqCounter;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** Throttling, 5xx and network errors become TransientStoreError (retried by the state machine). */
async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isConditionFailure(error)) throw error;
    return mapStoreError(error, what);
  }
}

function toRequest(item: Record<string, unknown> | undefined): ApprovalRequest | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest as unknown as ApprovalRequest;
}

/** The DynamoDB implementation of ApprovalStore (works against dynalite: single-item conditions only). */
export function createApprovalStore(ddb: DynamoDBDocumentClient, tableName: string): ApprovalStore {
  const TableName = tableName;

  const store: ApprovalStore = {
    async putRequest(request) {
      await call('putRequest', () =>
        ddb.send(
          new PutCommand({
            TableName,
            Item: { ...request, ...keys.approvalRequest(request.requestId), entity: 'ApprovalRequest' },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    },

    async getRequest(requestId) {
      const out = await call('getRequest', () =>
        ddb.send(new GetCommand({ TableName, Key: keys.approvalRequest(requestId), ConsistentRead: true })),
      );
      return toRequest(out.Item);
    },

    async claimStep(settlementId, step, requestId, replacing) {
      try {
        await call('claimStep', () =>
          ddb.send(
            new PutCommand({
              TableName,
              Item: {
                ...keys.approvalStep(settlementId, step),
                entity: 'ApprovalStep',
                settlementId,
                step,
                requestId,
              },
              ConditionExpression: replacing
                ? 'attribute_not_exists(pk) OR requestId = :replacing'
                : 'attribute_not_exists(pk)',
              ...(replacing ? { ExpressionAttributeValues: { ':replacing': replacing } } : {}),
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async findStepRequest(settlementId, step) {
      const out = await call('findStepRequest', () =>
        ddb.send(
          new GetCommand({ TableName, Key: keys.approvalStep(settlementId, step), ConsistentRead: true }),
        ),
      );
      const requestId = out.Item?.requestId as string | undefined;
      return requestId ? store.getRequest(requestId) : undefined;
    },

    async startRound(requestId, taskToken, phase) {
      const out = await call('startRound', () =>
        ddb.send(
          new UpdateCommand({
            TableName,
            Key: keys.approvalRequest(requestId),
            UpdateExpression: 'SET taskToken = :token, phase = :phase',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':token': taskToken, ':phase': phase },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return toRequest(out.Attributes) as ApprovalRequest;
    },

    async addGrant(requestId, secretHash, grant) {
      await call('addGrant', () =>
        ddb.send(
          new UpdateCommand({
            TableName,
            Key: keys.approvalRequest(requestId),
            UpdateExpression: 'SET grants.#hash = :grant',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#hash': secretHash },
            ExpressionAttributeValues: { ':grant': grant },
          }),
        ),
      );
    },

    async markSent(requestId, at) {
      await call('markSent', () =>
        ddb.send(
          new UpdateCommand({
            TableName,
            Key: keys.approvalRequest(requestId),
            UpdateExpression: 'SET sentAt = if_not_exists(sentAt, :at)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': at.toISOString() },
          }),
        ),
      );
    },

    async decide(requestId, w) {
      try {
        const out = await call('decide', () =>
          ddb.send(
            new UpdateCommand({
              TableName,
              Key: keys.approvalRequest(requestId),
              UpdateExpression:
                'SET #status = :decided, decision = :decision, decidedAt = :now, decidedBy = :by, #output = :output' +
                (w.comment ? ', #comment = :comment' : '') +
                ' REMOVE taskToken, #otp',
              ConditionExpression:
                '#status = :pending AND attribute_exists(grants.#hash) AND tenantId = :tenant AND expiresAt > :now' +
                // Single use: the code must still be the one compared, and unexpired.
                (w.codeHash ? ' AND #otp.#codeHash = :codeHash AND #otp.expiresAt > :now' : ''),
              ExpressionAttributeNames: {
                '#status': 'status',
                '#output': 'output',
                '#hash': w.secretHash,
                '#otp': 'otp',
                ...(w.codeHash ? { '#codeHash': 'hash' } : {}),
                ...(w.comment ? { '#comment': 'comment' } : {}),
              },
              ExpressionAttributeValues: {
                ':decided': 'decided',
                ':pending': 'pending',
                ':decision': w.decision,
                ':now': w.now.toISOString(),
                ':by': w.decidedBy,
                ':output': w.output,
                ':tenant': w.tenantId,
                ...(w.comment ? { ':comment': w.comment } : {}),
                ...(w.codeHash ? { ':codeHash': w.codeHash } : {}),
              },
              ReturnValues: 'ALL_OLD',
            }),
          ),
        );
        return { ok: true, taskToken: out.Attributes?.taskToken as string | undefined };
      } catch (error) {
        if (isConditionFailure(error)) return { ok: false };
        throw error;
      }
    },

    async expire(requestId, now) {
      return setFinalStatus(requestId, 'expired', now);
    },

    async recordFailedSecret(requestId, now) {
      const result = await call('recordFailedSecret', () =>
        ddb.send(
          new UpdateCommand({
            TableName,
            Key: keys.approvalRequest(requestId),
            UpdateExpression: 'ADD failedSecrets :one SET lastFailedAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':one': 1, ':now': now.toISOString() },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      ).catch((error: unknown) => {
        if (isConditionFailure(error)) return undefined;
        throw error;
      });
      return Number(result?.Attributes?.failedSecrets ?? 0);
    },

    async storeCode(requestId, code, limits) {
      try {
        await call('storeCode', () =>
          ddb.send(
            new UpdateCommand({
              TableName,
              Key: keys.approvalRequest(requestId),
              UpdateExpression: 'SET otp = :code ADD codeSends :one',
              ConditionExpression:
                '#status = :pending AND (attribute_not_exists(codeSends) OR codeSends < :maxSends) AND ' +
                '(attribute_not_exists(codeAttempts) OR codeAttempts < :maxAttempts)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':code': code,
                ':one': 1,
                ':pending': 'pending',
                ':maxSends': limits.maxSends,
                ':maxAttempts': limits.maxAttempts,
              },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async useCodeAttempt(requestId, maxAttempts) {
      try {
        const out = await call('useCodeAttempt', () =>
          ddb.send(
            new UpdateCommand({
              TableName,
              Key: keys.approvalRequest(requestId),
              UpdateExpression: 'ADD codeAttempts :one',
              ConditionExpression:
                '#status = :pending AND (attribute_not_exists(codeAttempts) OR codeAttempts < :max)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':one': 1, ':pending': 'pending', ':max': maxAttempts },
              ReturnValues: 'UPDATED_NEW',
            }),
          ),
        );
        return Number(out.Attributes?.codeAttempts);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async supersede(requestId, now) {
      return setFinalStatus(requestId, 'superseded', now);
    },

    async appendEvent(event) {
      // Events of one instant get distinct sequence numbers (increasing within a process, so a
      // frozen test clock keeps the order); a collision with another process retries.
      for (let attempt = 0; ; attempt++) {
        const seq = nextSeq();
        try {
          await call('appendEvent', () =>
            ddb.send(
              new PutCommand({
                TableName,
                Item: {
                  ...event,
                  ...keys.approvalEvent(event.settlementId, event.at, seq),
                  entity: 'ApprovalEvent',
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            ),
          );
          return;
        } catch (error) {
          if (!isConditionFailure(error) || attempt >= 5) throw error;
        }
      }
    },

    async readLog(settlementId) {
      const events: ApprovalEvent[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await call('readLog', () =>
          ddb.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': keys.approvalLogPk(settlementId) },
              ConsistentRead: true,
              ExclusiveStartKey: start,
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const { pk: _pk, sk: _sk, entity: _entity, ...event } = item;
          events.push(event as ApprovalEvent);
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return events;
    },

    async putDelegation(d) {
      await call('putDelegation', () =>
        ddb.send(
          new PutCommand({
            TableName,
            Item: { ...d, ...keys.delegation(d.from, d.validFrom, d.id), entity: 'Delegation' },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    },

    async delegationsStartedBy(email, at) {
      const out: Delegation[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await call('delegationsStartedBy', () =>
          ddb.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'pk = :pk AND sk <= :upper',
              ExpressionAttributeValues: {
                ':pk': keys.delegationPk(email),
                ':upper': `${at.toISOString()}#\uffff`,
              },
              ScanIndexForward: false,
              ExclusiveStartKey: start,
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const { pk: _pk, sk: _sk, entity: _entity, ...d } = item;
          out.push(d as Delegation);
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },
  };

  async function setFinalStatus(
    requestId: string,
    status: 'expired' | 'superseded',
    now: Date,
  ): Promise<boolean> {
    try {
      await call(status, () =>
        ddb.send(
          new UpdateCommand({
            TableName,
            Key: keys.approvalRequest(requestId),
            UpdateExpression: 'SET #status = :status, closedAt = :now REMOVE taskToken',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': status,
              ':pending': 'pending',
              ':now': now.toISOString(),
            },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  return store;
}
