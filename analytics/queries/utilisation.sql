-- Utilisation per project and month: billable hours against the capacity of the charter's people
-- (8 h per working day), latest revision of each settled period.
WITH latest AS (
  SELECT tenant, project_id, period, max(revision) AS revision
  FROM settlements
  GROUP BY tenant, project_id, period
)
SELECT
  s.project_id,
  s.year,
  s.month,
  round(CAST(sum(s.worked_seconds) AS DOUBLE) / 3600, 2) AS worked_hours,
  round(CAST(sum(s.billable_seconds) AS DOUBLE) / 3600, 2) AS billable_hours,
  round(CAST(sum(s.capacity_seconds) AS DOUBLE) / 3600, 2) AS capacity_hours,
  CASE
    WHEN sum(s.capacity_seconds) = 0 THEN NULL
    ELSE round(CAST(sum(s.billable_seconds) AS DOUBLE) * 100 / CAST(sum(s.capacity_seconds) AS DOUBLE), 1)
  END AS utilisation_percent
FROM settlements s
JOIN latest l
  ON s.tenant = l.tenant AND s.project_id = l.project_id AND s.period = l.period AND s.revision = l.revision
GROUP BY s.project_id, s.year, s.month
ORDER BY s.project_id, s.year, s.month
