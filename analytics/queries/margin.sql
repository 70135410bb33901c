-- Margin per project and settled period: billing - cost of the latest revision of each period
-- (a revision supersedes the settlement it corrects; it is never added to it).
WITH latest AS (
  SELECT tenant, project_id, period, max(revision) AS revision
  FROM settlements
  GROUP BY tenant, project_id, period
)
SELECT
  s.project_id,
  s.project_name,
  s.period,
  s.period_from,
  s.revision,
  s.statement_number,
  s.currency,
  s.billing,
  s.cost,
  s.margin,
  CASE
    WHEN s.billing = 0 THEN NULL
    ELSE round(CAST(s.margin AS DOUBLE) * 100 / CAST(s.billing AS DOUBLE), 1)
  END AS margin_percent
FROM settlements s
JOIN latest l
  ON s.tenant = l.tenant AND s.project_id = l.project_id AND s.period = l.period AND s.revision = l.revision
ORDER BY s.project_id, s.period_from, s.period
