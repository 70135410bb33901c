import {
  type CheckSeverity,
  type CheckStatus,
  CostCategory,
  type StatementLocale,
  type StatementView,
  type VarianceFlag,
} from './view.ts';

/**
 * Formatting for statements: amounts from decimal strings, dates, and a small message catalogue in
 * en and zh-CN.
 *
 * Rounding rule: the engine hands over amounts already rounded to the currency's minor unit; if an
 * amount carries more digits, the display rounds half away from zero (Intl's `halfExpand`) to the
 * currency's digits. Intl formats the decimal string itself (Node ≥ 22 takes strings exactly), so no
 * binary float is ever involved.
 */

const amountFormats = new Map<string, Intl.NumberFormat>();

/** Intl accepts decimal strings exactly at runtime; the lib typings only list number and bigint. */
type DecimalFormat = (value: string) => string;

function currencyFormat(
  currency: string,
  locale: StatementLocale,
  sign: 'auto' | 'never',
): Intl.NumberFormat {
  const key = `${locale}|${currency}|${sign}`;
  let format = amountFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      currencyDisplay: 'symbol',
      signDisplay: sign,
      roundingMode: 'halfExpand',
    });
    amountFormats.set(key, format);
  }
  return format;
}

/** "1234.5" EUR en → "€1,234.50"; "-1234.5" CNY zh-CN → "-¥1,234.50". */
export function formatAmount(amount: string, currency: string, locale: StatementLocale): string {
  const format = currencyFormat(currency, locale, 'auto');
  return (format.format as unknown as DecimalFormat)(amount);
}

/** An amount without the currency symbol, with the currency's fraction digits: "1,234.50". */
export function formatNumber(amount: string, currency: string, locale: StatementLocale): string {
  const digits = currencyFormat(currency, locale, 'auto').resolvedOptions().maximumFractionDigits ?? 2;
  const key = `${locale}|plain|${digits}`;
  let format = amountFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      roundingMode: 'halfExpand',
    });
    amountFormats.set(key, format);
  }
  return (format.format as unknown as DecimalFormat)(amount);
}

/** A ratio such as CPI: "0.9512" → "0.95". Null shows as an em dash. */
export function formatRatio(value: string | null, locale: StatementLocale, digits = 2): string {
  if (value === null) return '—';
  const format = new Intl.NumberFormat(locale, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    roundingMode: 'halfExpand',
  });
  return (format.format as unknown as DecimalFormat)(value);
}

/** A percentage given in percent units: "12.345" → "12.3 %" (en) / "12.3%" (zh-CN). */
export function formatPercent(value: string | null, locale: StatementLocale): string {
  if (value === null) return '—';
  const number = formatRatio(value, locale, 1);
  return locale === 'en' ? `${number} %` : `${number}%`;
}

/** A plain quantity (hours, units): up to 2 fraction digits, grouped. */
export function formatQuantity(value: string, locale: StatementLocale): string {
  const format = new Intl.NumberFormat(locale, { maximumFractionDigits: 2, roundingMode: 'halfExpand' });
  return (format.format as unknown as DecimalFormat)(value);
}

/** A calendar date "2025-03-31" → "31 Mar 2025" (en) / "2025年3月31日" (zh-CN). Timezone-free. */
export function formatDate(date: string, locale: StatementLocale): string {
  const [year, month, day] = date.split('-').map(Number);
  const utc = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1));
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', {
    year: 'numeric',
    month: locale === 'en' ? 'short' : 'long',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(utc);
}

