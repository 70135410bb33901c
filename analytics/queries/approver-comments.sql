-- Approvers' comments on the latest revision of each settled period (the portfolio review's
-- comment column).
WITH latest AS (
  SELECT tenant, project_id, period, max(revision) AS revision
  FROM settlements
  GROUP BY tenant, project_id, period
)
SELECT
  a.settlement_id,
  a.step,
  a.approver,
  a.decision,
  a.decided_at,
  a.comment
FROM approval_steps a
JOIN latest l
  ON a.tenant = l.tenant AND a.project_id = l.project_id AND a.period = l.period AND a.revision = l.revision
WHERE a.comment IS NOT NULL AND a.comment <> ''
ORDER BY a.settlement_id, a.step
