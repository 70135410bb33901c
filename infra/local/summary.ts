import type { Locale } from '#domain/charter.ts';
import type { Statement } from '#domain/statement.ts';
import {
  categoryKey,
  checkTitleIn,
  fill,
  formatAmount,
  formatPercent,
  formatRatio,
  labelsFor,
  varianceCauseText,
} from '#statement/format.ts';
import type { CostCategory } from '#statement/view.ts';
import { causeFactsOf } from '#statement/view-of.ts';

/**
 * The summary a local run prints at its end (`settle run`, `npm start`), in the project's language:
 * totals, variance with its causes, contract prices, earned value, the contract checklist and the
 * quarantine counts; amounts formatted per locale and currency (¥1,234.56 in zh-CN).
 */

const en = {
  outcome: 'Outcome: {outcome}{statement} ({seconds} s)',
  statement: ' — statement {number}',
  totals: 'Totals ({currency}): cost {cost}, billing {billing}, margin {margin}',
  variance: 'Variance: {rows} rows, {flagged} flagged',
  contractPrices:
    'Contract prices: price variance {price}, quantity variance {quantity} (actual {actual} against planned {planned})',
  contractSite: '  {site}: price {price}, quantity {quantity}, total {variance} ({percent})',
  evm: 'Earned value: PV {pv}, EV {ev}, AC {ac}, CPI {cpi}, SPI {spi}, EAC {eac}',
  checks: 'Contract checks:',
  severity: { blocking: 'blocking', warning: 'warning' },
  quarantined: 'Quarantined records: {count}',
  archive:
    'Archive: {files} files in the manifest (archive/{id}/ and the final files in final/{id}/), manifest {hash}…',
  html: '  HTML statement: {path}',
  pdf: '  PDF statement:  {path}',
  manifest: '  Manifest:       {path} (in S3: {key})',
  verified: '  verify-archive: {status} — {settlements} settlement(s), {files} files{chain}',
  chainIntact: ', chain intact',
  brokenLink: '; first broken link: {message}',
  outbox: '  Outbox: {path}',
  log: '  Handler log: {path}',
  outcomes: {
    settled: 'settled',
    'already-settled': 'already settled',
    'needs-attention': 'needs attention',
    rejected: 'rejected',
    expired: 'expired',
    waiting: 'waiting for data',
    failed: 'failed',
  } as Record<string, string>,
};

type SummaryMessages = typeof en;

const zhCN: SummaryMessages = {
  outcome: '结果：{outcome}{statement}（{seconds} 秒）',
  statement: ' — 结算单 {number}',
  totals: '合计（{currency}）：成本 {cost}，应收 {billing}，毛利 {margin}',
  variance: '偏差：{rows} 行，{flagged} 行预警',
  contractPrices: '合同价对比：价差 {price}，量差 {quantity}（实际 {actual}，计划 {planned}）',
  contractSite: '  {site}：价差 {price}，量差 {quantity}，合计 {variance}（{percent}）',
  evm: '挣值：PV {pv}，EV {ev}，AC {ac}，CPI {cpi}，SPI {spi}，EAC {eac}',
  checks: '合同履约核查：',
  severity: { blocking: '阻断', warning: '警告' },
  quarantined: '隔离记录：{count}',
  archive: '归档：清单列出 {files} 个文件（archive/{id}/ 及 final/{id}/ 下的最终文件），清单 {hash}…',
  html: '  HTML 结算单：{path}',
  pdf: '  PDF 结算单： {path}',
  manifest: '  归档清单：   {path}（S3：{key}）',
  verified: '  归档校验：{status} — {settlements} 次结算，{files} 个文件{chain}',
  chainIntact: '，哈希链完整',
  brokenLink: '；首个断链：{message}',
  outbox: '  发件箱：{path}',
  log: '  处理日志：{path}',
  outcomes: {
    settled: '已结算',
    'already-settled': '此前已结算',
    'needs-attention': '需要处理',
    rejected: '已驳回',
    expired: '已过期',
    waiting: '等待数据',
    failed: '失败',
  },
};

/** The run summary's messages in a locale. */
export function summaryMessages(locale: Locale): SummaryMessages {
  return locale === 'zh-CN' ? zhCN : en;
}

/** The statement's figures, one line each, in `locale`. */
export function statementSummaryLines(statement: Statement, locale: Locale): string[] {
  const m = summaryMessages(locale);
  const t = labelsFor(locale);
  const amount = (value: { amount: string; currency: string }) =>
    formatAmount(value.amount, value.currency, locale);
  const signed = (value: { amount: string; currency: string }) =>
    `${value.amount.startsWith('-') ? '' : '+'}${amount(value)}`;
  const out: string[] = [];
  const totals = statement.totals;
  out.push(
    `\n${fill(m.totals, { currency: statement.currency, cost: amount(totals.cost), billing: amount(totals.billing), margin: amount(totals.margin) })}`,
  );
  for (const [category, value] of Object.entries(totals.byCategory)) {
    if (!/^-?0(\.0*)?$/.test(value.amount))
      out.push(
        `  ${t(categoryKey(category as CostCategory)).padEnd(locale === 'en' ? 12 : 8)} ${amount(value).padStart(16)}`,
      );
  }
  const flagged = statement.variance.rows.filter((r) => r.status !== 'ok');
  out.push(
    fill(m.variance, { rows: String(statement.variance.rows.length), flagged: String(flagged.length) }),
  );
  for (const cause of statement.variance.causes.slice(0, 5)) {
    const row = statement.variance.rows.find((r) => r.id === cause.row);
    out.push(`  ! ${row ? varianceCauseText(locale, causeFactsOf(row, cause)) : cause.message}`);
  }
  const prices = statement.contractPrices;
  if (prices) {
    out.push(
      fill(m.contractPrices, {
        price: signed(prices.total.priceVariance),
        quantity: signed(prices.total.quantityVariance),
        actual: amount(prices.total.actual),
        planned: amount(prices.total.planned),
      }),
    );
    // The sites beyond the variance warning threshold, largest first.
    const warning = statement.variance.thresholds.warningPercent;
    for (const site of [...prices.bySite]
      .filter((s) => s.percent !== null && Number(s.percent) > warning)
      .sort((a, b) => Number(b.percent) - Number(a.percent)))
      out.push(
        fill(m.contractSite, {
          site: site.key,
          price: signed(site.priceVariance),
          quantity: signed(site.quantityVariance),
          variance: signed(site.variance),
          percent: formatPercent(site.percent, locale),
        }),
      );
  }
  if (statement.evm) {
    const e = statement.evm;
    out.push(
      fill(m.evm, {
        pv: amount(e.pv),
        ev: amount(e.ev),
        ac: amount(e.ac),
        cpi: formatRatio(e.cpi, locale, 4),
        spi: formatRatio(e.spi, locale, 4),
        eac: e.eac ? amount(e.eac) : '—',
      }),
    );
  }
  out.push(m.checks);
  for (const c of statement.checks)
    out.push(
      `  [${c.status === 'pass' ? 'x' : c.status === 'waived' ? 'w' : ' '}] ${checkTitleIn(locale, c.id, c.title)} (${m.severity[c.severity]})${locale === 'en' ? ` ${c.detail}` : ''}`,
    );
  const quarantined = statement.quarantine.reduce((n, q) => n + q.count, 0);
  out.push(
    `${fill(m.quarantined, { count: String(quarantined) })}${quarantined ? ` (${statement.quarantine.map((q) => `${q.source}/${q.reason}: ${q.count}`).join(', ')})` : ''}`,
  );
  return out;
}
