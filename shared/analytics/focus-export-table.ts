/**
 * The tenant's FOCUS export as a Glue table (infra/cdk) and as a DuckDB view (focus-export.ts): one
 * column list for both.
 */

/** The export's columns the query reads, with their Glue (Hive) types. */
export const FOCUS_EXPORT_COLUMNS = [
  { name: 'billedcost', type: 'decimal(38,18)' },
  { name: 'effectivecost', type: 'decimal(38,18)' },
  { name: 'billingcurrency', type: 'string' },
  { name: 'billingperiodstart', type: 'timestamp' },
  { name: 'chargeperiodstart', type: 'timestamp' },
  { name: 'chargecategory', type: 'string' },
  { name: 'providername', type: 'string' },
  { name: 'servicename', type: 'string' },
  // FOCUS 1.2; absent from 1.0/1.1 exports (then no billing period counts as final).
  { name: 'invoiceid', type: 'string' },
  { name: 'tags', type: 'map<string,string>' },
] as const;

/** The partition column (the export's `BILLING_PERIOD=2024-09` folders). */
export const FOCUS_PARTITION = 'billing_period';

/** Glue database names: lower case letters, digits and underscores. */
export const analyticsDatabaseName = (tenantId: string) =>
  `settlement_${tenantId.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
