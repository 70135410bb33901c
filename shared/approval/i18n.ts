import type { Money } from '#domain/money.ts';
import { checkTitleIn } from '#statement/format.ts';
import type { Locale } from './model.ts';

const en = {
  title: 'Settlement approval',
  project: 'Project',
  period: 'Period',
  revision: 'Revision',
  counterparty: 'Counterparty',
  totalCost: 'Total cost',
  totalBilling: 'Total billing',
  budget: 'Budget',
  actual: 'Actual',
  variance: 'Variance',
  budgetVsActual: 'Budget vs actual (cost)',
  used: 'used',
  topVariances: 'Largest variances',
  item: 'Item',
  cause: 'Cause',
  checklist: 'Contract checklist',
  evidence: 'Evidence',
  passed: 'Passed',
  warning: 'Warning',
  failed: 'Failed',
  blocking: 'blocking',
  quarantined: 'Records quarantined during collection (not counted): {n}',
  pdf: 'Open the draft statement (PDF)',
  noPdf: 'The PDF of the draft is not available yet.',
  stepOf: 'Approval {step} of {steps}: {role}',
  requestedFrom: 'Requested from {name} ({email}).',
  onBehalf: 'You decide for {email} (delegation).',
  expires: 'This link expires on {date}.',
  decide: 'Your decision',
  comment: 'Comment',
  commentHint: 'Required when you reject.',
  approve: 'Approve',
  reject: 'Reject',
  scannerNote: 'Opening this page decides nothing; only the buttons below do.',
  approvedDone: 'Approved. Thank you, your decision was recorded.',
  rejectedDone: 'Rejected. Your decision and comment were recorded and sent to the project manager.',
  commentRequired: 'Please give a reason when you reject.',
  unknown: 'This approval link is not known. Please check that you opened the whole link from the email.',
  forbidden: 'This approval link is not valid. Please open the link from your email exactly as it is.',
  throttled: 'Too many invalid attempts came from your connection. Please wait a minute and try again.',
  usedLink: 'This approval link has already been used. The decision was recorded; nothing has changed.',
  expired: 'This approval link has expired. Nothing has changed; the project manager has been told.',
  superseded: 'This approval request was replaced by a newer one. Please use the link in the latest email.',
  badRequest: 'The request could not be understood. Nothing has changed.',
  tooLarge: 'The request is too large. Nothing has changed.',
  methodNotAllowed: 'This page only supports viewing and deciding. Nothing has changed.',
  notFound: 'There is no page here.',
  serverError: 'Something went wrong on our side. Nothing was decided. Please try again later.',
  reference: 'Reference',
  problemTitle: 'Approval link',
  otherLanguage: '中文',
  // Email
  subjectRequest: 'Approval requested: {project} {period} ({total})',
  subjectReminder: 'Reminder: approval requested for {project} {period} ({total})',
  subjectEscalation: 'Escalated: approval needed for {project} {period} ({total})',
  greeting: 'Hello {name},',
  introRequest: 'please review the settlement of {project} for {period} and approve or reject it.',
  introReminder: 'the settlement of {project} for {period} is still waiting for your decision.',
  introEscalation:
    '{approver} has not answered in time. As backup approver, please review the settlement of {project} for {period}.',
  delegateNote: 'You receive this as the delegate of {email}.',
  linkText: 'Review and decide',
  linkNote: 'Opening the link decides nothing: you approve or reject on the page. Do not forward this email.',
  figures: 'Key figures',
  // One-time code (approval above the tenant's threshold)
  codeNote: 'Approving {total} needs a one-time code: when you click Approve, we email a code to {email}.',
  codeTitle: 'Confirm your approval',
  codeSent: 'We emailed a 6-digit code to {email}. It is valid until {date}.',
  codeLabel: 'One-time code',
  codeConfirm: 'Confirm approval',
  codeResend: 'Send a new code',
  codeAttempts: 'Attempts left: {n}.',
  codeWrong: 'That code is not correct. Nothing was approved.',
  codeExpired: 'That code has expired. Send a new code.',
  codeNone: 'No code was sent for this link yet, or a newer one replaced it. Send a new code.',
  codeMalformed: 'Please enter the 6 digits of the code from the email.',
  codeSendsExhausted: 'No more codes can be sent for this approval. Use the latest code you received.',
  codeLocked:
    'Too many wrong codes were entered: approving with this link is locked and nothing was approved. You can still reject; to approve, ask the project manager to start the approval again.',
  codeApproving: 'You are approving {project} {period}: {total}.',
  codeSubject: 'Your approval code for {project} {period} ({total})',
  codeIntro: 'you asked to approve the settlement of {project} for {period} ({total}). Your one-time code:',
  codeValidity:
    'It is valid for {minutes} minutes (until {date}) and works only on the page where you asked for it.',
  codeWarning:
    'Do not share this code. If you did not ask for it, someone may have your approval link: do not act on this email and tell the project manager.',
};

