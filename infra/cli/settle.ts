import { existsSync, readdirSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { join, resolve } from 'node:path';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.ts';

export { UsageError };

/**
 * `settle` — the command line. Every command is declared once below (its options, with their help
 * text, and what it runs); usage lines, `--help` and the checks of the arguments come from that
 * declaration. Commands that need the tenant's store run against the local runtime's persistent
 * data directory (`.local/<tenant>`; the demo tenant `acme` lives in `.local/demo`).
 *
 * Exit codes: 0 ok (settled); 1 failure; 2 usage (nothing ran); 3 needs attention (a blocking
 * check failed, rejected, expired, an archive unfinished).
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const COMPILE_CACHE = join(ROOT, 'node_modules', '.cache', 'settle-compile');

// Commands load their modules lazily (the AWS SDK, the emulators, the renderers: hundreds of files);
// V8's compile cache on disk makes every run after the first skip most of that parsing. main.mjs
// (what npm start and the `settle` bin run) turns it on before this file is loaded.
if (import.meta.main) enableCompileCache(COMPILE_CACHE);

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in usage lines (`FILE`, `DATE`). */
  readonly value?: string;
  readonly help: string;
  readonly required?: boolean;
}

interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
  /** The arguments as given (commands that parse their own). */
  readonly raw: string[];
}

interface CommandSpec {
  /** `run`, `report portfolio`, `charter validate`. */
  readonly name: string;
  readonly summary: string;
  /** Positional arguments: placeholder and how many (`[min, max]`). */
  readonly positionals?: { readonly usage: string; readonly count: readonly [number, number] };
  readonly options: Record<string, OptionSpec>;
  /** Extra lines for `--help`. */
  readonly notes?: string;
  run(args: Parsed, io: Io): Promise<number>;
}

const dataDirOption: OptionSpec = {
  type: 'string',
  value: 'DIR',
  help: 'where the tenant’s local state lives (default .local/<tenant>; acme: .local/demo)',
};
/** For commands that also operate a deployed stack: --tenant or --stack. */
const localTenantOption: OptionSpec = {
  type: 'string',
  value: 'T',
  help: 'the tenant id (its local state), or give --stack',
};
const stackOption: OptionSpec = {
  type: 'string',
  value: 'NAME',
  help: 'operate the deployed stack Settlement-<tenant> instead (names from its outputs, AWS credentials from the default chain)',
};
const LOCAL_ONLY = ['data-dir', 'fresh', 'port', 'yes', 'verbose'] as const;

/** `stack` when --stack is given (with no local-only option), `local` with --tenant; else a usage error. */
function targetKind(values: Parsed['values']): 'stack' | 'local' {
  if (values.stack !== undefined) {
    if (values.tenant !== undefined)
      throw new UsageError('give --tenant (local state) or --stack (a deployed tenant), not both');
    const local = LOCAL_ONLY.find((name) => values[name] !== undefined);
    if (local)
      throw new UsageError(
        `--${local} is for local runs; a deployed stack's approvers decide from their emailed links`,
      );
    if (!String(values.stack)) throw new UsageError('--stack NAME: the stack name, e.g. Settlement-acme');
    return 'stack';
  }
  if (values.tenant === undefined || values.tenant === '')
    throw new UsageError('--tenant is required (or --stack NAME for a deployed tenant)');
  return 'local';
}

/** The deployed stack named by --stack (its outputs read with DescribeStacks). */
async function openTarget(values: Parsed['values']) {
  const { openStackTarget } = await import('./target/stack-target.ts');
  return openStackTarget(String(values.stack));
}

async function withTarget<T>(
  values: Parsed['values'],
  fn: (target: import('./target/stack-target.ts').StackTarget) => Promise<T>,
): Promise<T> {
  const target = await openTarget(values);
  try {
    return await fn(target);
  } finally {
    target.close();
  }
}

/** `settle status`: one line per settlement (the same code reads local state and a deployed stack). */
async function printStatus(io: Io, who: string, project: string | undefined): Promise<number> {
  const store = await import('#adapters/settlement-store.ts');
  const projects = project ? [project] : await store.listProjects();
  let rows = 0;
  for (const projectId of projects) {
    for await (const item of store.queryAll(`PROJECT#${projectId}`, 'SETTLEMENT#')) {
      rows += 1;
      io.stdout.write(`${statusLine(projectId, item)}\n`);
    }
  }
  if (rows === 0) io.stdout.write(`no settlements for ${project ? `project ${project}` : who}\n`);
  return 0;
}

/** The tenant's local data directory. */
export function tenantDataDir(tenant: string, dataDir?: string): string {
  return resolve(dataDir ?? join(ROOT, '.local', tenant === 'acme' ? 'demo' : tenant));
}

/** Tenants with local state under .local (for the unknown-tenant message). */
function knownTenants(): string[] {
  const base = join(ROOT, '.local');
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, 'dynamodb')))
    .map((d) => (d.name === 'demo' ? 'acme' : d.name));
}

/** Refuses a tenant with no local state (exit 2) before anything is created. */
async function existingTenant(values: Parsed['values']): Promise<{ tenant: string; dataDir: string }> {
  const tenant = String(values.tenant);
  const { tenantIdProblem } = await import('./commands/run.ts');
  const problem = tenantIdProblem(tenant);
  if (problem) throw new UsageError(problem);
  const dataDir = tenantDataDir(tenant, values['data-dir'] as string | undefined);
  if (!existsSync(join(dataDir, 'dynamodb'))) {
    const known = knownTenants();
    throw new UsageError(
      `unknown tenant '${tenant}': no local state in ${dataDir}. ` +
        (known.length ? `Tenants here: ${known.join(', ')}. ` : '') +
        'Settle or import a project first (settle run / settle import).',
    );
  }
  return { tenant, dataDir };
}

