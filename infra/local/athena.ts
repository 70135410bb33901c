import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CallerCredentials } from '#adapters/clients.ts';
import { objectKeys } from '#storage/layout.ts';
import type { AccessRequest } from './iam/evaluate.ts';
import { LOCAL_ACCOUNT } from './iam/policies.ts';

/**
 * Athena's local stand-in: the nightly cloud-cost query's three calls (StartQueryExecution,
 * GetQueryExecution, GetQueryResults) on DuckDB over the export files. As Athena does, it acts with
 * the caller's own permissions: the Athena and Glue actions are checked against the caller's
 * synthesized policies, and the export is listed and read, and the result written, through the S3
 * gate signed as the caller — so a grant the step lacks fails here as it fails in AWS.
 */

export interface LocalAthenaOptions {
  readonly region: string;
  readonly bucketName: string;
  /** The S3 gate (IAM checked), reached as the caller. */
  readonly s3Endpoint: string;
  readonly credentialsOf: (principal: string) => CallerCredentials;
  readonly authorize: (principal: string, requests: AccessRequest[]) => Promise<void>;
}

interface Execution {
  readonly id: string;
  readonly workGroup: string;
  state: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  reason?: string;
  columns: string[];
  resultKey: string;
  done: Promise<void>;
}

/** An Athena API error the SDK raises by name. */
export class AthenaStandInError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const csvCell = (v: string | null) => (v === null ? '' : `"${v.replaceAll('"', '""')}"`);

export class LocalAthena {
  readonly #executions = new Map<string, Execution>();
  readonly #options: LocalAthenaOptions;
  /** Every query started (tests count them: one per tenant and night). */
  readonly started: { principal: string; sql: string; parameters: string[] }[] = [];

  constructor(options: LocalAthenaOptions) {
    this.#options = options;
  }

