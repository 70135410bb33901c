import type { BlobStore } from './blob-store.ts';
import { ArchiveConflictError, ArchiveInputError } from './errors.ts';
import {
  ARCHIVE_PREFIX,
  type ChainHead,
  computeManifestHash,
  FINAL_PREFIX,
  finalPrefix,
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  Manifest,
  type ManifestFile,
  manifestKey,
  sealManifest,
  serialiseManifest,
  settlementPrefix,
  sha256Hex,
} from './manifest.ts';

/**
 * The tamper-evident archive: every settlement's files under `archive/<settlementId>/`, then its
 * manifest, chained to the tenant's previous manifest; and the verification that re-reads it all.
 *
 * Writers must be serialised per tenant (one archive step at a time, the chain head claimed with a
 * conditional write): two concurrent writers with the same previous head would fork the chain, which
 * verification reports as a broken chain.
 */

export interface ArchiveFileInput {
  /** Path under the settlement's prefix, e.g. `statement/statement.pdf`. */
  readonly path: string;
  readonly body: Uint8Array;
  readonly contentType: string;
}

/** A file already in the archive store under `final/<settlementId>/` (Finalise wrote it there, locked). */
export interface StoredFileInput {
  /** Its key in the store. */
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string;
}

export interface ArchiveInput {
  readonly tenantId: string;
  readonly settlementId: string;
  readonly files: readonly ArchiveFileInput[];
  /** Files listed where they are (hashed into the manifest, not written again). */
  readonly stored?: readonly StoredFileInput[];
  /** When the archive was sealed (ISO timestamp); the current time when omitted. */
  readonly archivedAt?: string;
}

export interface ArchiveResult {
  readonly manifest: Manifest;
  readonly manifestKey: string;
  /** The new chain head, to be stored (conditionally on `previousHead`) by the caller. */
  readonly head: ChainHead & { settlementId: string };
  /** True when the same archive already existed (a retried step): nothing was written. */
  readonly alreadyArchived: boolean;
}

const SETTLEMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PATH_SEGMENT = /^[A-Za-z0-9._@+=-][A-Za-z0-9._@+=\- ]*$/;
const WRITE_CONCURRENCY = 4;

