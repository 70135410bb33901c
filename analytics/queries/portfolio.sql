-- The portfolio review: one row per settled period (latest revision) with revenue, cost, hours,
-- NPS answers and CPI/SPI (the input of `settle report portfolio`).
WITH latest AS (
  SELECT tenant, project_id, period, max(revision) AS revision
  FROM settlements
  GROUP BY tenant, project_id, period
)
SELECT
  s.settlement_id,
  s.project_id,
  s.project_name,
  s.period,
  s.period_kind,
  s.period_from,
  s.period_to,
  s.statement_number,
  s.currency,
  s.billing AS revenue,
  s.cost,
  s.billable_seconds,
  s.capacity_seconds,
  s.nps_promoters,
  s.nps_passives,
  s.nps_detractors,
  e.cpi,
  e.spi
FROM settlements s
JOIN latest l
  ON s.tenant = l.tenant AND s.project_id = l.project_id AND s.period = l.period AND s.revision = l.revision
LEFT JOIN earned_value e
  ON e.tenant = s.tenant AND e.settlement_id = s.settlement_id
ORDER BY s.project_id, s.period_from, s.period
