import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { CostRecord, EvidenceRecord, TimeRecord } from '#domain/records.ts';
import { demoFile, fixture } from './helpers.ts';

describe('generic CSV/XLSX profiles', () => {
  it('reads overheads as indirect costs', async () => {
    const result = await normalizeFile('csv', demoFile('overheads-2026-10.csv'), {
      profile: 'overhead',
      projectRef: 'atlas',
    });
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.sourceId, c.category, c.amount, c.vendor])).toEqual([
      ['overhead-OH-2026-10-01', 'indirect', '3200', 'Spreeufer Immobilien GmbH'],
      ['overhead-OH-2026-10-02', 'indirect', '277.78', 'internal'],
      ['overhead-OH-2026-10-03', 'indirect', '412.5', 'internal'],
    ]);
  });

  it('reads an acceptance record as evidence for its milestone', async () => {
    const result = await normalizeFile('csv', demoFile('acceptance-2026-10.csv'), {
      profile: 'acceptance',
      projectRef: 'atlas',
    });
    const evidence = result.records as EvidenceRecord[];
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatchObject({
      kind: 'evidence',
      type: 'acceptance',
      milestone: 'm1-discovery',
      date: '2026-10-16',
      reference: 'acceptance/2026-10-16-m1-discovery-signed.pdf',
      projectRef: 'atlas',
    });
    expect(evidence[0]?.by).toContain('Northwind Retail');
  });

  it('prices material requisitions as quantity × unit price exactly, per site', async () => {
    const result = await normalizeFile('csv', fixture('generic/material-requisition.csv'), {
      profile: 'material-requisition',
      projectRef: 'tower',
    });
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.amount, c.quantity, c.unit, c.workPackage, c.category])).toEqual([
      ['5032', '42.5', 'm3', 'Site Nord', 'materials'],
      ['2964', '3.25', 't', 'Site Nord', 'materials'],
    ]);
    expect(result.quarantined[0]).toMatchObject({ reason: 'invalid-amount', position: 'line 4' });
  });

  it('reads equipment rental with CRLF and thousands separators', async () => {
    const result = await normalizeFile('csv', fixture('generic/equipment-rental.csv'), {
      profile: 'equipment-rental',
      projectRef: 'tower',
    });
    expect((result.records as CostRecord[]).map((c) => [c.amount, c.unit, c.vendor])).toEqual([
      ['25300', 'day', 'Kranverleih Berlin'],
      ['997.5', 'day', 'Baumaschinen Meyer'],
    ]);
  });

  it('reads site daily logs as time on a site and quarantines unreadable hours', async () => {
    const result = await normalizeFile('csv', fixture('generic/site-daily-log.csv'), {
      profile: 'site-daily-log',
      projectRef: 'tower',
      tz: 'Europe/Berlin',
    });
    const times = result.records as TimeRecord[];
    expect(times.map((t) => [t.person, t.role, t.seconds, t.start, t.workPackage])).toEqual([
      ['crew-a', 'concrete', 30_600, '2026-10-05T05:00:00Z', 'Site Nord'],
      ['crew-b', 'formwork', 27_900, '2026-10-05T05:00:00Z', 'Site Nord'],
    ]);
    expect(result.quarantined[0]).toMatchObject({ reason: 'invalid-duration', position: 'line 4' });
    expect(result.quarantined[0]?.message).toContain('`hours`');
  });

  it('reads NPS scores as evidence and rejects scores out of range', async () => {
    const result = await normalizeFile('csv', fixture('generic/nps.csv'), {
      profile: 'nps',
      projectRef: 'atlas',
    });
    expect(result.records[0]).toMatchObject({
      type: 'nps',
      score: 60,
      reference: 'R-1',
      by: 'maria.lopez@northwind.example',
    });
    expect(result.quarantined[0]).toMatchObject({ reason: 'invalid-score', position: 'line 3' });
  });

  it('reads XLSX with a custom column mapping', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Costs');
    sheet.addRow(['Booking', 'Kostenstelle', 'Betrag', 'Währung', 'Lieferant']);
    sheet.addRow([new Date(Date.UTC(2026, 9, 31)), 'atlas', 1234.5, 'EUR', 'Stadtwerke']);
    sheet.addRow(['not a date', 'atlas', 10, 'EUR', 'X']);
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    const result = await normalizeFile('xlsx', bytes, {
      kind: 'cost',
      category: 'indirect',
      columns: {
        date: 'Booking',
        project: 'Kostenstelle',
        amount: 'Betrag',
        currency: 'Währung',
        vendor: 'Lieferant',
      },
    });
    expect(result.records[0]).toMatchObject({
      date: '2026-10-31',
      amount: '1234.5',
      category: 'indirect',
      projectRef: 'atlas',
      vendor: 'Stadtwerke',
    });
    expect(result.quarantined[0]).toMatchObject({ reason: 'invalid-date', position: 'row 3' });
  });

  it('gives rows without an id the same content id every time, and identical rows distinct ids', async () => {
    const csv = new TextEncoder().encode(
      'date,amount,currency\n2026-10-01,10.00,EUR\n2026-10-01,10.00,EUR\n',
    );
    const first = await normalizeFile('csv', csv, { profile: 'overhead', projectRef: 'p' });
    const second = await normalizeFile('csv', csv, { profile: 'overhead', projectRef: 'p' });
    expect(first.records).toHaveLength(2);
    expect(first.records.map((r) => r.sourceId)).toEqual(second.records.map((r) => r.sourceId));
    expect(first.records[1]?.sourceId).toMatch(/~2$/);
  });

  it('refuses an unknown profile', async () => {
    await expect(normalizeFile('csv', new Uint8Array(), { profile: 'horoscope' })).rejects.toThrow(/profile/);
  });
});

describe('shifted CSV rows', () => {
  it('quarantines a row with more cells than headers instead of misplacing its fields', async () => {
    const csv = new TextEncoder().encode(
      'milestone,signed on,signed by,reference\nm1,2026-10-16,Lopez, Maria,doc.pdf\n',
    );
    const result = await normalizeFile('csv', csv, { profile: 'acceptance', projectRef: 'p' });
    expect(result.records).toEqual([]);
    expect(result.quarantined[0]).toMatchObject({ reason: 'column-count', position: 'line 2' });
  });
});