export type Messages = typeof en;

const zhCN: Messages = {
  title: '结算审批',
  project: '项目',
  period: '期间',
  revision: '版本',
  counterparty: '结算对象',
  totalCost: '总成本',
  totalBilling: '应收总额',
  budget: '预算',
  actual: '实际',
  variance: '差异',
  budgetVsActual: '预算与实际（成本）',
  used: '已用',
  topVariances: '主要差异',
  item: '项目',
  cause: '原因',
  checklist: '合同核对清单',
  evidence: '依据',
  passed: '通过',
  warning: '警告',
  failed: '未通过',
  blocking: '阻断',
  quarantined: '采集时隔离的记录（未计入）：{n}',
  pdf: '查看结算单草稿（PDF）',
  noPdf: '结算单草稿的 PDF 尚未生成。',
  stepOf: '第 {step}/{steps} 级审批：{role}',
  requestedFrom: '审批人：{name}（{email}）。',
  onBehalf: '您作为 {email} 的代理人审批。',
  expires: '此链接将于 {date} 失效。',
  decide: '您的决定',
  comment: '意见',
  commentHint: '驳回时必须填写。',
  approve: '批准',
  reject: '驳回',
  scannerNote: '打开此页面不会做出任何决定；只有下方按钮才会。',
  approvedDone: '已批准。谢谢，您的决定已记录。',
  rejectedDone: '已驳回。您的决定和意见已记录，并已通知项目经理。',
  commentRequired: '驳回时请填写原因。',
  unknown: '无法识别此审批链接。请确认您打开的是邮件中的完整链接。',
  forbidden: '此审批链接无效。请按原样打开邮件中的链接。',
  throttled: '来自您网络连接的无效尝试次数过多。请稍候一分钟再试。',
  usedLink: '此审批链接已被使用。决定已记录，没有任何更改。',
  expired: '此审批链接已过期。没有任何更改，项目经理已收到通知。',
  superseded: '此审批请求已被新的请求取代。请使用最新邮件中的链接。',
  badRequest: '无法理解此请求。没有任何更改。',
  tooLarge: '请求过大。没有任何更改。',
  methodNotAllowed: '此页面只支持查看和审批。没有任何更改。',
  notFound: '此处没有页面。',
  serverError: '系统出现问题，未做出任何决定。请稍后再试。',
  reference: '参考编号',
  problemTitle: '审批链接',
  otherLanguage: 'English',
  subjectRequest: '请审批：{project} {period}（{total}）',
  subjectReminder: '提醒：{project} {period} 等待您的审批（{total}）',
  subjectEscalation: '升级：{project} {period} 需要审批（{total}）',
  greeting: '{name}，您好：',
  introRequest: '请审核 {project} {period} 的结算，并批准或驳回。',
  introReminder: '{project} {period} 的结算仍在等待您的决定。',
  introEscalation: '{approver} 未在期限内答复。作为备选审批人，请审核 {project} {period} 的结算。',
  delegateNote: '您作为 {email} 的代理人收到此邮件。',
  linkText: '查看并审批',
  linkNote: '打开链接不会做出任何决定：请在页面上批准或驳回。请勿转发此邮件。',
  figures: '关键数据',
  codeNote: '批准 {total} 需要一次性验证码：点击“批准”后，我们会把验证码发送到 {email}。',
  codeTitle: '确认您的批准',
  codeSent: '6 位验证码已发送到 {email}，有效期至 {date}。',
  codeLabel: '一次性验证码',
  codeConfirm: '确认批准',
  codeResend: '重新发送验证码',
  codeAttempts: '剩余尝试次数：{n}。',
  codeWrong: '验证码不正确。未做出批准。',
  codeExpired: '验证码已过期。请重新发送验证码。',
  codeNone: '尚未为此链接发送验证码，或已被更新的验证码取代。请重新发送验证码。',
  codeMalformed: '请输入邮件中的 6 位验证码。',
  codeSendsExhausted: '此审批已无法再发送验证码。请使用您收到的最新验证码。',
  codeLocked:
    '错误验证码次数过多：此链接的批准已被锁定，未做出批准。您仍可驳回；如需批准，请联系项目经理重新发起审批。',
  codeApproving: '您正在批准 {project} {period}：{total}。',
  codeSubject: '您的审批验证码：{project} {period}（{total}）',
  codeIntro: '您申请批准 {project} {period} 的结算（{total}）。您的一次性验证码：',
  codeValidity: '有效期 {minutes} 分钟（至 {date}），且仅在您申请验证码的页面上有效。',
  codeWarning:
    '请勿泄露此验证码。如果不是您本人申请的，可能有人持有您的审批链接：请勿按此邮件操作，并告知项目经理。',
};