/** A short axis date "2025-03-31" → "31 Mar" (en) / "3月31日" (zh-CN). */
export function formatDayMonth(date: string, locale: StatementLocale): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${date}T00:00:00Z`));
}

/** An ISO timestamp shown in UTC, minute precision: "2025-04-02 09:15 UTC". */
export function formatTimestamp(at: string): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const en = {
  statement: 'Settlement statement',
  'credit-note': 'Credit note',
  'debit-note': 'Debit note',
  draft: 'Draft',
  number: 'Number',
  corrects: 'Corrects statement',
  revision: 'Revision',
  revisionReason: 'Reason for revision',
  issueDate: 'Issue date',
  dueDate: 'Due date',
  period: 'Period',
  project: 'Project',
  contract: 'Contract',
  counterparty: 'Counterparty',
  issuer: 'Issued by',
  taxId: 'Tax ID',
  currency: 'Currency',
  summary: 'Summary',
  totalBudget: 'Total budget',
  totalCost: 'Total cost',
  billing: 'Billing',
  retention: 'Retention',
  netDue: 'Net amount due',
  costByCategory: 'Cost by category',
  labourByRole: 'Labour by role',
  budget: 'Budget',
  actual: 'Actual',
  plan: 'Plan',
  category: 'Category',
  role: 'Role',
  lines: 'Cost lines',
  description: 'Description',
  quantity: 'Quantity',
  unit: 'Unit',
  unitRate: 'Rate',
  amount: 'Amount',
  variance: 'Variance',
  varianceAnalysis: 'Variance analysis',
  dimension: 'Dimension',
  key: 'Item',
  percent: 'Variance %',
  flag: 'Flag',
  cause: 'Cause',
  evm: 'Earned value',
  billingLines: 'Billing lines',
  basis: 'Basis',
  unitPrice: 'Unit price',
  reason: 'Reason',
  checklist: 'Contract checklist',
  check: 'Check',
  status: 'Status',
  severity: 'Severity',
  evidence: 'Evidence',
  milestones: 'Milestones',
  milestone: 'Milestone',
  planStart: 'Plan start',
  planEnd: 'Plan end',
  actualEnd: 'Actual end',
  notReached: 'not reached',
  quarantine: 'Quarantined records',
  source: 'Source',
  count: 'Count',
  noQuarantine: 'No records were quarantined.',
  lateEdits: 'Late edits to settled periods',
  record: 'Record',
  change: 'Change',
  oldNew: 'Old → new',
  lateEditAction: 'Action',
  'lateEdit.carried': 'carried into this statement',
  'lateEdit.revision-proposed': 'revision of the period proposed',
  'lateEdit.reported': 'reported',
  journal: 'Accounting journal',
  date: 'Date',
  entry: 'Entry',
  account: 'Account',
  accountName: 'Account name',
  debit: 'Debit',
  credit: 'Credit',
  memo: 'Memo',
  total: 'Total',
  approvals: 'Approvals',
  who: 'Approver',
  decision: 'Decision',
  when: 'When',
  comment: 'Comment',
  noApprovals: 'Not yet approved.',
  chartBudgetVsActualCategory: 'Budget vs actual by category',
  chartBudgetVsActualRole: 'Budget vs actual by role',
  chartGantt: 'Milestones: plan vs actual',
  page: 'Page',
  settlement: 'Settlement',
  // categories
  'cat.labour': 'Labour',
  'cat.outsourcing': 'Outsourcing',
  'cat.materials': 'Materials',
  'cat.equipment': 'Equipment',
  'cat.cloud': 'Cloud',
  'cat.indirect': 'Indirect',
  'cat.other': 'Other',
  // flags, statuses, severities
  'flag.none': 'OK',
  'flag.warning': 'Warning',
  'flag.critical': 'Critical',
  'status.pass': 'Pass',
  'status.fail': 'Fail',
  'status.waived': 'Waived',
  'severity.blocking': 'Blocking',
  'severity.warning': 'Warning',
  'decision.approved': 'Approved',
  'decision.rejected': 'Rejected',
  'decision.delegated': 'Delegated',
  'decision.escalated': 'Escalated',
  'counterparty.internal': 'Internal department',
  'counterparty.client': 'Client',
  'counterparty.supplier': 'Supplier',
  clientStatement: 'Client statement',
  accepted: 'Accepted',
  notAccepted: 'not yet accepted',
  forecastWarning:
    'Forecast at completion {eac} is {percent} over the budget at completion {bac} (warning threshold {threshold}).',
  onBehalfOf: 'for',
  step: 'Step',
  'dim.category': 'Category',
  'dim.role': 'Role',
  'dim.workPackage': 'Work package',
  'dim.supplier': 'Supplier',
  'dim.site': 'Site',
  'basis.time': 'Time and materials',
  'basis.time-and-materials': 'Time and materials',
  'basis.pass-through': 'Pass-through',
  'basis.milestone': 'Milestone',
  'basis.retainer-fee': 'Retainer fee',
  'basis.retainer-overage': 'Retainer overage',
  'basis.retention': 'Retention',
  'basis.adjustment': 'Adjustment',
  'basis.write-off': 'Write-off',
  'basis.late-edit': 'Late edit',
  'unit.h': 'h',
  'unit.pcs': 'pcs',
  'unit.months': 'months',
  'unit.days': 'days',
  'unit.t': 't',
  'contract.fixed-price': 'Fixed price',
  'contract.time-and-materials': 'Time and materials',
  'contract.retainer': 'Retainer',
  'period.final': 'Final settlement',
  contractPrices: 'Supplier contract prices',
  contractPricesNote:
    'Actual cost against quantity × agreed unit price. Price variance: paid above the agreed prices; quantity variance: used more than planned, at agreed prices.',
  contractPricesBySite: 'By site',
  contractPricesBySupplier: 'By supplier',
  contractItem: 'Contract item',
  supplier: 'Supplier',
  site: 'Site',
  plannedQuantity: 'Planned qty',
  actualQuantity: 'Actual qty',
  agreedPrice: 'Agreed price',
  actualPrice: 'Actual price',
  plannedCost: 'Planned',
  atContractPrice: 'At contract price',
  priceVariance: 'Price variance',
  quantityVariance: 'Quantity variance',
  unmatchedCost:
    'Cost of contract suppliers matching no contract item (another unit or no quantity): {amount}',
  'cause.over': '{what}: {percent} over budget ({variance} on {budget})',
  'cause.unbudgeted': '{what}: {actual} spent without a budget',
  'cause.drivers': 'largest: {drivers}',
  'check.completion': 'Scope completion ≥ {percent}',
  'check.acceptance': 'Acceptance sign-off for {milestone}',
  'check.milestone-date': '{milestone} reached by {date}',
  'check.rates': 'Every hour has a rate on the rate card',
  'check.people-mapped': 'Every person has a role',
  'check.contract-amount': 'T&M billing within the contract amount',
  'check.clause': 'Contract clause {clause} fulfilled',
} as const;

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  statement: '项目结算单',
  'credit-note': '贷项通知单',
  'debit-note': '借项通知单',
  draft: '草稿',
  number: '编号',
  corrects: '更正结算单',
  revision: '修订版',
  revisionReason: '修订原因',
  issueDate: '开具日期',
  dueDate: '到期日',
  period: '结算期间',
  project: '项目',
  contract: '合同',
  counterparty: '结算对象',
  issuer: '开具单位',
  taxId: '税号',
  currency: '币种',
  summary: '汇总',
  totalBudget: '预算合计',
  totalCost: '成本合计',
  billing: '应收金额',
  retention: '质保金',
  netDue: '应付净额',
  costByCategory: '按类别成本',
  labourByRole: '按角色人工',
  budget: '预算',
  actual: '实际',
  plan: '计划',
  category: '类别',
  role: '角色',
  lines: '成本明细',
  description: '说明',
  quantity: '数量',
  unit: '单位',
  unitRate: '单价',
  amount: '金额',
  variance: '偏差',
  varianceAnalysis: '偏差分析',
  dimension: '维度',
  key: '项目',
  percent: '偏差率',
  flag: '标记',
  cause: '原因',
  evm: '挣值分析',
  billingLines: '计费明细',
  basis: '计费依据',
  unitPrice: '单价',
  reason: '原因',
  checklist: '合同履约核查',
  check: '核查项',
  status: '状态',
  severity: '级别',
  evidence: '证据',
  milestones: '里程碑',
  milestone: '里程碑',
  planStart: '计划开始',
  planEnd: '计划完成',
  actualEnd: '实际完成',
  notReached: '未达成',
  quarantine: '隔离记录',
  source: '数据源',
  count: '数量',
  noQuarantine: '无隔离记录。',
  lateEdits: '已结算期间的迟到修改',
  record: '记录',
  change: '变更',
  oldNew: '原值 → 新值',
  lateEditAction: '处理',
  'lateEdit.carried': '计入本结算单',
  'lateEdit.revision-proposed': '建议修订该期间',
  'lateEdit.reported': '仅报告',
  journal: '会计分录',
  date: '日期',
  entry: '凭证',
  account: '科目',
  accountName: '科目名称',
  debit: '借方',
  credit: '贷方',
  memo: '摘要',
  total: '合计',
  approvals: '审批记录',
  who: '审批人',
  decision: '决定',
  when: '时间',
  comment: '意见',
  noApprovals: '尚未审批。',
  chartBudgetVsActualCategory: '按类别预算与实际对比',
  chartBudgetVsActualRole: '按角色预算与实际对比',
  chartGantt: '里程碑：计划与实际',
  page: '页',
  settlement: '结算',
  'cat.labour': '人工',
  'cat.outsourcing': '外包',
  'cat.materials': '材料',
  'cat.equipment': '设备',
  'cat.cloud': '云服务',
  'cat.indirect': '间接费用',
  'cat.other': '其他',
  'flag.none': '正常',
  'flag.warning': '预警',
  'flag.critical': '严重',
  'status.pass': '通过',
  'status.fail': '未通过',
  'status.waived': '豁免',
  'severity.blocking': '阻断',
  'severity.warning': '警告',
  'decision.approved': '批准',
  'decision.rejected': '驳回',
  'decision.delegated': '委托',
  'decision.escalated': '升级',
  'counterparty.internal': '内部部门',
  'counterparty.client': '客户',
  'counterparty.supplier': '供应商',
  clientStatement: '客户结算单',
  accepted: '验收日期',
  notAccepted: '尚未验收',
  forecastWarning: '完工估算 {eac} 超出完工预算 {bac} {percent}（预警阈值 {threshold}）。',
  onBehalfOf: '代',
  step: '步骤',
  'dim.category': '类别',
  'dim.role': '角色',
  'dim.workPackage': '工作包',
  'dim.supplier': '供应商',
  'dim.site': '工地',
  'basis.time': '工时计费',
  'basis.time-and-materials': '工时计费',
  'basis.pass-through': '代垫费用',
  'basis.milestone': '里程碑',
  'basis.retainer-fee': '包月费用',
  'basis.retainer-overage': '超额工时',
  'basis.retention': '质保金',
  'basis.adjustment': '调整',
  'basis.write-off': '核销',
  'basis.late-edit': '迟到修改',
  'unit.h': '小时',
  'unit.pcs': '件',
  'unit.months': '个月',
  'unit.days': '天',
  'unit.t': '吨',
  'contract.fixed-price': '固定总价',
  'contract.time-and-materials': '工时计费',
  'contract.retainer': '包月服务',
  'period.final': '竣工结算',
  contractPrices: '供应商合同价对比',
  contractPricesNote:
    '实际成本与“数量 × 合同单价”对比。价差：高于合同单价支付的金额；量差：按合同单价计算的超计划用量。',
  contractPricesBySite: '按工地',
  contractPricesBySupplier: '按供应商',
  contractItem: '合同项目',
  supplier: '供应商',
  site: '工地',
  plannedQuantity: '计划数量',
  actualQuantity: '实际数量',
  agreedPrice: '合同单价',
  actualPrice: '实际单价',
  plannedCost: '计划金额',
  atContractPrice: '按合同价',
  priceVariance: '价差',
  quantityVariance: '量差',
  unmatchedCost: '合同供应商中未对应合同项目的成本（其他单位或无数量）：{amount}',
  'cause.over': '{what}：超出预算 {percent}（{variance}，预算 {budget}）',
  'cause.unbudgeted': '{what}：无预算支出 {actual}',
  'cause.drivers': '主要来源：{drivers}',
  'check.completion': '范围完成率 ≥ {percent}',
  'check.acceptance': '{milestone}验收签字',
  'check.milestone-date': '{milestone}于{date}前达成',
  'check.rates': '每个工时均有费率表中的费率',
  'check.people-mapped': '每位人员均有角色',
  'check.contract-amount': '计费未超出合同金额',
  'check.clause': '合同条款 {clause} 已履行',
};

const catalogues: Record<StatementLocale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export type Labels = (key: MessageKey) => string;

/** The label lookup for a locale. */
export function labelsFor(locale: StatementLocale): Labels {
  const catalogue = catalogues[locale];
  return (key) => catalogue[key];
}

export const categoryKey = (category: CostCategory): MessageKey => `cat.${category}`;
export const flagKey = (flag: VarianceFlag): MessageKey => `flag.${flag}`;
export const statusKey = (status: CheckStatus): MessageKey => `status.${status}`;
export const severityKey = (severity: CheckSeverity): MessageKey => `severity.${severity}`;

const COST_CATEGORIES = new Set<string>(CostCategory.options);

/** A variance row's key as shown: cost categories are translated, other keys (roles, sites) are names. */
export function varianceKeyLabel(t: Labels, dimension: string, key: string): string {
  return dimension === 'category' && COST_CATEGORIES.has(key) ? t(categoryKey(key as CostCategory)) : key;
}

/** A message with `{name}` placeholders filled in. */
export function fill(message: string, values: Readonly<Record<string, string>>): string {
  return message.replace(/\{(\w+)\}/g, (all, name: string) => values[name] ?? all);
}

const KNOWN = (catalogue: string, value: string): MessageKey | undefined =>
  `${catalogue}.${value}` in en ? (`${catalogue}.${value}` as MessageKey) : undefined;

/** A variance dimension as shown ("category+supplier" → "Category + Supplier"). */
export function dimensionLabel(t: Labels, dimension: string): string {
  return dimension
    .split('+')
    .map((part) => {
      const key = KNOWN('dim', part);
      return key ? t(key) : part;
    })
    .join(' + ');
}

/** A billing basis as shown; an unknown basis (a revision note's text) stays as it is. */
export function basisLabel(t: Labels, basis: string): string {
  const key = KNOWN('basis', basis);
  return key ? t(key) : basis;
}

/** A unit as shown (h → 小时 in zh-CN); an unknown unit stays as it is. */
export function unitLabel(t: Labels, unit: string | undefined): string {
  if (unit === undefined) return '';
  const key = KNOWN('unit', unit);
  return key ? t(key) : unit;
}

/**
 * How a variance reads: `over` when actuals exceed the budget by more than the warning threshold
 * (the warning colour), `under` when below budget (good), `within` otherwise (neutral). Zero is never over.
 */
export function varianceTone(
  variance: string,
  percent: string | null,
  warningPercent: number,
): 'over' | 'under' | 'within' {
  const value = Number(variance);
  if (value < 0) return 'under';
  if (value === 0) return 'within';
  if (percent === null) return 'over';
  return Math.abs(Number(percent)) > warningPercent ? 'over' : 'within';
}

/** Minus the amount, without a "-0" for zero. */
export function negated(amount: string): string {
  if (/^-?0*(\.0*)?$/.test(amount)) return amount.replace('-', '');
  return amount.startsWith('-') ? amount.slice(1) : `-${amount}`;
}

/** The document's title: the client statement, or the kind of statement. */
export function titleOf(view: StatementView, t: Labels): string {
  return view.audience === 'client' && view.kind === 'statement'
    ? t('clientStatement')
    : t(view.kind as MessageKey);
}

/** The keys a variance row compares, as shown: "Materials · 07号工地", "role engineer". */
export function varianceKeysLabel(
  t: Labels,
  keys: {
    category?: string | undefined;
    role?: string | undefined;
    supplier?: string | undefined;
    workPackage?: string | undefined;
  },
): string {
  const parts: string[] = [];
  if (keys.category)
    parts.push(
      COST_CATEGORIES.has(keys.category) ? t(categoryKey(keys.category as CostCategory)) : keys.category,
    );
  if (keys.role) parts.push(keys.role);
  if (keys.supplier) parts.push(keys.supplier);
  if (keys.workPackage) parts.push(keys.workPackage);
  return parts.join(' · ');
}

/** What a variance cause is made of: the row's keys and figures, and its largest contributors. */
export interface VarianceCauseFacts {
  readonly keys: Parameters<typeof varianceKeysLabel>[1];
  readonly unbudgeted: boolean;
  readonly percent: string | null;
  readonly budget: string;
  readonly actual: string;
  readonly variance: string;
  readonly currency: string;
  readonly drivers: { name: string; amount: string }[];
}

/** A variance cause in the reader's language, amounts formatted per locale and currency. */
export function varianceCauseText(locale: StatementLocale, facts: VarianceCauseFacts): string {
  const t = labelsFor(locale);
  const amount = (value: string) => formatAmount(value, facts.currency, locale);
  const what = varianceKeysLabel(t, facts.keys);
  const message = facts.unbudgeted
    ? fill(t('cause.unbudgeted'), { what, actual: amount(facts.actual) })
    : fill(t('cause.over'), {
        what,
        percent: formatPercent(facts.percent, locale),
        variance: formatAmount(facts.variance, facts.currency, locale).replace(/^(?=[^-])/, '+'),
        budget: amount(facts.budget),
      });
  if (facts.drivers.length === 0) return message;
  const drivers = facts.drivers
    .map((d) => `${d.name} ${amount(d.amount)}`)
    .join(locale === 'en' ? ', ' : '、');
  return `${message}${locale === 'en' ? '; ' : '；'}${fill(t('cause.drivers'), { drivers })}`;
}

/**
 * A contract check's title in the reader's language. The engine titles checks in English; the
 * title in another language is built from the check's id and the names and figures the English title
 * carries (a milestone's name, a date, a percentage, a clause number).
 */
export function checkTitleIn(locale: StatementLocale, id: string, title: string): string {
  if (locale === 'en') return title;
  const t = labelsFor(locale);
  const [kind = ''] = id.split(':');
  const milestone = /for (.+)$/.exec(title)?.[1] ?? /^(.+) reached by/.exec(title)?.[1] ?? '';
  const date = /by (\d{4}-\d{2}-\d{2})$/.exec(title)?.[1];
  switch (kind) {
    case 'acceptance':
      return fill(t('check.acceptance'), { milestone });
    case 'milestone-date':
      return fill(t('check.milestone-date'), { milestone, date: date ? formatDate(date, locale) : '' });
    case 'completion':
      return fill(t('check.completion'), {
        percent: formatPercent(/≥ ([\d.]+) %/.exec(title)?.[1] ?? null, locale),
      });
    case 'clause':
      return fill(t('check.clause'), { clause: /clause (.+) fulfilled$/.exec(title)?.[1] ?? id.slice(7) });
    case 'rates':
    case 'people-mapped':
    case 'contract-amount':
      return t(`check.${kind}`);
    default:
      return title;
  }
}

/** A variance row's cause in the view's language (the engine's English text where no facts are known). */
export function causeIn(
  locale: StatementLocale,
  row: { cause?: string | undefined; causeFacts?: VarianceCauseFacts | undefined },
): string {
  if (locale === 'en' || !row.causeFacts) return row.cause ?? '';
  return varianceCauseText(locale, row.causeFacts);
}

/** A checklist item's title in the view's language. */
export function checkIn(locale: StatementLocale, item: { id?: string | undefined; check: string }): string {
  return item.id ? checkTitleIn(locale, item.id, item.check) : item.check;
}

/** A contract type as shown (fixed-price → Fixed price / 固定总价); unknown types stay as they are. */
export function contractTypeLabel(t: Labels, type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const key = KNOWN('contract', type);
  return key ? t(key) : type;
}

/** A period as shown: months and milestones as given, the final settlement by name. */
export function periodLabel(t: Labels, label: string): string {
  const key = KNOWN('period', label);
  return key ? t(key) : label;
}

/** A variance row's item as shown: its keys when the view has them ("Materials · 07号工地"), else its key. */
export function varianceRowLabel(
  t: Labels,
  row: { dimension: string; key: string; keys?: Parameters<typeof varianceKeysLabel>[1] | undefined },
): string {
  return row.keys ? varianceKeysLabel(t, row.keys) : varianceKeyLabel(t, row.dimension, row.key);
}
