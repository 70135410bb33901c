import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import PostalMime from 'postal-mime';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from '#adapters/objects.ts';
import type { Charter } from '#domain/charter.ts';
import { parseCharter } from '#domain/charters.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks, mimeHeader } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DEMO = join(ROOT, 'demo', 'acme');

let runtime: LocalRuntime;
const links: string[] = [];
const sent: { to: string[]; mime: Buffer; purpose: string }[] = [];

beforeAll(async () => {
  runtime = await startLocalRuntime({
    tenantId: 'acme',
    tenantName: 'ACME Software GmbH',
    retryIntervalMs: 0,
    onEmail: (email) => {
      const mime = Buffer.from(email.mime);
      sent.push({ to: email.to, mime, purpose: email.path });
      links.push(...approvalLinks(mime));
    },
  });
  await importProject(join(DEMO, 'charter.json'), DEMO);
});

afterAll(async () => {
  await runtime?.stop();
});

interface Decoded {
  readonly to: string[];
  readonly subject: string;
  /** Body (text and HTML) and every attachment's content as text: PDF text, XLSX cells, CSV. */
  readonly texts: { what: string; text: string }[];
}

async function decode(mime: Buffer): Promise<Decoded> {
  const email = await PostalMime.parse(mime);
  const texts = [
    { what: 'subject', text: email.subject ?? '' },
    { what: 'text body', text: email.text ?? '' },
    { what: 'html body', text: email.html ?? '' },
  ];
  for (const attachment of email.attachments) {
    const bytes = new Uint8Array(
      typeof attachment.content === 'string'
        ? Buffer.from(attachment.content)
        : (attachment.content as ArrayBuffer),
    );
    const name = attachment.filename ?? '(unnamed)';
    if (attachment.mimeType === 'application/pdf') {
      const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
      texts.push({ what: name, text });
      // The raw bytes too: text a PDF holds outside its pages (metadata) counts.
      texts.push({ what: `${name} (raw)`, text: Buffer.from(bytes).toString('latin1') });
    } else if (attachment.mimeType.includes('spreadsheetml')) {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
      const cells: string[] = [];
      workbook.eachSheet((sheet) => {
        cells.push(`[sheet ${sheet.name}]`);
        sheet.eachRow((row) => {
          row.eachCell((cell) => {
            cells.push(String(cell.value));
            if (typeof cell.value === 'number') cells.push(cell.value.toFixed(2));
          });
        });
      });
      texts.push({ what: name, text: cells.join('\n') });
    } else {
      texts.push({ what: name, text: Buffer.from(bytes).toString('utf8') });
    }
  }
  return {
    to: email.to?.map((a) => ('address' in a ? (a.address ?? '') : '')) ?? [],
    subject: email.subject ?? '',
    texts,
  };
}

/** A decimal in every way a locale may print it: 1234.5 → 1234.50, 1,234.50, 1.234,50, 1 234,50 … */
function spellings(amount: string): string[] {
  const value = amount.replace(/^-/, '');
  const out = new Set([value]);
  for (const locale of ['en', 'zh-CN', 'de-DE', 'fr-FR', 'de-CH'])
    for (const digits of [0, 2]) {
      if (digits === 0 && !/\.0*$/.test(value)) continue;
      const format = new Intl.NumberFormat(locale, {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }) as unknown as { format(v: string): string };
      out.add(format.format(value));
    }
  return [...out];
}

/** The figure as a whole number in the text (not a part of a longer number). */
function containsFigure(text: string, figure: string): boolean {
  const escaped = figure.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s/g, '[\\s\\u00a0\\u202f]');
  return new RegExp(`(?<![\\d.,'\\u00a0\\u202f])${escaped}(?![\\d]|[.,]\\d)`).test(text);
}

/** Every internal figure of the settlement: cost amounts, cost rates, margin, allocations, budget. */
function internalFigures(statement: Statement, charter: Charter): { what: string; amount: string }[] {
  const figures: { what: string; amount: string }[] = [];
  for (const line of statement.lines) {
    figures.push({ what: `cost line ${line.id}`, amount: line.amount.amount });
    if (line.rate) figures.push({ what: `cost rate of ${line.id}`, amount: line.rate.amount });
  }
  for (const [category, money] of Object.entries(statement.totals.byCategory))
    figures.push({ what: `cost of ${category}`, amount: money.amount });
  figures.push({ what: 'total cost', amount: statement.totals.cost.amount });
  for (const rate of charter.rateCards)
    figures.push({ what: `cost rate ${rate.role}`, amount: rate.costRate });
  const margin = (Number(statement.billing.gross.amount) - Number(statement.totals.cost.amount)).toFixed(2);
  figures.push({ what: 'margin', amount: margin });
  for (const row of statement.variance.rows) {
    figures.push({ what: `budget ${row.id}`, amount: row.budget.amount });
    figures.push({ what: `variance ${row.id}`, amount: row.variance.amount });
  }
  // Zeros tell nothing and appear everywhere (a retention of 0.00).
  return figures.filter((f) => Number(f.amount) !== 0);
}

