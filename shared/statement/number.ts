/** `ST-ACME-2026-000042`: tenant, year and a gapless sequence. */
export function formatStatementNumber(tenantId: string, year: number, sequence: number): string {
  return `ST-${tenantId.toUpperCase()}-${year}-${String(sequence).padStart(6, '0')}`;
}
