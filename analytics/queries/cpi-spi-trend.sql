-- CPI and SPI per project over time (latest revision of each settled period), with the change
-- since the project's previous snapshot.
WITH latest AS (
  SELECT tenant, project_id, period, max(revision) AS revision
  FROM earned_value
  GROUP BY tenant, project_id, period
)
SELECT
  e.project_id,
  e.period,
  e.as_of,
  e.cpi,
  e.spi,
  e.cpi - lag(e.cpi) OVER (PARTITION BY e.tenant, e.project_id ORDER BY e.as_of, e.period) AS cpi_change,
  e.spi - lag(e.spi) OVER (PARTITION BY e.tenant, e.project_id ORDER BY e.as_of, e.period) AS spi_change,
  e.early_warning
FROM earned_value e
JOIN latest l
  ON e.tenant = l.tenant AND e.project_id = l.project_id AND e.period = l.period AND e.revision = l.revision
ORDER BY e.project_id, e.as_of, e.period