describe('distribute-statement', { timeout: 240_000 }, () => {
  it('sends one email per audience and language, and no internal figure or staff address to the client', async () => {
    const execution = runtime.sfn.startExecution(
      runtime.settlementArn,
      { tenantId: 'acme', projectId: 'atlas-portal', period: '2026-10', revision: 0, asOf: '2026-11-05' },
      'atlas-2026-10-audiences',
    );
    while (execution.status === 'RUNNING') {
      const link = links.shift();
      if (link) await approveByLink(link);
      else await new Promise((r) => setTimeout(r, 25));
    }
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    const state = execution.output as SettlementState;
    expect(state.outcome).toBe('settled');
    const id = state.settlement.settlementId;
    const statement = await getJson<Statement>(`final/${id}/statement.json`);
    const charter = parseCharter(
      JSON.parse(await (await import('node:fs/promises')).readFile(join(DEMO, 'charter.json'), 'utf8')),
      'demo charter',
    );

    const statementEmails = sent.filter((e) => mimeHeader(e.mime, 'X-Settlement-Id') === id);
    const decoded = await Promise.all(statementEmails.map((e) => decode(e.mime)));
    // Approval requests go out under the same settlement id; the statements are the rest.
    const distributed = decoded.filter((d) =>
      /^(Statement|Settlement statement|结算单|项目结算单) /.test(d.subject),
    );
    const clientAddresses = ['ap@northwind.example', 'maria.lopez@northwind.example'];
    const client = distributed.filter((d) => d.to.some((a) => clientAddresses.includes(a)));
    const internal = distributed.filter((d) => !d.to.some((a) => clientAddresses.includes(a)));

    // One email per group; no recipient sees another group's addresses.
    expect(client.map((d) => d.to.sort())).toEqual([clientAddresses]);
    expect(internal.map((d) => d.to.sort())).toEqual(
      expect.arrayContaining([['ceo@acme.example', 'digital-bu@acme.example'], ['li.wei@acme.example']]),
    );
    expect(internal).toHaveLength(2);
    const chinese = internal.find((d) => d.to.includes('li.wei@acme.example'));
    expect(chinese?.subject).toMatch(/^项目结算单 /);
    expect(chinese?.texts.find((t) => t.what.endsWith('.pdf'))?.text).toContain('应付净额');

    // The client's email holds the client statement: billing, net amount due; nothing internal.
    const [toClient] = client;
    if (!toClient) throw new Error('no client email');
    expect(toClient.texts.map((t) => t.what)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/-client\.pdf$/),
        expect.stringMatching(/-client\.csv$/),
      ]),
    );
    const everything = toClient.texts.map((t) => t.text).join('\n');
    expect(everything).toContain('Net amount due');
    const leaks: string[] = [];
    for (const figure of internalFigures(statement, charter))
      for (const spelling of spellings(figure.amount))
        for (const part of toClient.texts)
          if (containsFigure(part.text, spelling)) leaks.push(`${figure.what} (${spelling}) in ${part.what}`);
    for (const person of charter.people)
      for (const part of toClient.texts)
        if (part.text.includes(person.id)) leaks.push(`staff address ${person.id} in ${part.what}`);
    for (const approver of charter.approvers)
      for (const part of toClient.texts)
        if (part.text.includes(approver.email)) leaks.push(`staff address ${approver.email} in ${part.what}`);
    for (const word of ['Total cost', 'Cost lines', 'Accounting journal', 'Indirect', 'overhead'])
      for (const part of toClient.texts.filter((p) => !p.what.endsWith('(raw)')))
        if (part.text.toLowerCase().includes(word.toLowerCase())) leaks.push(`"${word}" in ${part.what}`);
    expect(leaks).toEqual([]);

    // The check itself finds internal figures where they are: in the internal brief.
    const brief = internal.find((d) => d.to.includes('ceo@acme.example'));
    const briefText = brief?.texts.map((t) => t.text).join('\n') ?? '';
    expect(spellings(statement.totals.cost.amount).some((s) => containsFigure(briefText, s))).toBe(true);
  });
});
