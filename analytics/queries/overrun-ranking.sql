-- Projects ranked by forecast overrun at completion ((EAC - BAC) / BAC) on their latest
-- earned-value snapshot; projects without a forecast come last.
WITH latest AS (
  SELECT tenant, project_id, period, max(revision) AS revision
  FROM earned_value
  GROUP BY tenant, project_id, period
),
snapshots AS (
  SELECT
    e.*,
    row_number() OVER (PARTITION BY e.tenant, e.project_id ORDER BY e.as_of DESC, e.period DESC) AS recency
  FROM earned_value e
  JOIN latest l
    ON e.tenant = l.tenant AND e.project_id = l.project_id AND e.period = l.period AND e.revision = l.revision
)
SELECT
  rank() OVER (ORDER BY forecast_overrun_percent DESC NULLS LAST) AS overrun_rank,
  project_id,
  period,
  as_of,
  currency,
  bac,
  eac,
  vac,
  forecast_overrun_percent,
  cpi,
  spi,
  early_warning
FROM snapshots
WHERE recency = 1
ORDER BY overrun_rank, project_id
