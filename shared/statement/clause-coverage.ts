import type { ClauseRow, StatementLocale, StatementView } from './view.ts';

/**
 * The clause coverage table of a statement: each contract clause, the evidence a person confirmed
 * for it and whether that evidence is fulfilled as of the settlement date. One definition of the
 * rows for both renderers (HTML here, PDF through its own table drawing), labels in both locales.
 */

function e(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const LABELS = {
  en: {
    title: 'Contract clause coverage',
    clause: 'Clause',
    text: 'Text',
    evidence: 'Confirmed evidence',
    status: 'Status',
    fulfilled: 'Fulfilled',
    unfulfilled: 'Not fulfilled',
    unconfirmed: 'No confirmed evidence',
    notDue: 'not yet due',
    blocking: 'blocking',
    none: '—',
    note: 'Only evidence a person confirmed counts; a suggested match never does.',
  },
  'zh-CN': {
    title: '合同条款履行对照',
    clause: '条款',
    text: '内容',
    evidence: '已确认证据',
    status: '状态',
    fulfilled: '已履行',
    unfulfilled: '未履行',
    unconfirmed: '无已确认证据',
    notDue: '未到期',
    blocking: '阻断性',
    none: '—',
    note: '仅计入经人工确认的证据；系统建议的匹配不计入。',
  },
} as const satisfies Record<StatementLocale, Record<string, string>>;

export type ClauseLabels = (typeof LABELS)[StatementLocale];

export function clauseLabels(locale: StatementLocale): ClauseLabels {
  return LABELS[locale];
}

/** "Fulfilled", "Not fulfilled (not yet due)", "No confirmed evidence · blocking". */
export function clauseStatusText(row: ClauseRow, t: ClauseLabels): string {
  const parts: string[] = [t[row.status]];
  if (!row.due && row.status !== 'fulfilled') parts[0] = `${parts[0]} (${t.notDue})`;
  if (row.blocking) parts.push(t.blocking);
  return parts.join(' · ');
}

/** The table as plain cells (clause, text, evidence, status) for renderers that draw their own tables. */
export function clauseCoverageCells(view: Pick<StatementView, 'clauses' | 'locale'>): {
  readonly title: string;
  readonly note: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
} {
  const t = clauseLabels(view.locale);
  return {
    title: t.title,
    note: t.note,
    header: [t.clause, t.text, t.evidence, t.status],
    rows: (view.clauses ?? []).map((c) => [
      c.title ? `${c.id} ${c.title}` : c.id,
      c.text,
      c.evidence.length ? c.evidence.join('\n') : t.none,
      clauseStatusText(c, t),
    ]),
  };
}

/** The HTML section (starting with a line break, to follow the previous section); empty when the statement has no clauses. */
export function clauseCoverageHtml(view: Pick<StatementView, 'clauses' | 'locale'>): string {
  if (!view.clauses?.length) return '';
  const t = clauseLabels(view.locale);
  const cls = (c: ClauseRow) =>
    c.status === 'fulfilled'
      ? 'status-pass'
      : !c.due
        ? 'status-waived'
        : c.blocking
          ? 'status-fail'
          : 'flag-warning';
  const rows = view.clauses
    .map(
      (c) =>
        `<tr data-clause="${e(c.id)}"><td>${e(c.id)}${c.title ? `<br><strong>${e(c.title)}</strong>` : ''}</td><td>${e(c.text)}</td><td>${
          c.evidence.length ? c.evidence.map((x) => e(x)).join('<br>') : e(t.none)
        }</td><td><span class="status ${cls(c)}">${e(clauseStatusText(c, t))}</span></td></tr>`,
    )
    .join('\n');
  return `
<section class="clauses">
<h2>${e(t.title)}</h2>
<table>
<thead><tr><th>${e(t.clause)}</th><th>${e(t.text)}</th><th>${e(t.evidence)}</th><th>${e(t.status)}</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="note">${e(t.note)}</p>
</section>`;
}