  #arn(service: 'athena' | 'glue', resource: string): string {
    return `arn:aws:${service}:${this.#options.region}:${LOCAL_ACCOUNT}:${resource}`;
  }

  #s3(principal: string): S3Client {
    return new S3Client({
      region: this.#options.region,
      endpoint: this.#options.s3Endpoint,
      credentials: this.#options.credentialsOf(principal),
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async handle(principal: string, action: string, body: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case 'StartQueryExecution':
        return this.#start(principal, body);
      case 'GetQueryExecution': {
        const e = this.#execution(body);
        await this.#options.authorize(principal, [
          { action: 'athena:GetQueryExecution', resource: this.#arn('athena', `workgroup/${e.workGroup}`) },
        ]);
        return {
          QueryExecution: {
            QueryExecutionId: e.id,
            WorkGroup: e.workGroup,
            Status: { State: e.state, ...(e.reason ? { StateChangeReason: e.reason } : {}) },
            ResultConfiguration: { OutputLocation: `s3://${this.#options.bucketName}/${e.resultKey}` },
          },
        };
      }
      case 'GetQueryResults':
        return this.#results(principal, body);
      default:
        throw new AthenaStandInError(
          'InvalidRequestException',
          `The local runtime does not implement ${action}`,
        );
    }
  }

  #execution(body: Record<string, unknown>): Execution {
    const e = this.#executions.get(String(body.QueryExecutionId));
    if (!e)
      throw new AthenaStandInError(
        'InvalidRequestException',
        `QueryExecution ${String(body.QueryExecutionId)} was not found`,
      );
    return e;
  }

  async #start(principal: string, body: Record<string, unknown>): Promise<unknown> {
    const workGroup = String(body.WorkGroup ?? 'primary');
    const context = (body.QueryExecutionContext ?? {}) as { Database?: string };
    const database = String(context.Database ?? '');
    const table = 'focus_export';
    await this.#options.authorize(principal, [
      { action: 'athena:StartQueryExecution', resource: this.#arn('athena', `workgroup/${workGroup}`) },
      ...['glue:GetTable', 'glue:GetPartitions'].flatMap((action) =>
        [
          this.#arn('glue', 'catalog'),
          this.#arn('glue', `database/${database}`),
          this.#arn('glue', `table/${database}/${table}`),
        ].map((resource) => ({ action, resource })),
      ),
    ]);
    const sql = String(body.QueryString ?? '');
    // ExecutionParameters are SQL literals ('project'); DuckDB binds their values.
    const parameters = ((body.ExecutionParameters as string[] | undefined) ?? []).map((p) =>
      p.startsWith("'") && p.endsWith("'") ? p.slice(1, -1).replaceAll("''", "'") : p,
    );
    this.started.push({ principal, sql, parameters });
    const id = randomUUID();
    const execution: Execution = {
      id,
      workGroup,
      state: 'RUNNING',
      columns: [],
      resultKey: `${objectKeys.queryResultsPrefix()}${id}.csv`,
      done: Promise.resolve(),
    };
    execution.done = this.#run(principal, execution, sql, parameters).catch((error: unknown) => {
      execution.state = 'FAILED';
      execution.reason = `${(error as Error).name}: ${(error as Error).message}`;
    });
    this.#executions.set(id, execution);
    return { QueryExecutionId: id };
  }

  async #run(principal: string, execution: Execution, sql: string, parameters: string[]): Promise<void> {
    const s3 = this.#s3(principal);
    const dir = await mkdtemp(join(tmpdir(), 'local-athena-'));
    try {
      const prefix = objectKeys.exportPrefix('focus');
      const files: { path: string; billingPeriod: string }[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: this.#options.bucketName,
            Prefix: prefix,
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? []) {
          const key = object.Key ?? '';
          const period = /BILLING_PERIOD=(\d{4}-\d{2})\//.exec(key)?.[1];
          if (!period) continue;
          const got = await s3.send(new GetObjectCommand({ Bucket: this.#options.bucketName, Key: key }));
          const path = join(dir, `${files.length}-${basename(key)}`);
          await writeFile(
            path,
            await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
          );
          files.push({ path, billingPeriod: period });
        }
        token = page.NextContinuationToken;
      } while (token);
      // DuckDB (a native module) is loaded by the first query, not by every local run.
      const { queryFocusFiles } = await import('#analytics/focus-export.ts');
      const rows = await queryFocusFiles(files, sql, parameters);
      execution.columns = rows[0] ? Object.keys(rows[0]) : [];
      const csv = [
        execution.columns.map(csvCell),
        ...rows.map((r) => execution.columns.map((c) => csvCell(r[c] ?? null))),
      ]
        .map((cells) => cells.join(','))
        .join('\n');
      await s3.send(
        new PutObjectCommand({
          Bucket: this.#options.bucketName,
          Key: execution.resultKey,
          Body: csv,
          ContentType: 'text/csv',
        }),
      );
      this.#rows.set(execution.id, rows);
      execution.state = 'SUCCEEDED';
    } finally {
      s3.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  }

  readonly #rows = new Map<string, Record<string, string | null>[]>();

  async #results(principal: string, body: Record<string, unknown>): Promise<unknown> {
    const e = this.#execution(body);
    await e.done;
    await this.#options.authorize(principal, [
      { action: 'athena:GetQueryResults', resource: this.#arn('athena', `workgroup/${e.workGroup}`) },
    ]);
    if (e.state !== 'SUCCEEDED')
      throw new AthenaStandInError(
        'InvalidRequestException',
        `Query has not yet finished. Current state: ${e.state}`,
      );
    // The results are read from the result location as the caller, as Athena reads them.
    const s3 = this.#s3(principal);
    try {
      await s3.send(new GetObjectCommand({ Bucket: this.#options.bucketName, Key: e.resultKey }));
    } finally {
      s3.destroy();
    }
    const rows = this.#rows.get(e.id) ?? [];
    const start = body.NextToken === undefined ? 0 : Number(body.NextToken);
    const max = Number(body.MaxResults ?? 1000);
    // The first page starts with the header row, as Athena's does.
    const header = start === 0 ? [{ Data: e.columns.map((c) => ({ VarCharValue: c })) }] : [];
    const take = start === 0 ? max - 1 : max;
    const page = rows.slice(start, start + take).map((r) => ({
      Data: e.columns.map((c) => (r[c] === null || r[c] === undefined ? {} : { VarCharValue: r[c] })),
    }));
    const next = start + take < rows.length ? String(start + take) : undefined;
    return {
      ResultSet: {
        Rows: [...header, ...page],
        ResultSetMetadata: { ColumnInfo: e.columns.map((c) => ({ Name: c, Type: 'varchar' })) },
      },
      ...(next ? { NextToken: next } : {}),
    };
  }
}
