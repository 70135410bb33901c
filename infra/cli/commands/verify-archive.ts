import { parseArgs } from 'node:util';
import type { ArchiveVerification, VerifyOptions } from '#archive/archive.ts';
import { verifyArchive } from '#archive/archive.ts';
import type { BlobStore } from '#archive/blob-store.ts';
import type { ChainHead } from '#archive/manifest.ts';

/**
 * `settle verify-archive --tenant T [--json]`: re-reads the tenant's archive, recomputes every
 * hash and the manifest chain, prints one line per settlement and names the first broken link.
 *
 * Exit codes: 0 intact; 1 broken (tampering or loss); 2 usage error; 3 incomplete only (an archive
 * without manifest, or manifests after the recorded head: re-run the archive step).
 */

export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export interface VerifyArchiveDeps {
  /** The tenant's archive store (the lead picks the tenant's bucket). */
  readonly store: BlobStore;
  /** Reads the recorded chain head (DynamoDB `ARCHIVE#HEAD`); without it the last manifest is unanchored. */
  readonly readHead?: (tenantId: string) => Promise<ChainHead | null>;
}

export const VERIFY_ARCHIVE_USAGE = 'usage: settle verify-archive --tenant <tenantId> [--json]\n';

export async function runVerifyArchive(
  argv: string[],
  io: CommandIo,
  deps: VerifyArchiveDeps,
): Promise<number> {
  let tenant: string | undefined;
  let json = false;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(VERIFY_ARCHIVE_USAGE);
      return 0;
    }
    tenant = values.tenant;
    json = values.json ?? false;
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${VERIFY_ARCHIVE_USAGE}`);
    return 2;
  }
  if (!tenant) {
    io.stderr.write(`--tenant is required\n${VERIFY_ARCHIVE_USAGE}`);
    return 2;
  }
  const options: VerifyOptions = deps.readHead ? { head: await deps.readHead(tenant) } : {};
  const result = await verifyArchive(deps.store, tenant, options);
  io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : formatVerification(result));
  return result.status === 'ok' ? 0 : result.status === 'broken' ? 1 : 3;
}

/** The human-readable report: one line per settlement, its issues indented, then the verdict. */
export function formatVerification(result: ArchiveVerification): string {
  const lines = [`archive of tenant ${result.tenantId}: ${result.settlements.length} settlement(s)`];
  for (const settlement of result.settlements) {
    const sequence =
      settlement.sequence === undefined ? '   -' : `#${String(settlement.sequence).padStart(3, ' ')}`;
    lines.push(
      `${settlement.status.padEnd(10)} ${sequence}  ${settlement.settlementId}  (${settlement.files} files)`,
    );
    for (const issue of settlement.issues) lines.push(`             ${issue.kind}: ${issue.message}`);
  }
  if (result.firstBrokenLink) {
    const link = result.firstBrokenLink;
    lines.push(
      `BROKEN: first broken link at ${link.settlementId}${link.sequence === undefined ? '' : ` (sequence ${link.sequence})`}: ${link.kind} ${link.key}`,
    );
  } else if (result.status === 'incomplete') {
    lines.push('INCOMPLETE: no tampering found, but an archive is unfinished (re-run its archive step)');
  } else {
    lines.push(
      `OK: chain intact${result.head ? ` up to sequence ${result.head.sequence} (${result.head.hash})` : ' (empty)'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
