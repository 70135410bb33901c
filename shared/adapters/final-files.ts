import { z } from 'zod';
import { parseCharter } from '#domain/charters.ts';
import { netOfCarried } from '#domain/late-edits.ts';
import { reviseStatement } from '#domain/periods.ts';
import type { RecipientGroup } from '#domain/recipients.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementRef } from '#domain/workflow.ts';
import { type RenderedDocuments, renderDistribution, renderRevisionNote } from '#statement/documents.ts';
import { journalOf, type ReplacedJournal } from '#statement/ledger.ts';
import { JournalLine, type StatementView } from '#statement/view.ts';
import { tenantLocale } from './config.ts';
import { carriedLateEdits } from './late-edits.ts';
import { getJson, getObject, objectKeys, putJson, putObject } from './objects.ts';
import { getCharter, getPeriodLock, getSettlement } from './settlement-store.ts';

const ReplacedJournalFile = z.object({ number: z.string().min(1), lines: z.array(JournalLine) });

/** What Finalise writes under `final/<settlementId>/`: the documents people receive and the archive keeps. */

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * The final statement in every format with its journal, each recipient group's documents, and the
 * plan Distribute sends from (`distribution.json`). Overwrites on a re-run: the same bytes again.
 */
export async function writeFinalDocuments(
  settlementId: string,
  documents: RenderedDocuments,
  groups: readonly RecipientGroup[],
): Promise<void> {
  const put = (name: string, content: string | Uint8Array, type: string) =>
    putObject(objectKeys.final(settlementId, name), content, type);
  await put('statement.json', documents.json, 'application/json');
  await put('statement.html', documents.html, 'text/html; charset=utf-8');
  await put('statement.pdf', documents.pdf, 'application/pdf');
  await put('statement.csv', documents.csv, 'text/csv; charset=utf-8');
  await put('statement.xlsx', documents.xlsx, XLSX);
  await put('journal.csv', documents.journalCsv, 'text/csv; charset=utf-8');
  await put('journal.json', documents.journalJson, 'application/json');
  await put('journal.quickbooks.csv', documents.journalQuickBooksCsv, 'text/csv; charset=utf-8');
  if (documents.journalSapXml) await put('journal.sap.xml', documents.journalSapXml, 'application/xml');
  const distribution = await renderDistribution(documents.view, groups);
  for (const file of distribution.files) await put(file.name, file.content, file.contentType);
  await putJson(objectKeys.final(settlementId, 'distribution.json'), distribution.emails);
}

/**
 * The journal a revision replaces: the locked statement's `journal.json`, with the number it was
 * issued under. Undefined when this is no revision of a locked period.
 */
export async function replacedJournal(settlement: SettlementRef): Promise<ReplacedJournal | undefined> {
  const lock = await getPeriodLock(settlement.projectId, settlement.period);
  if (!lock || Number(lock.revision) >= settlement.revision) return undefined;
  const previousId = String(lock.settlementId);
  const stored = await getObject(objectKeys.final(previousId, 'journal.json'));
  if (stored) return ReplacedJournalFile.parse(JSON.parse(Buffer.from(stored).toString('utf8')));
  // Settled before journals were kept as JSON: the same pure journal again, from the locked
  // statement and the charter version it was settled under.
  const previous = await getJson<Statement>(objectKeys.final(previousId, 'statement.json'));
  const item = await getSettlement(settlement.projectId, settlement.period, Number(lock.revision));
  const charter = parseCharter(
    (await getCharter(settlement.projectId, Number(item?.charterVersion))).charter,
    `charter of ${settlement.projectId}`,
  );
  const number = String(item?.statementNumber ?? previousId);
  return {
    number,
    lines: journalOf(previous, charter, previous.asOf, undefined, charter.locale ?? tenantLocale()),
  };
}

/**
 * A revision of a settled period: the difference against the locked statement is issued as a credit
 * or debit note that names the statement it corrects (the previous statement stays as it was), net of
 * the period's late edits that later statements already carried forward.
 * Returns the note's kind, or undefined when this is no revision or nothing changed.
 */
export async function writeRevisionNote(
  settlement: SettlementRef,
  statement: Statement,
  view: StatementView,
): Promise<'credit-note' | 'debit-note' | undefined> {
  const lock = await getPeriodLock(settlement.projectId, settlement.period);
  if (!lock || Number(lock.revision) >= settlement.revision) return undefined;
  const previousId = String(lock.settlementId);
  const previous = await getJson<Statement>(objectKeys.final(previousId, 'statement.json'));
  const previousItem = await getSettlement(settlement.projectId, settlement.period, Number(lock.revision));
  const current = await getSettlement(settlement.projectId, settlement.period, settlement.revision);
  // Late edits of the period that later statements already carried are not settled twice.
  const note = netOfCarried(
    reviseStatement(previous, statement, current?.reason as string | undefined),
    await carriedLateEdits(settlement.projectId, settlement.period, previousId),
    statement.counterparty.type === 'client',
  );
  if (note.kind === 'none') return undefined;
  const rendered = await renderRevisionNote(note, view, String(previousItem?.statementNumber ?? previousId));
  const id = settlement.settlementId;
  await putObject(
    objectKeys.final(id, `${note.kind}.json`),
    `${JSON.stringify(note, null, 2)}\n`,
    'application/json',
  );
  await putObject(objectKeys.final(id, `${note.kind}.html`), rendered.html, 'text/html; charset=utf-8');
  return note.kind;
}
