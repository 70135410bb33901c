import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `settle` — the command line. Commands that need the tenant's store run against the local
 * runtime's persistent data directory (`.local/<tenant>`, the demo's is `.local/demo`).
 */

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const HELP = `settle — project settlement as a serverless pipeline

Usage: settle <command> [options]

Commands
  run        --tenant T --charter FILE --files DIR --period P [--as-of DATE] [--revision N --reason TEXT] [--yes]
             settle one project locally (the ASL file, the same handlers, emulators); prints progress
  demo       [--yes] [--keep]           the demo tenant's settlement (what npm start runs)
  import     --tenant T --charter FILE --files DIR
             validate a charter, store it as the next version, upload its source files to the inbox
  status     --tenant T [--project ID]   settlements and their status
  approve    URL [--reject --comment TEXT]
             decide an approval link as its approver would (GET the page, POST the decision)
  verify-archive --tenant T             recompute every hash and the manifest chain; exit 1 when broken
  report portfolio --tenant T --from DATE --to DATE [--locale en|zh-CN] [--out DIR]
             post-settlement reviews (ROI, NPS, utilisation, CPI/SPI, comments) across projects: HTML + CSV
  compute    --charter FILE --records FILE.ndjson [--period YYYY-MM | --milestone ID] [--as-of DATE]
             print the statement JSON (streams the records; same inputs, same bytes)
  normalize  --source NAME FILE [--tz IANA] [--project REF] [--profile P]
             normalise a vendor export/API payload to NDJSON records (summary on stderr)
  charter validate FILE                 print every problem of a charter with its path

Options
  --data-dir DIR   where the local tenant state lives (default .local/<tenant>)
  -h, --help       this help
`;

