import { escapeHtml as esc } from './i18n.ts';
import type { Locale } from './model.ts';
import type { ClauseLine } from './summary.ts';

/**
 * The approval page's clause coverage: each contract clause with the evidence a person confirmed
 * and whether it is fulfilled, so an approver sees which clauses were delivered on.
 */

const LABELS = {
  en: {
    title: 'Contract clauses',
    evidence: 'Confirmed evidence',
    none: 'no confirmed evidence',
    passed: 'Fulfilled',
    warning: 'Not fulfilled',
    failed: 'Not fulfilled',
    pending: 'Not yet due',
    blocking: 'blocking',
  },
  'zh-CN': {
    title: '合同条款',
    evidence: '已确认证据',
    none: '无已确认证据',
    passed: '已履行',
    warning: '未履行',
    failed: '未履行',
    pending: '未到期',
    blocking: '阻断性',
  },
} as const satisfies Record<Locale, Record<string, string>>;

/** The section's HTML; empty when there are no clauses. */
export function renderClauseSection(locale: Locale, clauses: readonly ClauseLine[] | undefined): string {
  if (!clauses?.length) return '';
  const m = LABELS[locale];
  const rows = clauses
    .map((c) => {
      const evidence = c.evidence.length ? c.evidence.join('; ') : m.none;
      const status = c.status === 'pending' ? 'muted' : c.status;
      return `<tr><td><strong>${esc(c.id)}${c.title ? ` ${esc(c.title)}` : ''}</strong><br><span class="muted">${esc(m.evidence)}: ${esc(evidence)}</span></td><td class="n ${status}">${esc(m[c.status])}${c.blocking ? ` (${esc(m.blocking)})` : ''}</td></tr>`;
    })
    .join('\n');
  return `<h2>${esc(m.title)}</h2>
<table><tbody>
${rows}
</tbody></table>`;
}