function validate(input: ArchiveInput): void {
  if (!SETTLEMENT_ID.test(input.settlementId))
    throw new ArchiveInputError(
      `settlement id ${JSON.stringify(input.settlementId)} is not a safe key segment`,
      {
        settlementId: input.settlementId,
      },
    );
  const seen = new Set<string>();
  for (const file of input.files) {
    const segments = file.path.split('/');
    if (segments.some((segment) => !PATH_SEGMENT.test(segment) || segment === '.' || segment === '..'))
      throw new ArchiveInputError(`archive path ${JSON.stringify(file.path)} is not a safe relative path`, {
        settlementId: input.settlementId,
      });
    if (file.path === MANIFEST_NAME)
      throw new ArchiveInputError(`${MANIFEST_NAME} is reserved for the manifest`, {
        settlementId: input.settlementId,
      });
    if (seen.has(file.path))
      throw new ArchiveInputError(`archive path ${file.path} is listed twice`, {
        settlementId: input.settlementId,
      });
    seen.add(file.path);
  }
  const own = finalPrefix(input.settlementId);
  for (const file of input.stored ?? []) {
    const rest = file.key.startsWith(own) ? file.key.slice(own.length) : '';
    if (!rest || rest.split('/').some((segment) => !PATH_SEGMENT.test(segment) || segment === '..'))
      throw new ArchiveInputError(`stored file ${JSON.stringify(file.key)} is not under ${own}`, {
        settlementId: input.settlementId,
      });
    if (seen.has(file.key))
      throw new ArchiveInputError(`stored file ${file.key} is listed twice`, {
        settlementId: input.settlementId,
      });
    seen.add(file.key);
  }
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/**
 * Archives one settlement: writes every file under `archive/<settlementId>/`, then the manifest
 * (last, and only if absent), chained to `previousHead` (null for the tenant's first archive).
 * A crash before the manifest leaves a prefix without manifest: an incomplete archive, which a
 * re-run completes. Re-running a completed archive with the same files and head writes nothing and
 * returns the existing head; anything else for an archived settlement is an ArchiveConflictError.
 */
export async function writeArchive(
  store: BlobStore,
  input: ArchiveInput,
  previousHead: ChainHead | null,
): Promise<ArchiveResult> {
  validate(input);
  const prefix = settlementPrefix(input.settlementId);
  const key = manifestKey(input.settlementId);
  const listed = (key: string, file: { body: Uint8Array; contentType: string }): ManifestFile => ({
    key,
    sha256: sha256Hex(file.body),
    size: file.body.byteLength,
    contentType: file.contentType,
  });
  const files: ManifestFile[] = [
    ...input.files.map((file) => listed(`${prefix}${file.path}`, file)),
    ...(input.stored ?? []).map((file) => listed(file.key, file)),
  ];
  const sequence = (previousHead?.sequence ?? 0) + 1;
  const previousManifestHash = previousHead?.hash ?? null;

  const existing = await store.get(key);
  if (existing !== undefined) {
    const manifest = Manifest.safeParse(parseJson(existing));
    const same =
      manifest.success &&
      manifest.data.previousManifestHash === previousManifestHash &&
      manifest.data.sequence === sequence &&
      JSON.stringify(manifest.data.files.map((f) => [f.key, f.sha256])) ===
        JSON.stringify([...files].sort((a, b) => (a.key < b.key ? -1 : 1)).map((f) => [f.key, f.sha256]));
    if (!manifest.success || !same)
      throw new ArchiveConflictError(
        `settlement ${input.settlementId} is already archived with different content or chain position`,
        { settlementId: input.settlementId, key },
      );
    return {
      manifest: manifest.data,
      manifestKey: key,
      head: { sequence, hash: manifest.data.hash, settlementId: input.settlementId },
      alreadyArchived: true,
    };
  }

  await inBatches(input.files, WRITE_CONCURRENCY, (file) =>
    store.put(`${prefix}${file.path}`, file.body, { contentType: file.contentType }),
  );
  const manifest = sealManifest({
    tenantId: input.tenantId,
    settlementId: input.settlementId,
    sequence,
    archivedAt: input.archivedAt ?? new Date().toISOString(),
    previousManifestHash,
    files,
  });
  await store.put(key, serialiseManifest(manifest), { contentType: 'application/json', ifAbsent: true });
  return {
    manifest,
    manifestKey: key,
    head: { sequence, hash: manifest.hash, settlementId: input.settlementId },
    alreadyArchived: false,
  };
}

/** What verification found wrong, most specific first. */
export type ArchiveIssueKind =
  /** An archived file's bytes (or size) differ from the manifest. */
  | 'changed-file'
  /** A file listed in the manifest is gone. */
  | 'missing-file'
  /** A file under the settlement's prefix that the manifest does not list. */
  | 'unlisted-file'
  /** The manifest cannot be read or does not parse as a manifest. */
  | 'unreadable-manifest'
  /** The manifest was edited: its content no longer matches its own hash. */
  | 'altered-manifest'
  /** The manifest is self-consistent but is not the one its successor (or the chain head) recorded. */
  | 'replaced-manifest'
  /** The manifest sits under another settlement's prefix or names another tenant. */
  | 'misplaced-manifest'
  /** Sequence gap, duplicate sequence, or a first manifest that points to a predecessor. */
  | 'broken-chain'
  /** A settlement prefix without a manifest (a crash mid-archive, or a deleted manifest). */
  | 'incomplete-archive'
  /** Manifests after the recorded chain head (a crash before the head update, or an appended forgery). */
  | 'beyond-head';

export interface ArchiveIssue {
  readonly kind: ArchiveIssueKind;
  /** broken: evidence of tampering or loss; incomplete: an archive not (yet) finished. */
  readonly severity: 'broken' | 'incomplete';
  readonly settlementId: string;
  readonly sequence: number | undefined;
  /** The object concerned. */
  readonly key: string;
  readonly expected?: string;
  readonly actual?: string;
  readonly message: string;
}

export interface SettlementVerification {
  readonly settlementId: string;
  readonly sequence: number | undefined;
  readonly manifestKey: string;
  readonly files: number;
  readonly status: 'ok' | 'broken' | 'incomplete';
  readonly issues: readonly ArchiveIssue[];
}

export interface ArchiveVerification {
  readonly tenantId: string;
  readonly status: 'ok' | 'broken' | 'incomplete';
  /** Settlements in chain order; prefixes without a valid manifest last. */
  readonly settlements: readonly SettlementVerification[];
  /** Every issue, in chain order. */
  readonly issues: readonly ArchiveIssue[];
  /** The earliest broken link in chain order (undefined when nothing is broken). */
  readonly firstBrokenLink: ArchiveIssue | undefined;
  /** The last manifest of the chain as found. */
  readonly head: ChainHead | undefined;
}

interface Candidate {
  readonly settlementId: string;
  readonly key: string;
  readonly manifest: Manifest | undefined;
  /** The hash of the manifest as it is now (recomputed). */
  readonly actualHash: string | undefined;
  readonly issues: ArchiveIssue[];
  fileCount: number;
}

/** JSON from stored bytes; undefined when missing or not JSON (the schema check reports it). */
function parseJson(bytes: Uint8Array | undefined): unknown {
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The settlement prefixes under `archive/` and their keys (one listing). A prefix is the first path
 * segment after `archive/`.
 */
async function listSettlements(
  store: BlobStore,
  prefix: string = ARCHIVE_PREFIX,
): Promise<Map<string, Map<string, number>>> {
  const settlements = new Map<string, Map<string, number>>();
  for (const blob of await store.list(prefix)) {
    const [settlementId] = blob.key.slice(prefix.length).split('/', 1);
    if (!settlementId) continue;
    const keys = settlements.get(settlementId) ?? new Map<string, number>();
    keys.set(blob.key, blob.size);
    settlements.set(settlementId, keys);
  }
  return settlements;
}

function issue(
  kind: ArchiveIssueKind,
  settlementId: string,
  sequence: number | undefined,
  key: string,
  message: string,
  detail: { expected?: string; actual?: string } = {},
): ArchiveIssue {
  const severity = kind === 'incomplete-archive' || kind === 'beyond-head' ? 'incomplete' : 'broken';
  return { kind, severity, settlementId, sequence, key, message, ...detail };
}

async function readCandidate(
  store: BlobStore,
  tenantId: string,
  settlementId: string,
  archived: Map<string, number>,
  /** The settlement's keys under `final/<settlementId>/`. */
  final: Map<string, number>,
): Promise<Candidate> {
  let keys = archived;
  const key = manifestKey(settlementId);
  const candidate: Candidate = {
    settlementId,
    key,
    manifest: undefined,
    actualHash: undefined,
    issues: [],
    fileCount: 0,
  };
  if (!keys.has(key)) {
    candidate.issues.push(
      issue(
        'incomplete-archive',
        settlementId,
        undefined,
        settlementPrefix(settlementId),
        `${settlementPrefix(settlementId)} holds ${keys.size} file(s) but no manifest: the archive was never completed (or its manifest was deleted)`,
      ),
    );
    candidate.fileCount = keys.size;
    return candidate;
  }
  const result = Manifest.safeParse(parseJson(await store.get(key)));
  const parsed = result.success ? result.data : undefined;
  if (parsed === undefined) {
    candidate.issues.push(
      issue('unreadable-manifest', settlementId, undefined, key, `${key} is not a readable archive manifest`),
    );
    return candidate;
  }
  const manifest = parsed;
  // A format-2 manifest lists the final files in place: they are part of what it vouches for.
  const inPlace = manifest.format === MANIFEST_FORMAT;
  if (inPlace) keys = new Map([...archived, ...final]);
  const actualHash = computeManifestHash(manifest);
  const seq = manifest.sequence;
  if (actualHash !== manifest.hash)
    candidate.issues.push(
      issue(
        'altered-manifest',
        settlementId,
        seq,
        key,
        `${key} was edited: its content hashes to ${actualHash}, not to the ${manifest.hash} it declares`,
        { expected: manifest.hash, actual: actualHash },
      ),
    );
  if (manifest.settlementId !== settlementId || manifest.tenantId !== tenantId)
    candidate.issues.push(
      issue(
        'misplaced-manifest',
        settlementId,
        seq,
        key,
        `${key} describes settlement ${manifest.settlementId} of tenant ${manifest.tenantId}`,
        { expected: `${tenantId}/${settlementId}`, actual: `${manifest.tenantId}/${manifest.settlementId}` },
      ),
    );
  const listed = new Set<string>();
  for (const file of manifest.files) {
    listed.add(file.key);
    if (
      !file.key.startsWith(settlementPrefix(settlementId)) &&
      !(inPlace && file.key.startsWith(finalPrefix(settlementId)))
    ) {
      candidate.issues.push(
        issue(
          'misplaced-manifest',
          settlementId,
          seq,
          file.key,
          `${key} lists ${file.key}, outside its prefix`,
        ),
      );
      continue;
    }
    const body = keys.has(file.key) ? await store.get(file.key) : undefined;
    if (body === undefined) {
      candidate.issues.push(
        issue(
          'missing-file',
          settlementId,
          seq,
          file.key,
          `${file.key} is listed in the manifest but missing`,
          {
            expected: file.sha256,
          },
        ),
      );
      continue;
    }
    const sha256 = sha256Hex(body);
    if (sha256 !== file.sha256 || body.byteLength !== file.size)
      candidate.issues.push(
        issue(
          'changed-file',
          settlementId,
          seq,
          file.key,
          `${file.key} changed: SHA-256 ${sha256} (${body.byteLength} bytes), manifest says ${file.sha256} (${file.size} bytes)`,
          { expected: file.sha256, actual: sha256 },
        ),
      );
  }
  for (const other of [...keys.keys()].sort(compareKeys))
    if (other !== key && !listed.has(other))
      candidate.issues.push(
        issue(
          'unlisted-file',
          settlementId,
          seq,
          other,
          `${other} is not listed in the settlement's manifest`,
        ),
      );
  candidate.fileCount = manifest.files.length;
  return { ...candidate, manifest, actualHash };
}

export interface VerifyOptions {
  /** The recorded chain head (from the lead's `ARCHIVE#HEAD` item): catches a replaced or deleted last manifest. */
  readonly head?: ChainHead | null;
}

/**
 * Re-reads every manifest under `archive/`, recomputes every file hash, each manifest's own hash and
 * the chain (ordered by `sequence`), and compares the end of the chain with `head` when given.
 * Returns every issue and names the first broken link in chain order.
 */
export async function verifyArchive(
  store: BlobStore,
  tenantId: string,
  options: VerifyOptions = {},
): Promise<ArchiveVerification> {
  const settlements = await listSettlements(store);
  const finals = await listSettlements(store, FINAL_PREFIX);
  const candidates: Candidate[] = [];
  for (const [settlementId, keys] of [...settlements.entries()].sort(([a], [b]) => compareKeys(a, b)))
    candidates.push(
      await readCandidate(store, tenantId, settlementId, keys, finals.get(settlementId) ?? new Map()),
    );

  const chain = candidates
    .filter((c): c is Candidate & { manifest: Manifest; actualHash: string } => c.manifest !== undefined)
    .sort((a, b) => a.manifest.sequence - b.manifest.sequence || compareKeys(a.settlementId, b.settlementId));
  const orphans = candidates.filter((c) => c.manifest === undefined);

  chain.forEach((current, index) => {
    const { manifest } = current;
    const previous = chain[index - 1];
    if (previous === undefined) {
      if (manifest.sequence !== 1 || manifest.previousManifestHash !== null)
        current.issues.unshift(
          issue(
            'broken-chain',
            current.settlementId,
            manifest.sequence,
            current.key,
            `the chain starts at sequence ${manifest.sequence} (${current.settlementId}); manifests 1–${manifest.sequence - 1} are missing`,
            { expected: '1', actual: String(manifest.sequence) },
          ),
        );
      return;
    }
    if (manifest.sequence === previous.manifest.sequence) {
      current.issues.unshift(
        issue(
          'broken-chain',
          current.settlementId,
          manifest.sequence,
          current.key,
          `${current.settlementId} and ${previous.settlementId} both claim sequence ${manifest.sequence}: the chain forks`,
        ),
      );
      return;
    }
    if (manifest.sequence !== previous.manifest.sequence + 1) {
      current.issues.unshift(
        issue(
          'broken-chain',
          current.settlementId,
          manifest.sequence,
          current.key,
          `sequence ${previous.manifest.sequence + 1}${manifest.sequence - 1 > previous.manifest.sequence + 1 ? `–${manifest.sequence - 1}` : ''} is missing between ${previous.settlementId} and ${current.settlementId}`,
          { expected: String(previous.manifest.sequence + 1), actual: String(manifest.sequence) },
        ),
      );
      return;
    }
    if (manifest.previousManifestHash !== previous.actualHash)
      previous.issues.push(
        issue(
          'replaced-manifest',
          previous.settlementId,
          previous.manifest.sequence,
          previous.key,
          `the manifest of ${previous.settlementId} (sequence ${previous.manifest.sequence}) hashes to ${previous.actualHash}, but ${current.settlementId} recorded ${manifest.previousManifestHash}: it was replaced (or ${current.settlementId}'s link was rewritten)`,
          { expected: manifest.previousManifestHash ?? 'null', actual: previous.actualHash },
        ),
      );
  });

  const last = chain.at(-1);
  const recorded = options.head;
  if (recorded) {
    const atHead = chain.find((c) => c.manifest.sequence === recorded.sequence);
    if (atHead === undefined) {
      // The head proves a manifest existed: its absence is a loss, not an unfinished archive.
      const settlementId = recorded.settlementId ?? '(unknown)';
      const key = recorded.settlementId ? manifestKey(recorded.settlementId) : ARCHIVE_PREFIX;
      const missing = issue(
        'broken-chain',
        settlementId,
        recorded.sequence,
        key,
        `the chain head records sequence ${recorded.sequence} (${settlementId}) but no such manifest exists; the chain ends at ${last ? `sequence ${last.manifest.sequence}` : 'nothing'}`,
        { expected: String(recorded.sequence), actual: last ? String(last.manifest.sequence) : 'none' },
      );
      const orphan = orphans.find((c) => c.settlementId === recorded.settlementId);
      if (orphan) orphan.issues.unshift(missing);
      else
        orphans.push({
          settlementId,
          key,
          manifest: undefined,
          actualHash: undefined,
          fileCount: 0,
          issues: [missing],
        });
    } else {
      if (atHead.actualHash !== recorded.hash)
        atHead.issues.push(
          issue(
            'replaced-manifest',
            atHead.settlementId,
            atHead.manifest.sequence,
            atHead.key,
            `the manifest of ${atHead.settlementId} (sequence ${atHead.manifest.sequence}) hashes to ${atHead.actualHash}, but the chain head records ${recorded.hash}: it was replaced`,
            { expected: recorded.hash, actual: atHead.actualHash },
          ),
        );
      for (const beyond of chain.filter((c) => c.manifest.sequence > recorded.sequence))
        beyond.issues.push(
          issue(
            'beyond-head',
            beyond.settlementId,
            beyond.manifest.sequence,
            beyond.key,
            `${beyond.settlementId} (sequence ${beyond.manifest.sequence}) comes after the recorded chain head (sequence ${recorded.sequence}): the head update did not happen, or the manifest was appended`,
          ),
        );
    }
  }

  const results: SettlementVerification[] = [...chain, ...orphans].map((c) => ({
    settlementId: c.settlementId,
    sequence: c.manifest?.sequence,
    manifestKey: c.key,
    files: c.fileCount,
    status: c.issues.some((i) => i.severity === 'broken') ? 'broken' : c.issues.length ? 'incomplete' : 'ok',
    issues: c.issues,
  }));
  const issues = results.flatMap((r) => r.issues);
  const firstBrokenLink = issues.find((i) => i.severity === 'broken');
  return {
    tenantId,
    status: firstBrokenLink ? 'broken' : issues.length ? 'incomplete' : 'ok',
    settlements: results,
    issues,
    firstBrokenLink,
    head: last
      ? { sequence: last.manifest.sequence, hash: last.actualHash, settlementId: last.settlementId }
      : undefined,
  };
}

/**
 * The end of the chain as found by listing `archive/` (the highest sequence among readable
 * manifests), for tools and recovery; the pipeline keeps its head in DynamoDB.
 */
export async function discoverHead(store: BlobStore): Promise<ChainHead | null> {
  let head: ChainHead | null = null;
  for (const blob of await store.list(ARCHIVE_PREFIX)) {
    if (!blob.key.endsWith(`/${MANIFEST_NAME}`) || blob.key.split('/').length !== 3) continue;
    const manifest = Manifest.safeParse(parseJson(await store.get(blob.key)));
    if (manifest.success && (head === null || manifest.data.sequence > head.sequence))
      head = {
        sequence: manifest.data.sequence,
        hash: manifest.data.hash,
        settlementId: manifest.data.settlementId,
      };
  }
  return head;
}
