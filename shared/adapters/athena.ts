import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';

/**
 * Runs one SQL text in the tenant's cost workgroup: StartQueryExecution (positional parameters as
 * SQL string literals), GetQueryExecution until it ends, GetQueryResults page by page. The values
 * come back as text (Athena's own way), so decimals stay exact.
 */

export class AthenaQueryError extends Error {
  override name = 'AthenaQueryError';
  readonly queryId: string | undefined;
  constructor(message: string, queryId?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.queryId = queryId;
  }
}

export interface AthenaAnswer {
  readonly queryId: string;
  readonly rows: Record<string, string | null>[];
}

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Runs `sql` with `parameters` (bound to its `?` in order) and returns every result row. */
export async function runAthenaQuery(
  sql: string,
  parameters: readonly string[],
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<AthenaAnswer> {
  const { costQuery } = loadConfig();
  if (!costQuery.workgroup || !costQuery.database) {
    throw new AthenaQueryError('no Athena workgroup and database configured (COST_WORKGROUP, COST_DATABASE)');
  }
  const athena = getClients().athena;
  const started = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: costQuery.workgroup,
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: costQuery.database },
      ExecutionParameters: parameters.map(literal),
    }),
  );
  const queryId = started.QueryExecutionId;
  if (!queryId) throw new AthenaQueryError('Athena returned no QueryExecutionId');
  for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }));
    const state = QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new AthenaQueryError(
        `Athena query ${queryId} ${state}: ${QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`,
        queryId,
      );
    }
    await sleep(wait);
  }
  const rows: Record<string, string | null>[] = [];
  let columns: string[] | undefined;
  let token: string | undefined;
  do {
    const page: GetQueryResultsCommandOutput = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: token, MaxResults: 1000 }),
    );
    columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
    const data = page.ResultSet?.Rows ?? [];
    // The first row of the first page repeats the column names.
    for (const [i, row] of data.entries()) {
      if (token === undefined && i === 0) continue;
      const values = row.Data ?? [];
      rows.push(Object.fromEntries(columns.map((name, c) => [name, values[c]?.VarCharValue ?? null])));
    }
    token = page.NextToken;
  } while (token);
  return { queryId, rows };
}