async function withTenant<T>(tenant: string, dataDir: string | undefined, fn: () => Promise<T>): Promise<T> {
  const { startLocalRuntime } = await import('#local/runtime.ts');
  const runtime = await startLocalRuntime({
    tenantId: tenant,
    dataDir: dataDir ?? join(ROOT, '.local', tenant === 'acme' ? 'demo' : tenant),
    persistent: true,
  });
  try {
    return await fn();
  } finally {
    await runtime.stop();
  }
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => io.stdout.write(`${line}\n`);
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      out(HELP);
      return command === undefined ? 2 : 0;
    case 'compute': {
      const { runCompute } = await import('./commands/compute.ts');
      return runCompute(rest, io);
    }
    case 'normalize': {
      const { runNormalize } = await import('./commands/normalize.ts');
      return runNormalize(rest, io);
    }
    case 'charter': {
      if (rest[0] !== 'validate') break;
      const { runCharterValidate } = await import('./commands/charter.ts');
      return runCharterValidate(rest.slice(1), io);
    }
    case 'demo': {
      const { runDemo } = await import('#local/demo.ts');
      const { values } = parseArgs({
        args: rest,
        options: { yes: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } },
      });
      return runDemo({
        yes: values.yes,
        keep: values.keep,
        port: 8787,
        dataDir: join(ROOT, '.local', 'demo'),
        out: io.stdout,
      });
    }
    case 'report': {
      const { values } = parseArgs({
        args: rest,
        allowPositionals: true,
        strict: false,
        options: { tenant: { type: 'string' }, 'data-dir': { type: 'string' } },
      });
      const tenant = typeof values.tenant === 'string' ? values.tenant : undefined;
      const { runReport, REPORT_USAGE } = await import('./commands/report.ts');
      if (!tenant) {
        io.stderr.write(REPORT_USAGE);
        return 2;
      }
      const { loadReviews } = await import('#lib/reviews.ts');
      const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined;
      const args = rest.filter((a, i) => a !== '--data-dir' && rest[i - 1] !== '--data-dir');
      return withTenant(tenant, dataDir, () => runReport(args, io, { loadReviews }));
    }
    case 'approve': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { reject: { type: 'boolean', default: false }, comment: { type: 'string', default: '' } },
      });
      const link = positionals[0];
      if (!link) {
        io.stderr.write('settle approve: give the approval link (URL)\n');
        return 2;
      }
      const { approveByLink } = await import('#local/demo.ts');
      await approveByLink(link, values.reject ? 'reject' : 'approve', values.comment);
      out(values.reject ? 'Rejected.' : 'Approved.');
      return 0;
    }
    case 'import':
    case 'status':
    case 'verify-archive':
    case 'run': {
      const { values } = parseArgs({
        args: rest,
        options: {
          tenant: { type: 'string' },
          charter: { type: 'string' },
          files: { type: 'string' },
          project: { type: 'string' },
          period: { type: 'string' },
          'as-of': { type: 'string' },
          revision: { type: 'string', default: '0' },
          reason: { type: 'string' },
          yes: { type: 'boolean', default: false },
          'data-dir': { type: 'string' },
        },
      });
      const tenant = values.tenant;
      if (!tenant) {
        io.stderr.write(`settle ${command}: --tenant is required\n`);
        return 2;
      }
      if (command === 'import') {
        if (!values.charter || !values.files) {
          io.stderr.write('settle import: --charter FILE and --files DIR are required\n');
          return 2;
        }
        const { importProject } = await import('#local/tenant-files.ts');
        const charter = resolve(values.charter);
        const files = resolve(values.files);
        return withTenant(tenant, values['data-dir'], async () => {
          const result = await importProject(charter, files);
          out(
            `Charter ${result.charter.projectId} v${result.version}; uploaded ${result.uploaded.join(', ') || 'nothing'}`,
          );
          for (const m of result.missing) io.stderr.write(`missing source file: ${m}\n`);
          return result.missing.length ? 1 : 0;
        });
      }
      if (command === 'status') {
        const store = await import('#adapters/settlement-store.ts');
        return withTenant(tenant, values['data-dir'], async () => {
          const projects = values.project ? [values.project] : await store.listProjects();
          for (const projectId of projects) {
            for await (const item of store.queryAll(`PROJECT#${projectId}`, 'SETTLEMENT#')) {
              out(
                `${projectId}\t${item.period}\tr${item.revision}\t${item.status}\t${item.statementNumber ?? ''}\t${(item.error as { name?: string } | undefined)?.name ?? ''}`,
              );
            }
          }
          return 0;
        });
      }
      if (command === 'verify-archive') {
        const { runVerifyArchive } = await import('./commands/verify-archive.ts');
        const { recordedHead, tenantBlobStore } = await import('#lib/archive.ts');
        return withTenant(tenant, values['data-dir'], () =>
          runVerifyArchive(['--tenant', tenant], io, { store: tenantBlobStore(), readHead: recordedHead }),
        );
      }
      // run
      if (!values.charter || !values.files || !values.period) {
        io.stderr.write('settle run: --charter FILE, --files DIR and --period P are required\n');
        return 2;
      }
      const { runProject } = await import('#local/demo.ts');
      return runProject({
        tenantId: tenant,
        charterPath: resolve(values.charter),
        filesDir: resolve(values.files),
        period: values.period,
        asOf: values['as-of'] ?? new Date().toISOString().slice(0, 10),
        revision: Number(values.revision),
        ...(values.reason ? { reason: values.reason } : {}),
        yes: values.yes,
        dataDir: values['data-dir'] ?? join(ROOT, '.local', tenant),
        out: io.stdout,
      });
    }
  }
  io.stderr.write(`settle: unknown command '${argv.join(' ')}'\n\n${HELP}`);
  return 2;
}

if (import.meta.main) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    // Exit once stdout has flushed: exiting at once cut piped output (`settle compute | …`) at 128 KB.
    (code) => process.stdout.write('', () => process.exit(code)),
    (error: Error) => {
      process.stderr.write(`settle: ${error.name}: ${error.message}\n`);
      process.exit(1);
    },
  );
}
