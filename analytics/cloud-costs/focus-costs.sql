-- Cloud cost of every project tag from a FOCUS export (AWS Data Exports FOCUS 1.x, Azure's FOCUS
-- export), for the nightly cloud-cost snapshot: one row per tag value, provider, service, charge
-- category, currency, charge day and billing period, with the rows behind it and how many of them
-- carry an invoice id. Amortised cost (EffectiveCost) and invoiced cost (BilledCost) both, exact
-- decimals; credits and refunds keep their sign. Parameters, in order: the tag key (twice), the
-- first and the last billing period (YYYY-MM partitions). The same text runs on Athena and DuckDB.
SELECT
  CASE
    WHEN contains(map_keys(tags), ?) THEN map_values(tags)[array_position(map_keys(tags), ?)]
  END AS tag_value,
  providername AS provider,
  servicename AS service,
  chargecategory AS category,
  billingcurrency AS currency,
  substr(CAST(chargeperiodstart AS VARCHAR), 1, 10) AS charge_day,
  substr(CAST(billingperiodstart AS VARCHAR), 1, 10) AS billing_period_start,
  CAST(sum(CAST(effectivecost AS DECIMAL(38, 18))) AS VARCHAR) AS effective_cost,
  CAST(sum(CAST(billedcost AS DECIMAL(38, 18))) AS VARCHAR) AS billed_cost,
  count(*) AS row_count,
  count(invoiceid) AS invoiced_rows
FROM focus_export
WHERE billing_period BETWEEN ? AND ?
GROUP BY 1, 2, 3, 4, 5, 6, 7
ORDER BY 1, 2, 3, 4, 5, 6, 7
