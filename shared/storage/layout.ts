/**
 * Where a tenant's objects live in its bucket: one area per purpose, each a top-level prefix. Step
 * declarations name these areas for their access, the CDK grants are scoped to their prefixes, and
 * every object key is built here, so a key written outside a declared area cannot exist.
 */
export const BUCKET_AREAS = {
  inbox: { prefix: 'inbox/', holds: 'CSV/XLSX files and charters uploaded for import, one key per upload' },
  raw: { prefix: 'raw/', holds: 'raw source payloads, one key per settlement, source and page' },
  drafts: {
    prefix: 'drafts/',
    holds: 'statement drafts (JSON, HTML, PDF), one key per settlement and revision',
  },
  final: {
    prefix: 'final/',
    holds: 'approved statements in every format, journal and credit notes, per settlement',
  },
  emails: { prefix: 'emails/', holds: 'copies of sent emails (MIME), one key per message' },
  archive: {
    prefix: 'archive/',
    holds: 'archived settlements and their hash-chained manifests, one key per settlement',
  },
  nightly: { prefix: 'nightly/', holds: 'due-settlement item lists, one key per nightly run' },
  facts: {
    prefix: 'facts/',
    holds: 'settled facts as Parquet, one key per table, partition and settlement revision',
  },
} as const;

export type BucketArea = keyof typeof BUCKET_AREAS;

export const BUCKET_AREA_NAMES = Object.keys(BUCKET_AREAS) as BucketArea[];

/** The bucket area a key belongs to (`undefined` for a key outside every area). */
export function areaOfKey(key: string): BucketArea | undefined {
  return BUCKET_AREA_NAMES.find((area) => key.startsWith(BUCKET_AREAS[area].prefix));
}

const p = (area: BucketArea) => BUCKET_AREAS[area].prefix;

/** Every object key of the tenant bucket. */
export const objectKeys = {
  inbox: (projectId: string, path: string) => `${p('inbox')}${projectId}/${path}`,
  raw: (settlementId: string, bindingId: string, name: string) =>
    `${p('raw')}${settlementId}/${bindingId}/${name}`,
  rawPrefix: (settlementId: string) => `${p('raw')}${settlementId}/`,
  draft: (settlementId: string, name: string) => `${p('drafts')}${settlementId}/${name}`,
  final: (settlementId: string, name: string) => `${p('final')}${settlementId}/${name}`,
  finalPrefix: (settlementId: string) => `${p('final')}${settlementId}/`,
  email: (settlementId: string, name: string) => `${p('emails')}${settlementId}/${name}`,
  emailPrefix: (settlementId: string) => `${p('emails')}${settlementId}/`,
  archive: (settlementId: string, name: string) => `${p('archive')}${settlementId}/${name}`,
  nightlyItems: (runId: string) => `${p('nightly')}${runId}/items.json`,
  /** The settlements a night left unsettled and why (the daily summary's content). */
  nightlySummary: (runId: string) => `${p('nightly')}${runId}/summary.json`,
  /** Hive-style partitions (`tenant=…/year=…/month=…`) that Glue's partition projection reads. */
  fact: (table: string, tenant: string, year: number, month: number, settlementId: string) =>
    `${p('facts')}${table}/tenant=${tenant}/year=${year}/month=${String(month).padStart(2, '0')}/${settlementId}.parquet`,
} as const;
