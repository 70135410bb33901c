-- Settlement cycle time per month: from the settlement's data being ready (opened) to its last
-- approval, in hours, over the latest revision of each settled period.
WITH latest AS (
  SELECT tenant, project_id, period, max(revision) AS revision
  FROM settlements
  GROUP BY tenant, project_id, period
),
cycles AS (
  SELECT
    s.year,
    s.month,
    date_diff('second', s.data_ready_at, s.approved_at) AS cycle_seconds
  FROM settlements s
  JOIN latest l
    ON s.tenant = l.tenant AND s.project_id = l.project_id AND s.period = l.period AND s.revision = l.revision
)
SELECT
  year,
  month,
  count(*) AS settlements,
  round(avg(CAST(cycle_seconds AS DOUBLE)) / 3600, 2) AS average_hours,
  round(CAST(max(cycle_seconds) AS DOUBLE) / 3600, 2) AS longest_hours
FROM cycles
GROUP BY year, month
ORDER BY year, month
