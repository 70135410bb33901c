import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JournalLineError, JournalUnbalancedError } from '#statement/errors.ts';
import { assertJournalBalanced, renderJournalCsv, sumDecimals } from '#statement/journal.ts';
import type { JournalLine } from '#statement/view.ts';
import { loadView } from './fixture.ts';

const line = (account: string, debit: string, credit: string, entry?: string): JournalLine => ({
  date: '2025-03-31',
  account,
  debit,
  credit,
  memo: 'test',
  ...(entry ? { entry } : {}),
});

describe('journal export', () => {
  it('exports the balanced journal with one row per line and the statement number', () => {
    const csv = renderJournalCsv(loadView());
    const rows = csv.slice(1).trimEnd().split('\r\n');
    expect(rows).toHaveLength(6);
    expect(rows[1]).toBe(
      '2025-03-31,J1,1200,Accounts receivable,,109427.87,0.00,EUR,ST-2025-000042 net due,ST-2025-000042',
    );
  });

  it('throws JournalUnbalancedError naming the totals when debits and credits differ', () => {
    const view = loadView();
    const journal = view.journal.map((l, i) => (i === 0 ? { ...l, debit: '109427.86' } : l));
    expect(() => renderJournalCsv({ ...view, journal })).toThrow(JournalUnbalancedError);
    try {
      assertJournalBalanced([line('1', '10.00', '0'), line('2', '0', '10.01')]);
    } catch (error) {
      expect(error).toBeInstanceOf(JournalUnbalancedError);
      expect((error as JournalUnbalancedError).name).toBe('JournalUnbalancedError');
      expect((error as JournalUnbalancedError).debit).toBe('10');
      expect((error as JournalUnbalancedError).credit).toBe('10.01');
    }
  });

  it('throws when one entry is off even if the whole journal balances', () => {
    const lines = [
      line('1', '10', '0', 'A'),
      line('2', '0', '9', 'A'),
      line('3', '1', '0', 'B'),
      line('4', '0', '2', 'B'),
    ];
    expect(() => assertJournalBalanced(lines)).toThrow(/entry A does not balance/);
  });

  it('rejects a line with both sides or a negative amount', () => {
    expect(() => assertJournalBalanced([line('1', '5', '5')])).toThrow(JournalLineError);
    expect(() => assertJournalBalanced([line('1', '-5', '0'), line('2', '0', '-5')])).toThrow(
      JournalLineError,
    );
  });

  it('accepts any journal built from balanced pairs, with exact decimal sums', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 15n }), { minLength: 1, maxLength: 30 }),
        (cents) => {
          const lines = cents.flatMap((c, i) => {
            const amount = `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;
            return [line(`D${i}`, amount, '0.00', `E${i}`), line(`C${i}`, '0.00', amount, `E${i}`)];
          });
          expect(() => assertJournalBalanced(lines)).not.toThrow();
          expect(sumDecimals(lines.map((l) => l.debit))).toBe(sumDecimals(lines.map((l) => l.credit)));
        },
      ),
    );
  });
});
