/**
 * Where a tenant's objects live: two buckets, one area per purpose in them, each area a top-level
 * prefix. The **archive** bucket holds what must never change (the approved statements Finalise writes
 * and the hash-chained archive): object lock in COMPLIANCE mode for the tenant's retention, and every
 * PUT carries an explicit SHA-256 checksum. The **working** bucket holds everything in flight (uploads,
 * raw payloads, drafts, sent-mail copies, nightly lists, the Parquet facts): no object lock, and the
 * areas marked `expires` are deleted by a lifecycle rule after the tenant's working-data expiry.
 * Step declarations name these areas for their access, the CDK grants are scoped to their bucket
 * and prefix, and every object key is built here, so a key written outside a declared area cannot exist.
 */
export const BUCKET_AREAS = {
  inbox: {
    prefix: 'inbox/',
    bucket: 'working',
    // A file-mode source is re-read by every settlement of the project, however late: kept until replaced.
    expires: false,
    holds: 'CSV/XLSX files and charters uploaded for import, one key per upload',
  },
  raw: {
    prefix: 'raw/',
    bucket: 'working',
    expires: true,
    holds: 'raw source payloads, one key per settlement, source and page',
  },
  drafts: {
    prefix: 'drafts/',
    bucket: 'working',
    expires: true,
    holds: 'statement drafts (JSON, HTML, PDF), one key per settlement and revision',
  },
  final: {
    prefix: 'final/',
    bucket: 'archive',
    expires: false,
    holds: 'approved statements in every format, journal and credit notes, per settlement',
  },
  emails: {
    prefix: 'emails/',
    bucket: 'working',
    expires: true,
    holds: 'copies of sent emails (MIME), one key per message',
  },
  archive: {
    prefix: 'archive/',
    bucket: 'archive',
    expires: false,
    holds: 'archived settlements and their hash-chained manifests, one key per settlement',
  },
  nightly: {
    prefix: 'nightly/',
    bucket: 'working',
    expires: true,
    holds: 'due-settlement item lists, one key per nightly run',
  },
  costs: {
    prefix: 'cloud-costs/',
    bucket: 'working',
    expires: true,
    holds: 'the nightly cloud-cost snapshot (one query per source kind and window), one key per tenant night',
  },
  exports: {
    prefix: 'exports/',
    bucket: 'working',
    // AWS Data Exports delivers here (or the operator copies an Azure export); Athena reads it in place.
    expires: false,
    holds:
      'billing exports (FOCUS, Parquet or CSV) partitioned by BILLING_PERIOD, as the provider delivers them',
  },
  'query-results': {
    prefix: 'athena-results/',
    bucket: 'working',
    expires: true,
    holds:
      'Athena query results of the cloud-cost queries (the nightly one, and a FOCUS source settled by hand), one key per query execution',
  },
  facts: {
    prefix: 'facts/',
    bucket: 'working',
    // What Athena and `settle query` read across periods; derived from settled statements.
    expires: false,
    holds: 'settled facts as Parquet, one key per table, partition and settlement revision',
  },
} as const satisfies Record<
  string,
  { prefix: string; bucket: TenantBucket; expires: boolean; holds: string }
>;

/** The tenant's two buckets: `working` (lifecycle expiry, deletable) and `archive` (object-locked). */
export type TenantBucket = 'working' | 'archive';

export type BucketArea = keyof typeof BUCKET_AREAS;

export const BUCKET_AREA_NAMES = Object.keys(BUCKET_AREAS) as BucketArea[];

/** The bucket area a key belongs to (`undefined` for a key outside every area). */
export function areaOfKey(key: string): BucketArea | undefined {
  return BUCKET_AREA_NAMES.find((area) => key.startsWith(BUCKET_AREAS[area].prefix));
}

/** The areas of one bucket. */
export function areasIn(bucket: TenantBucket): BucketArea[] {
  return BUCKET_AREA_NAMES.filter((area) => BUCKET_AREAS[area].bucket === bucket);
}

/** The bucket an object key lives in: its area's; a key outside every area is working data. */
export function bucketOfKey(key: string): TenantBucket {
  const area = areaOfKey(key);
  return area ? BUCKET_AREAS[area].bucket : 'working';
}

/** Days working data is kept when the tenant sets none (longer than any settlement runs). */
export const DEFAULT_WORKING_DATA_EXPIRY_DAYS = 90;

const p = (area: BucketArea) => BUCKET_AREAS[area].prefix;

/** Every object key of the tenant's buckets (the bucket follows from the key's area). */
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
  /** The cloud-cost snapshot of one nightly run (`<tenant>/<runDate>`). */
  cloudCosts: (runId: string) => `${p('costs')}${runId}.json`,
  /** Where a FOCUS export lies (`exports/<name>/`), one folder per BILLING_PERIOD below it. */
  exportPrefix: (name: string) => `${p('exports')}${name}/`,
  /** Where Athena writes query results (the workgroup's output location). */
  queryResultsPrefix: () => p('query-results'),
  /** Hive-style partitions (`tenant=…/year=…/month=…`) that Glue's partition projection reads. */
  fact: (table: string, tenant: string, year: number, month: number, settlementId: string) =>
    `${p('facts')}${table}/tenant=${tenant}/year=${year}/month=${String(month).padStart(2, '0')}/${settlementId}.parquet`,
} as const;