async function withTenant<T>(tenant: string, dataDir: string, fn: () => Promise<T>): Promise<T> {
  const { startLocalRuntime } = await import('#local/runtime.ts');
  const runtime = await startLocalRuntime({
    tenantId: tenant,
    dataDir,
    persistent: true,
    keepExecutions: true,
  });
  try {
    return await fn();
  } finally {
    await runtime.stop();
  }
}

/** The tenant's Parquet facts as the local runtime keeps them (s3rver's files under the data directory). */
async function localFacts(tenant: string, dataDir: string) {
  const { localFactsLocation } = await import('#analytics/duckdb.ts');
  const { tenantResourceNames } = await import('#local/runtime.ts');
  return localFactsLocation(dataDir, tenantResourceNames(tenant).bucketName);
}

function portOf(value: unknown, fallback: number): number {
  const text = value === undefined ? String(fallback) : String(value);
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port '${text}': a port number 0–65535`);
  return port;
}

/**
 * One settlement in `settle status`: project, period, revision, status, the statement number, why it
 * is not settled (the error, the failed checks, the rejection), the nightly attempt, and the runs of
 * this revision (claims, redrives included).
 */
function statusLine(projectId: string, item: Record<string, unknown>): string {
  const error = item.error as { name?: string } | undefined;
  const rejection = item.rejection as { by?: string; comment?: string } | undefined;
  const why =
    item.status === 'failed'
      ? (error?.name ?? '')
      : item.status === 'needs-attention' && Array.isArray(item.failedChecks)
        ? item.failedChecks.join('; ')
        : item.status === 'rejected'
          ? `${rejection?.by ?? ''}${rejection?.comment ? `: ${rejection.comment}` : ''}`
          : item.status === 'waiting' && Array.isArray(item.missing)
            ? `${item.missing.join('; ')}${item.deadline ? ` (overdue from ${item.deadline})` : ''}`
            : '';
  return [
    projectId,
    item.period,
    `r${item.revision}`,
    item.status,
    item.statementNumber ?? '',
    why,
    `attempt ${item.attempt ?? 1}`,
    `runs ${item.attempts ?? 1}${item.redrivenAt ? ' (redriven)' : ''}`,
  ].join('\t');
}

const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'run',
    summary:
      'settle one project locally (the ASL file, the same handlers, emulators) or on a deployed stack; prints progress',
    options: {
      tenant: localTenantOption,
      stack: stackOption,
      charter: { type: 'string', value: 'FILE', help: 'the project charter (JSON)', required: true },
      files: {
        type: 'string',
        value: 'DIR',
        help: 'folder with the files the charter’s file-mode sources name (sources[].path)',
        required: true,
      },
      period: {
        type: 'string',
        value: 'P',
        help: "YYYY-MM (periodic charters), milestone:<id> or 'final'",
        required: true,
      },
      'as-of': {
        type: 'string',
        value: 'DATE',
        help: 'status date for earned value (default: the period’s last day once it has ended, else today)',
      },
      revision: { type: 'string', value: 'N', help: 'correct a settled period (needs --reason)' },
      reason: { type: 'string', value: 'TEXT', help: 'why a settled period is re-opened' },
      yes: { type: 'boolean', help: 'approve through the approval endpoint without waiting for a click' },
      fresh: {
        type: 'boolean',
        help: 'start the tenant’s local state afresh (deletes its earlier settlements)',
      },
      port: { type: 'string', value: 'N', help: 'port of the approval links (default 0: any free port)' },
      verbose: {
        type: 'boolean',
        help: 'handler logs on the terminal too (always in <data-dir>/logs/*.ndjson)',
      },
      'data-dir': dataDirOption,
    },
    notes:
      'The tenant’s local state is kept across runs: statement numbers, the archive chain and period locks continue.\n' +
      'With --stack the run starts on the deployed settlement machine (through its live alias) and is followed until it\n' +
      'ends or waits for approval; run the same command again after the decision to follow it to its end.',
    async run({ values }, io) {
      const { preflightRun } = await import('./commands/run.ts');
      const kind = targetKind(values);
      // A deployed stack's tenant id is checked once its outputs are read.
      const tenant = kind === 'stack' ? 'stack' : String(values.tenant);
      const request = {
        tenant,
        charterPath: resolve(String(values.charter)),
        filesDir: resolve(String(values.files)),
        period: String(values.period),
        ...(values['as-of'] !== undefined ? { asOf: String(values['as-of']) } : {}),
        ...(values.revision !== undefined ? { revision: String(values.revision) } : {}),
        ...(values.reason !== undefined ? { reason: String(values.reason) } : {}),
      };
      const port = portOf(values.port, 0);
      const checked = await preflightRun(request, new Date().toISOString().slice(0, 10));
      if (!checked.ok) {
        for (const problem of checked.problems) io.stderr.write(`settle run: ${problem}\n`);
        io.stderr.write('Nothing was started. Fix the above and run again (settle run --help).\n');
        return 2;
      }
      if (kind === 'stack') {
        const { runOnStack } = await import('./commands/stack.ts');
        const { stackDataDir } = await import('./target/stack-target.ts');
        return withTarget(values, (target) =>
          runOnStack(
            target,
            {
              charterPath: request.charterPath,
              filesDir: request.filesDir,
              period: request.period,
              asOf: checked.asOf,
              revision: checked.revision,
              ...(request.reason ? { reason: request.reason } : {}),
              statementsDir: join(stackDataDir(ROOT, target.stackName), 'statements'),
            },
            (line) => io.stdout.write(`${line}\n`),
          ),
        );
      }
      const { runProject } = await import('#local/demo.ts');
      return runProject({
        tenantId: tenant,
        charterPath: request.charterPath,
        filesDir: request.filesDir,
        period: request.period,
        asOf: checked.asOf,
        revision: checked.revision,
        ...(request.reason ? { reason: request.reason } : {}),
        yes: values.yes === true,
        keep: values.fresh !== true,
        verbose: values.verbose === true,
        port,
        dataDir: tenantDataDir(tenant, values['data-dir'] as string | undefined),
        out: io.stdout,
        err: io.stderr,
      });
    },
  },
  {
    name: 'redrive',
    summary: 'redrive a failed settlement (RedriveExecution): same execution, from the state it failed in',
    options: {
      tenant: { type: 'string', value: 'T', help: 'the tenant id (or --stack NAME)' },
      stack: stackOption,
      charter: {
        type: 'string',
        value: 'FILE',
        help: 'the project charter (JSON), imported again',
        required: true,
      },
      files: {
        type: 'string',
        value: 'DIR',
        help: 'folder with the (corrected) files the charter’s file-mode sources name',
        required: true,
      },
      period: { type: 'string', value: 'P', help: 'the failed settlement’s period', required: true },
      revision: { type: 'string', value: 'N', help: 'the failed settlement’s revision (default 0)' },
      yes: { type: 'boolean', help: 'approve through the approval endpoint without waiting for a click' },
      port: { type: 'string', value: 'N', help: 'port of the approval links (default 0: any free port)' },
      verbose: { type: 'boolean', help: 'handler logs on the terminal too' },
      'data-dir': dataDirOption,
    },
    notes:
      'Fix the cause first (a file, a credential, the charter): the redrive imports the charter and files again, then continues the failed execution; it resumes the settlement from Open, so nothing is counted twice.',
    async run({ values }, io) {
      const { preflightRun } = await import('./commands/run.ts');
      const onStack = targetKind(values) === 'stack';
      // A local tenant without state is refused before anything is checked or imported.
      const local = onStack ? undefined : await existingTenant(values);
      const request = {
        tenant: local?.tenant ?? 'stack',
        charterPath: resolve(String(values.charter)),
        filesDir: resolve(String(values.files)),
        period: String(values.period),
        ...(values.revision !== undefined ? { revision: String(values.revision) } : {}),
      };
      const checked = await preflightRun(request, new Date().toISOString().slice(0, 10));
      if (!checked.ok) {
        for (const problem of checked.problems) io.stderr.write(`settle redrive: ${problem}\n`);
        return 2;
      }
      if (!local) {
        const { runOnStack } = await import('./commands/stack.ts');
        const { stackDataDir } = await import('./target/stack-target.ts');
        return withTarget(values, (target) =>
          runOnStack(
            target,
            {
              charterPath: request.charterPath,
              filesDir: request.filesDir,
              period: request.period,
              asOf: checked.asOf,
              revision: checked.revision,
              redrive: true,
              statementsDir: join(stackDataDir(ROOT, target.stackName), 'statements'),
            },
            (line) => io.stdout.write(`${line}\n`),
          ),
        );
      }
      const { tenant, dataDir } = local;
      const { runProject } = await import('#local/demo.ts');
      return runProject({
        tenantId: tenant,
        charterPath: request.charterPath,
        filesDir: request.filesDir,
        period: request.period,
        asOf: checked.asOf,
        revision: checked.revision,
        redrive: true,
        yes: values.yes === true,
        keep: true,
        verbose: values.verbose === true,
        port: portOf(values.port, 0),
        dataDir,
        out: io.stdout,
        err: io.stderr,
      });
    },
  },
  {
    name: 'revise',
    summary:
      'correct a settled period: a run of its next revision (with a credit note naming the corrected statement)',
    options: {
      tenant: localTenantOption,
      stack: stackOption,
      charter: { type: 'string', value: 'FILE', help: 'the project charter (JSON)', required: true },
      files: {
        type: 'string',
        value: 'DIR',
        help: 'folder with the files the charter’s sources name',
        required: true,
      },
      period: { type: 'string', value: 'P', help: 'the settled period to correct', required: true },
      reason: { type: 'string', value: 'TEXT', help: 'why the period is re-opened', required: true },
      'as-of': { type: 'string', value: 'DATE', help: 'status date for earned value (default as for run)' },
      'data-dir': dataDirOption,
    },
    notes: 'The same as `settle run --revision N --reason TEXT` with N the period’s latest revision + 1.',
    async run({ values, raw }, io) {
      const kind = targetKind(values);
      const { validateCharter } = await import('#domain/charter.ts');
      const { readFile } = await import('node:fs/promises');
      let projectId: string | undefined;
      try {
        const checked = validateCharter(JSON.parse(await readFile(resolve(String(values.charter)), 'utf8')));
        if (checked.ok) projectId = checked.charter.projectId;
      } catch {
        // settle run names what is wrong with the charter
      }
      const period = String(values.period);
      const latest = async () => {
        if (!projectId) return 0;
        const { listSettlements } = await import('#adapters/settlement-store.ts');
        const items = await listSettlements(projectId, period);
        return items.reduce((max, item) => Math.max(max, Number(item.revision) + 1), 0);
      };
      const next =
        kind === 'stack'
          ? await withTarget(values, (target) => target.run(latest))
          : await (async () => {
              const { tenant, dataDir } = await existingTenant(values);
              return withTenant(tenant, dataDir, latest);
            })();
      const run = COMMANDS.find((c) => c.name === 'run');
      if (!run) throw new Error('no run command');
      // Revision 0 when nothing was settled: `run` refuses it as a revision of an unsettled period.
      return run.run(parseCommand(run, [...raw, '--revision', String(Math.max(next, 1))]), io);
    },
  },
  {
    name: 'demo',
    summary: 'a demo tenant’s settlement, started afresh (what npm start runs)',
    options: {
      tenant: {
        type: 'string',
        value: 'T',
        help: 'acme (default: October 2026, time & materials, English) or huajian (ten construction sites, zh-CN)',
      },
      yes: { type: 'boolean', help: 'approve through the approval endpoint without waiting for a click' },
      keep: { type: 'boolean', help: 'keep the earlier demo state instead of starting afresh' },
      port: { type: 'string', value: 'N', help: 'port of the approval links (default 8787)' },
      verbose: {
        type: 'boolean',
        help: 'handler logs on the terminal too (always in <data-dir>/logs/*.ndjson)',
      },
      'data-dir': {
        type: 'string',
        value: 'DIR',
        help: 'where the demo’s state lives (default .local/demo; huajian: .local/huajian)',
      },
    },
    async run({ values }, io) {
      const { runDemo, DEMO_TENANTS } = await import('#local/demo.ts');
      const tenant = values.tenant === undefined ? 'acme' : String(values.tenant);
      if (!Object.hasOwn(DEMO_TENANTS, tenant))
        throw new UsageError(
          `--tenant '${tenant}': no demo for it; choose ${Object.keys(DEMO_TENANTS).join(' or ')}`,
        );
      return runDemo({
        tenant,
        yes: values.yes === true,
        keep: values.keep === true,
        verbose: values.verbose === true,
        port: portOf(values.port, 8787),
        dataDir: tenantDataDir(tenant, values['data-dir'] as string | undefined),
        out: io.stdout,
        err: io.stderr,
      });
    },
  },
  {
    name: 'import',
    summary: 'validate a charter, store it as the next version, upload its source files to the inbox',
    options: {
      tenant: localTenantOption,
      stack: stackOption,
      charter: { type: 'string', value: 'FILE', help: 'the project charter (JSON)', required: true },
      files: { type: 'string', value: 'DIR', help: 'folder with the files its sources name', required: true },
      author: {
        type: 'string',
        value: 'WHO',
        help: 'who wrote this charter version (default $SETTLE_USER, else the system user)',
      },
      'data-dir': dataDirOption,
    },
    async run({ values }, io) {
      const kind = targetKind(values);
      const tenant = kind === 'stack' ? 'stack' : String(values.tenant);
      const { preflightRun } = await import('./commands/run.ts');
      const charterPath = resolve(String(values.charter));
      const filesDir = resolve(String(values.files));
      // The same checks as a run, except the period (an import settles nothing).
      const checked = await preflightRun(
        { tenant, charterPath, filesDir },
        new Date().toISOString().slice(0, 10),
      );
      if (!checked.ok) {
        for (const p of checked.problems) io.stderr.write(`settle import: ${p}\n`);
        return 2;
      }
      const { importProject } = await import('#local/tenant-files.ts');
      const importIt = async () => {
        const result = await importProject(charterPath, filesDir, {
          author: values.author as string | undefined,
          tenantId: tenant,
        });
        io.stdout.write(
          `Charter ${result.charter.projectId} v${result.version}; uploaded ${result.uploaded.join(', ') || 'nothing'}\n`,
        );
        for (const notice of result.notices) io.stdout.write(`Note: ${notice}\n`);
        if (result.status === 'pending') {
          io.stdout.write(
            `v${result.version} changes ${result.changes.map((c) => c.field).join(', ')}: it takes effect when someone other than its author approves it (settle charter approve --tenant ${tenant} --project ${result.charter.projectId} --version ${result.version} --by <approver>); settlements keep the version in effect until then\n`,
          );
          return 3;
        }
        return 0;
      };
      if (kind === 'stack') return withTarget(values, (target) => target.run(importIt));
      return withTenant(tenant, tenantDataDir(tenant, values['data-dir'] as string | undefined), importIt);
    },
  },
  {
    name: 'credentials set',
    summary: "store one connector's static credentials (JSON on stdin) in the tenant's encrypted parameter",
    positionals: { usage: 'NAME', count: [1, 1] },
    options: { tenant: { ...localTenantOption, required: true }, 'data-dir': dataDirOption },
    notes:
      'NAME is what the charter’s live sources name (sources[].secret). The JSON comes from stdin, never the\n' +
      'command line: `settle credentials set toggl --tenant acme < toggl.json`. Locally the parameter\n' +
      '/settlement/<tenant>/connector-credentials is kept encrypted under <data-dir>/ssm (key in ~/.config/settle/keys);\n' +
      'in AWS create it with `aws ssm put-parameter --type SecureString` (README, deploy guide).',
    async run({ values, positionals }, io) {
      const tenant = String(values.tenant);
      const { tenantIdProblem } = await import('./commands/run.ts');
      const problem = tenantIdProblem(tenant);
      if (problem) throw new UsageError(problem);
      const { parseCredential, setCredential } = await import('./commands/credentials.ts');
      const name = String(positionals[0]);
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      const value = parseCredential(name, Buffer.concat(chunks).toString('utf8'));
      const { getClients } = await import('#adapters/clients.ts');
      const { loadConfig } = await import('#adapters/config.ts');
      return withTenant(tenant, tenantDataDir(tenant, values['data-dir'] as string | undefined), async () => {
        const parameter = loadConfig().credentialsParameter;
        const stored = await setCredential(getClients().ssm, parameter, name, value);
        io.stdout.write(
          `Stored '${name}' in ${parameter} (version ${stored.version}, encrypted); it holds ${stored.names.join(', ')}\n`,
        );
        return 0;
      });
    },
  },
  {
    name: 'status',
    summary:
      'settlements and their status (project, period, revision, status, number, error or checks, attempt, runs)',
    options: {
      tenant: localTenantOption,
      stack: stackOption,
      project: { type: 'string', value: 'ID', help: 'only this project' },
      'data-dir': dataDirOption,
    },
    async run({ values }, io) {
      const project = values.project === undefined ? undefined : String(values.project);
      if (targetKind(values) === 'stack')
        return withTarget(values, (target) =>
          target.run(() => printStatus(io, `tenant ${target.tenantId} (${target.stackName})`, project)),
        );
      const { tenant, dataDir } = await existingTenant(values);
      return withTenant(tenant, dataDir, () => printStatus(io, `tenant ${tenant}`, project));
    },
  },
  {
    name: 'approve',
    summary: 'decide an approval link as its approver would (GET the page, POST the decision)',
    positionals: { usage: 'URL', count: [1, 1] },
    options: {
      reject: { type: 'boolean', help: 'reject instead of approving' },
      comment: { type: 'string', value: 'TEXT', help: 'the decision’s comment' },
      code: {
        type: 'string',
        value: 'CODE',
        help: 'the one-time code emailed after Approve (approvals above the tenant’s code threshold)',
      },
      stack: {
        type: 'string',
        value: 'NAME',
        help: 'check that the link is served by this deployed stack’s approval API',
      },
    },
    notes:
      'A local link works while the run that sent it waits for a decision (settle run / npm start); a deployed\n' +
      'stack’s link until it expires. After deciding, `settle run … --stack NAME` follows the settlement to its end.',
    async run({ values, positionals }, io) {
      if (values.stack !== undefined) {
        const { checkLinkOfStack } = await import('./commands/stack.ts');
        const problem = await withTarget(values, async (target) =>
          checkLinkOfStack(String(positionals[0]), target),
        );
        if (problem) throw new UsageError(problem);
      }
      const { approveByLink } = await import('#local/approval-link.ts');
      const reject = values.reject === true;
      await approveByLink(
        String(positionals[0]),
        reject ? 'reject' : 'approve',
        String(values.comment ?? ''),
        values.code === undefined ? undefined : String(values.code),
      );
      io.stdout.write(reject ? 'Rejected.\n' : 'Approved.\n');
      return 0;
    },
  },
  {
    name: 'verify-archive',
    summary: 'recompute every hash and the manifest chain (exit 1 broken, 3 unfinished)',
    options: {
      tenant: localTenantOption,
      stack: stackOption,
      json: { type: 'boolean', help: 'the full result as JSON' },
      'data-dir': dataDirOption,
    },
    async run({ values }, io) {
      const { runVerifyArchive } = await import('./commands/verify-archive.ts');
      const { recordedHead, tenantBlobStore } = await import('#archive/settlement-archive.ts');
      const verify = (tenant: string) => () =>
        runVerifyArchive(['--tenant', tenant, ...(values.json ? ['--json'] : [])], io, {
          store: tenantBlobStore(),
          readHead: recordedHead,
        });
      if (targetKind(values) === 'stack')
        return withTarget(values, (target) => target.run(verify(target.tenantId)));
      const { tenant, dataDir } = await existingTenant(values);
      return withTenant(tenant, dataDir, verify(tenant));
    },
  },
  {
    name: 'report portfolio',
    summary:
      'post-settlement reviews (ROI, NPS, utilisation, CPI/SPI) across projects from the settled facts: HTML + CSV',
    options: {
      tenant: localTenantOption,
      stack: stackOption,
      from: { type: 'string', value: 'DATE', help: 'first day (YYYY-MM-DD)', required: true },
      to: { type: 'string', value: 'DATE', help: 'last day (YYYY-MM-DD), not before --from', required: true },
      locale: {
        type: 'string',
        value: 'en|zh-CN',
        help: 'language of the report (default: the tenant’s locale in infra/tenants.json, else en)',
      },
      out: { type: 'string', value: 'DIR', help: 'output folder (default .local/reports)' },
      'data-dir': dataDirOption,
    },
    notes: 'One HTML and one CSV per tenant, range and locale: portfolio-<tenant>-<from>-<to>.<locale>.html',
    async run({ values }, io) {
      const { parsePortfolioArgs, runReport } = await import('./commands/report.ts');
      const kind = targetKind(values);
      // The report's language: --locale, else the tenant's configured locale, else English.
      const localeOf = async (tenantId: string) => {
        const { loadTenants } = await import('../cdk/tenants.ts');
        return (
          loadTenants(join(ROOT, 'infra', 'tenants.json')).find((t) => t.id === tenantId)?.locale ?? 'en'
        );
      };
      // From the settled facts (analytics/queries/portfolio.sql on DuckDB), not the table.
      const { openFacts } = await import('#analytics/duckdb.ts');
      const { loadPortfolioReviews } = await import('#analytics/portfolio.ts');
      const report = async (
        options: ReturnType<typeof parsePortfolioArgs>,
        location: Parameters<typeof openFacts>[0],
      ) => {
        const db = await openFacts(location);
        try {
          return await runReport(options, io, {
            loadReviews: (_tenant, from, to) => loadPortfolioReviews(db, from, to),
          });
        } finally {
          db.close();
        }
      };
      if (kind === 'stack') {
        parsePortfolioArgs({ ...values, tenant: 'stack' }); // the dates, before any AWS call
        const { withDownloadedFacts } = await import('./commands/stack.ts');
        return withTarget(values, (target) =>
          withDownloadedFacts(target, (root) =>
            localeOf(target.tenantId).then((locale) =>
              report(parsePortfolioArgs({ ...values, tenant: target.tenantId }, locale), {
                root,
                suffix: '.parquet',
              }),
            ),
          ),
        );
      }
      const options = parsePortfolioArgs(values, await localeOf(String(values.tenant)));
      const { tenant, dataDir } = await existingTenant(values);
      return report(options, await localFacts(tenant, dataDir));
    },
  },
  {
    name: 'query',
    summary: 'SQL on DuckDB over the tenant’s Parquet facts (the same SQL Athena runs in the cloud)',
    positionals: { usage: 'NAME|FILE.sql', count: [0, 1] },
    options: {
      tenant: { type: 'string', value: 'T', help: 'the tenant id (required unless --list)' },
      format: { type: 'string', value: 'table|csv|json', help: 'output format (default table)' },
      list: { type: 'boolean', help: 'name the queries in analytics/queries/ and stop' },
      'data-dir': dataDirOption,
    },
    notes:
      'NAME is a query of analytics/queries/ (settle query --list); FILE.sql any SQL over the fact tables. docs/analytics.md describes the tables.',
    async run({ values, positionals, raw }, io) {
      const { runQuery } = await import('./commands/query.ts');
      const locate = (tenant: string, dataDir: string | undefined) =>
        localFacts(tenant, tenantDataDir(tenant, dataDir));
      if (values.list) return runQuery(['--list'], io, { locate });
      if (values.tenant === undefined || values.tenant === '') throw new UsageError('--tenant is required');
      if (positionals.length === 0)
        throw new UsageError('give NAME|FILE.sql (settle query --list names them)');
      await existingTenant(values);
      return runQuery(raw, io, { locate });
    },
  },
  {
    name: 'compute',
    summary: 'print the statement JSON (streams the records; same inputs, same bytes; exit 3 when blocking)',
    options: {
      charter: { type: 'string', value: 'FILE', help: 'the project charter (JSON)', required: true },
      records: {
        type: 'string',
        value: 'FILE.ndjson',
        help: 'normalised records, one JSON per line',
        required: true,
      },
      period: { type: 'string', value: 'YYYY-MM', help: 'a month (default: final)' },
      milestone: { type: 'string', value: 'ID', help: 'a milestone instead of a month' },
      'as-of': { type: 'string', value: 'DATE', help: 'status date (default: the period’s last day)' },
      revision: { type: 'string', value: 'N', help: 'revision number (default 0)' },
      threads: {
        type: 'string',
        value: 'N',
        help: 'threads reading the records file (default 1; more only help on a large file and free cores)',
      },
    },
    async run({ raw }, io) {
      const { runCompute } = await import('./commands/compute.ts');
      return runCompute(raw, io);
    },
  },
  {
    name: 'normalize',
    summary: 'normalise a vendor export/API payload to NDJSON records (summary on stderr)',
    positionals: { usage: 'FILE', count: [1, 1] },
    options: {
      source: {
        type: 'string',
        value: 'NAME',
        help: 'the connector (toggl, clockify, tempo, jira, quickbooks, sap, …)',
        required: true,
      },
      tz: { type: 'string', value: 'IANA', help: 'time zone of a CSV export without offsets' },
      project: { type: 'string', value: 'REF', help: 'the project key to keep' },
      profile: { type: 'string', value: 'P', help: 'CSV/XLSX profile (overhead, acceptance, …)' },
      option: {
        type: 'string',
        value: 'KEY=VALUE',
        help: 'a connector option, repeatable (JSON values allowed); docs/connectors.md lists them per source',
      },
    },
    async run({ raw }, io) {
      const { runNormalize } = await import('./commands/normalize.ts');
      return runNormalize(raw, io);
    },
  },
  {
    name: 'charter validate',
    summary: 'print every problem of a charter with its path',
    positionals: { usage: 'FILE', count: [1, 1] },
    options: {},
    async run({ positionals }, io) {
      const { runCharterValidate } = await import('./commands/charter.ts');
      return runCharterValidate(positionals, io);
    },
  },
  {
    name: 'charter approve',
    summary:
      'approve a pending charter version (a change to approvers, thresholds, rates or budget), as someone other than its author',
    options: {
      tenant: { type: 'string', value: 'T', help: 'the tenant id', required: true },
      project: { type: 'string', value: 'ID', help: 'the project', required: true },
      version: { type: 'string', value: 'N', help: 'the pending version', required: true },
      by: { type: 'string', value: 'WHO', help: 'the approver (not the version’s author)', required: true },
      'data-dir': dataDirOption,
    },
    async run({ values }, io) {
      const { tenant, dataDir } = await existingTenant(values);
      const version = Number(values.version);
      if (!Number.isInteger(version) || version < 1)
        throw new UsageError(`--version '${String(values.version)}': a version number (1, 2, …)`);
      const store = await import('#adapters/settlement-store.ts');
      return withTenant(tenant, dataDir, async () => {
        const entry = await store.approveCharter(
          String(values.project),
          version,
          String(values.by),
          new Date().toISOString(),
        );
        io.stdout.write(
          `Charter ${String(values.project)} v${entry.version} approved by ${entry.approvedBy} (written by ${entry.author ?? 'unknown'}); in effect from the next settlement\n`,
        );
        return 0;
      });
    },
  },
  {
    name: 'charter changes',
    summary: 'every version of a project’s charter: author, status, changed controlled fields, approver',
    options: {
      tenant: { type: 'string', value: 'T', help: 'the tenant id', required: true },
      project: { type: 'string', value: 'ID', help: 'the project', required: true },
      'data-dir': dataDirOption,
    },
    async run({ values }, io) {
      const { tenant, dataDir } = await existingTenant(values);
      const store = await import('#adapters/settlement-store.ts');
      return withTenant(tenant, dataDir, async () => {
        const versions = await store.listCharterVersions(String(values.project));
        for (const v of versions) {
          const changed = v.changes.map((c) => c.field).join(', ');
          io.stdout.write(
            `v${v.version}  ${v.status.padEnd(9)}  by ${v.author ?? '(unknown)'}${v.createdAt ? ` ${v.createdAt}` : ''}${changed ? `  changes ${changed}` : ''}${v.approvedBy ? `  approved by ${v.approvedBy} ${v.approvedAt ?? ''}` : ''}\n`,
          );
        }
        return 0;
      });
    },
  },
  {
    name: 'clauses suggest',
    summary: 'suggest, per contract clause, the evidence that most likely fulfils it (score, matched words)',
    options: {
      charter: { type: 'string', value: 'FILE', help: 'the project charter (JSON)', required: true },
      files: { type: 'string', value: 'DIR', help: 'folder with the files the charter’s sources name' },
      records: { type: 'string', value: 'FILE.ndjson', help: 'normalised records instead of --files' },
      contract: {
        type: 'string',
        value: 'FILE',
        help: 'a contract text to split instead of the charter’s clauses',
      },
      synonyms: {
        type: 'string',
        value: 'FILE',
        help: 'synonym groups (default: clause-synonyms.json next to the charter)',
      },
      'as-of': { type: 'string', value: 'DATE', help: 'date evidence is judged at (default today)' },
      threshold: {
        type: 'string',
        value: 'N',
        help: 'no-match threshold 0–1 (default: the charter’s, else 0.09)',
      },
      json: { type: 'boolean', help: 'the suggestions as JSON' },
    },
    notes:
      'Suggestions do not count until confirmed (settle clauses confirm); docs/clauses.md explains matching.',
    async run({ raw }, io) {
      const { runClauses } = await import('./commands/clauses.ts');
      return runClauses(['suggest', ...raw], io);
    },
  },
  {
    name: 'clauses confirm',
    summary: 'record a person’s clause → evidence mapping in the charter (only confirmed mappings count)',
    options: {
      charter: {
        type: 'string',
        value: 'FILE',
        help: 'the project charter (JSON), rewritten',
        required: true,
      },
      clause: { type: 'string', value: 'ID', help: 'the clause id (e.g. 3.1)', required: true },
      evidence: {
        type: 'string',
        value: 'REF[,REF…]',
        help: 'evidence references (task:KEY, evidence:REF, milestone:ID, deliverable:MILESTONE:N)',
        required: true,
      },
      by: { type: 'string', value: 'NAME', help: 'who confirms', required: true },
      on: { type: 'string', value: 'DATE', help: 'date of the confirmation (default today)' },
      note: { type: 'string', value: 'TEXT', help: 'a note kept with the mapping' },
    },
    async run({ raw }, io) {
      const { runClauses } = await import('./commands/clauses.ts');
      return runClauses(['confirm', ...raw], io);
    },
  },
  {
    name: 'clauses split',
    summary: 'split a contract text by its numbering (第一条, 1.2, Article 4…) into the charter’s clauses',
    options: {
      charter: { type: 'string', value: 'FILE', help: 'the project charter (JSON)', required: true },
      contract: {
        type: 'string',
        value: 'FILE',
        help: 'the contract text (default: the charter’s clauses.file)',
      },
      write: { type: 'boolean', help: 'write the clauses into the charter (default: print only)' },
    },
    async run({ raw }, io) {
      const { runClauses } = await import('./commands/clauses.ts');
      return runClauses(['split', ...raw], io);
    },
  },
  {
    name: 'charter schema',
    summary: 'print the charter’s JSON Schema (for editors and validators)',
    options: {},
    async run(_args, io) {
      const { runCharterSchema } = await import('./commands/charter.ts');
      return runCharterSchema(io);
    },
  },
  {
    name: 'charter reference',
    summary: 'print the charter reference (Markdown) generated from the schema (docs/charter-reference.md)',
    options: {},
    async run(_args, io) {
      const { runCharterReference } = await import('./commands/charter.ts');
      return runCharterReference(io);
    },
  },
];

/** `settle run --tenant T --charter FILE … [--as-of DATE]` */
function usageLine(command: CommandSpec): string {
  const parts = [`settle ${command.name}`];
  if (command.positionals) parts.push(command.positionals.usage);
  const either = command.options.tenant === localTenantOption && command.options.stack === stackOption;
  for (const [name, spec] of Object.entries(command.options)) {
    if (either && name === 'stack') continue;
    const flag = spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? 'VALUE'}`;
    // One of --tenant (local state) and --stack (a deployed tenant) is required.
    if (either && name === 'tenant') parts.push(`${flag}|--stack ${stackOption.value}`);
    else parts.push(spec.required ? flag : `[${flag}]`);
  }
  return parts.join(' ');
}