const catalogs: Record<Locale, Messages> = { en, 'zh-CN': zhCN };

export function messages(locale: Locale): Messages {
  return catalogs[locale];
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? String(values[key]) : whole,
  );
}

/**
 * The page language: an explicit `?lang=` wins, then the Accept-Language preferences by q-value;
 * any Chinese tag gives zh-CN, everything else English.
 */
export function pickLocale(explicit: string | undefined, acceptLanguage: string | undefined): Locale {
  const normalise = (tag: string): Locale | undefined => {
    const t = tag.trim().toLowerCase();
    if (t === 'zh' || t.startsWith('zh-')) return 'zh-CN';
    if (t === 'en' || t.startsWith('en-')) return 'en';
    return undefined;
  };
  if (explicit) {
    const chosen = normalise(explicit);
    if (chosen) return chosen;
  }
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { tag, weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((x) => x.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { tag } of ranked) {
    const chosen = normalise(tag);
    if (chosen) return chosen;
  }
  return 'en';
}

/** "EUR 12,345.60": the exact decimal string, grouped; no floating point on the way. */
export function formatMoney(value: Money): string {
  const negative = value.amount.startsWith('-');
  const [whole = '0', fraction] = value.amount.replace(/^-/, '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${value.currency} ${negative ? '-' : ''}${grouped}${fraction !== undefined ? `.${fraction}` : ''}`;
}

/** "2026-12-08 14:00 UTC": unambiguous for approvers in any time zone. */
export function formatInstant(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** An amount in the page's language: €12,345.60 (en), ¥12,345.60 (zh-CN); exact, from the decimal string. */
export function formatMoneyIn(value: Money, locale: Locale): string {
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: value.currency,
    roundingMode: 'halfExpand',
  }) as unknown as { format(amount: string): string };
  return format.format(value.amount);
}

/** A contract check's title in the page's language (see checkTitleIn). */
export function checkTitle(locale: Locale, id: string, title: string): string {
  return checkTitleIn(locale, id, title);
}
