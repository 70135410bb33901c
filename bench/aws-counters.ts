import { type Clients, instrumentClients } from '#adapters/clients.ts';

/**
 * Counts the AWS requests the handlers make, by operation, through a middleware on the shared SDK
 * clients (the handlers run in this process in the local runtime). DynamoDB requests ask for
 * `ReturnConsumedCapacity: TOTAL`, so dynalite reports the capacity units it charged; where it
 * reports none (Query) the units are estimated from the returned items as DynamoDB does
 * (read: 4 KB per unit of the summed item sizes, eventually consistent = half).
 */

export interface RequestCounts {
  readonly dynamodb: Record<string, number>;
  readonly s3: Record<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Items written by BatchWriteItem requests (to show writes are batched). */
  readonly batchWriteItems: number;
}

const CAPACITY_OPS = new Set([
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchGetItemCommand',
  'BatchWriteItemCommand',
  'QueryCommand',
  'ScanCommand',
]);
const READ_OPS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);

export function createRequestCounters() {
  let counts = empty();
  function empty() {
    return {
      dynamodb: {} as Record<string, number>,
      s3: {} as Record<string, number>,
      readUnits: 0,
      writeUnits: 0,
      batchWriteItems: 0,
    };
  }
  const opName = (commandName: string | undefined) => (commandName ?? 'Unknown').replace(/Command$/, '');

  /**
   * Installs the middlewares on every client set, those that exist and those created later: the local
   * runtime gives each function clients of its own, signing with that function's credentials.
   */
  function install(): () => void {
    return instrumentClients(count);
  }

  function count({ ddb, s3 }: Clients): void {
    ddb.middlewareStack.add(
      (next, context) => async (args) => {
        const op = opName(context.commandName);
        const input = args.input as Record<string, unknown>;
        if (CAPACITY_OPS.has(context.commandName ?? '') && input.ReturnConsumedCapacity === undefined) {
          input.ReturnConsumedCapacity = 'TOTAL';
        }
        if (op === 'BatchWriteItem') {
          const requests = input.RequestItems as Record<string, unknown[]> | undefined;
          for (const list of Object.values(requests ?? {})) counts.batchWriteItems += list.length;
        }
        counts.dynamodb[op] = (counts.dynamodb[op] ?? 0) + 1;
        const result = await next(args);
        const output = result.output as {
          ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }>;
          Items?: unknown[];
        };
        const consumed = output.ConsumedCapacity;
        let units = Array.isArray(consumed)
          ? consumed.reduce((s, c) => s + (c.CapacityUnits ?? 0), 0)
          : (consumed?.CapacityUnits ?? undefined);
        if (units === undefined && READ_OPS.has(op)) {
          const bytes = (output.Items ?? []).reduce<number>((s, item) => s + JSON.stringify(item).length, 0);
          const consistent = input.ConsistentRead === true;
          units = Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
        }
        if (READ_OPS.has(op)) counts.readUnits += units ?? 0;
        else counts.writeUnits += units ?? 0;
        return result;
      },
      { step: 'initialize', name: 'benchRequestCounter', override: true },
    );
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const op = opName(context.commandName);
        counts.s3[op] = (counts.s3[op] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestCounter', override: true },
    );
  }

  return {
    install,
    reset(): void {
      counts = empty();
    },
    snapshot(): RequestCounts {
      return structuredClone(counts);
    },
  };
}