function commandHelp(command: CommandSpec): string {
  const lines = [`usage: ${usageLine(command)}`, '', command.summary, ''];
  const entries = Object.entries(command.options);
  if (entries.length) {
    lines.push('Options');
    for (const [name, spec] of entries) {
      const flag = spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? 'VALUE'}`;
      lines.push(`  ${flag.padEnd(22)} ${spec.help}${spec.required ? ' (required)' : ''}`);
    }
  }
  lines.push(`  ${'-h, --help'.padEnd(22)} this help`);
  if (command.notes) lines.push('', command.notes);
  lines.push('', EXIT_CODES);
  return `${lines.join('\n')}\n`;
}

const EXIT_CODES =
  'Exit codes: 0 ok (settled), 1 failure, 2 usage error (nothing ran), 3 needs attention (blocking check, rejected, unfinished)';

const HELP = `settle — project settlement as a serverless pipeline

Usage: settle <command> [options]     settle <command> --help for its options

Commands
${COMMANDS.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join('\n')}

${EXIT_CODES}
`;

function findCommand(argv: string[]): { command: CommandSpec; rest: string[] } | undefined {
  const [first, second, ...others] = argv;
  const two = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, rest: others };
  const one = COMMANDS.find((c) => c.name === first);
  return one ? { command: one, rest: argv.slice(1) } : undefined;
}

function parseCommand(command: CommandSpec, args: string[]): Parsed {
  const options: ParseArgsOptionsConfig = {};
  for (const [name, spec] of Object.entries(command.options)) options[name] = { type: spec.type };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options,
      allowPositionals: command.positionals !== undefined,
      strict: true,
    }) as typeof parsed;
  } catch (error) {
    // parseArgs throws a TypeError whose message names the flag; the name stays out of sight.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required && (parsed.values[name] === undefined || parsed.values[name] === '')) {
      throw new UsageError(`--${name} is required`);
    }
  }
  const [min, max] = command.positionals?.count ?? [0, 0];
  if (parsed.positionals.length < min) throw new UsageError(`give ${command.positionals?.usage}`);
  if (parsed.positionals.length > max) {
    throw new UsageError(`unexpected argument '${parsed.positionals[max]}'`);
  }
  return { ...parsed, raw: args };
}

/** What to do after an error that is not the user's typo. */
function remedyFor(error: Error, command: CommandSpec): string {
  if (error.name === 'PortInUseError') {
    const port = (error as Error & { port?: number }).port;
    return `stop the other run on port ${port}, or pass another port: --port ${(port ?? 8787) + 1}${command.name === 'demo' ? ` (npm start -- --port ${(port ?? 8787) + 1})` : ''}`;
  }
  if (['RunRefusedError', 'CharterPendingError', 'StackTargetError'].includes(error.name))
    return (error as Error & { remedy: string }).remedy;
  return 'run again with --verbose for the handler logs; the logs of a run are in .local/<tenant>/logs/';
}

/** Runs the command line; resolves to the exit code. Nothing it throws reaches the user raw. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    (first === undefined ? io.stderr : io.stdout).write(HELP);
    return first === undefined ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (group.length && (argv.includes('--help') || argv.includes('-h'))) {
      io.stdout.write(`${group.map((c) => `usage: ${usageLine(c)}\n  ${c.summary}`).join('\n')}\n`);
      return 0;
    }
    io.stderr.write(
      group.length
        ? `settle ${first}: give a subcommand: ${group.map((c) => c.name.split(' ')[1]).join(', ')}\n${group.map((c) => `usage: ${usageLine(c)}`).join('\n')}\n`
        : `settle: unknown command '${argv.join(' ')}'\n\n${HELP}`,
    );
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(parseCommand(command, rest), io);
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    if (err instanceof UsageError) {
      io.stderr.write(`settle ${command.name}: ${err.message}\nusage: ${usageLine(command)}\n`);
      return 2;
    }
    // Refused before anything ran (a revision of an unsettled period, a stack that cannot be used).
    const refused = err.name === 'RunRefusedError' || err.name === 'StackTargetError';
    // An approval link's message already says what to do.
    const remedy = err.name === 'ApprovalLinkError' ? '' : ` — what to do: ${remedyFor(err, command)}`;
    io.stderr.write(`settle ${command.name}: ${err.message}${remedy}\n`);
    if (err.name === 'CharterPendingError' || err.name === 'SegregationOfDutiesError') return 3;
    return refused ? 2 : 1;
  }
}

/** Runs the command line of this process (`process.argv`) and exits with its code. */
export function runCommandLine(): void {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    // Exit once stdout has flushed: exiting at once cut piped output (`settle compute | …`) at 128 KB.
    (code) => process.stdout.write('', () => process.exit(code)),
    (error: unknown) => {
      process.stderr.write(`settle: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}

if (import.meta.main) runCommandLine();
