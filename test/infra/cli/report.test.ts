import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePortfolioArgs, runReport } from '../../../infra/cli/commands/report.ts';
import { UsageError } from '../../../infra/cli/usage-error.ts';
import { capture } from '../../support/cli-io.ts';

describe('settle report portfolio', () => {
  it('writes one HTML and one CSV per locale, side by side', async () => {
    const out = mkdtempSync(join(tmpdir(), 'portfolio-'));
    const loads: string[] = [];
    const deps = {
      loadReviews: async (tenant: string, from: string, to: string) => {
        loads.push(`${tenant} ${from} ${to}`);
        return [];
      },
    };
    for (const locale of ['en', 'zh-CN']) {
      const request = parsePortfolioArgs({
        tenant: 'acme',
        from: '2026-01-01',
        to: '2026-12-31',
        locale,
        out,
      });
      expect(await runReport(request, { stdout: capture().stream }, deps)).toBe(0);
    }
    expect(readdirSync(out).sort()).toEqual([
      'portfolio-acme-2026-01-01-2026-12-31.en.csv',
      'portfolio-acme-2026-01-01-2026-12-31.en.html',
      'portfolio-acme-2026-01-01-2026-12-31.zh-CN.csv',
      'portfolio-acme-2026-01-01-2026-12-31.zh-CN.html',
    ]);
    expect(readFileSync(join(out, 'portfolio-acme-2026-01-01-2026-12-31.zh-CN.html'), 'utf8')).toContain(
      '项目组合复盘',
    );
    expect(readFileSync(join(out, 'portfolio-acme-2026-01-01-2026-12-31.en.html'), 'utf8')).toContain(
      'Portfolio review',
    );
    expect(loads).toEqual(['acme 2026-01-01 2026-12-31', 'acme 2026-01-01 2026-12-31']);
  });

  it('refuses impossible dates and a reversed range', () => {
    const parse = (from: string, to: string) => () => parsePortfolioArgs({ tenant: 'acme', from, to });
    expect(parse('2026-13-01', '2026-12-31')).toThrow(UsageError);
    expect(parse('2026-04-31', '2026-12-31')).toThrow("--from '2026-04-31': a calendar date YYYY-MM-DD");
    expect(parse('2026-12-31', '2026-01-01')).toThrow('--to 2026-01-01 is before --from 2026-12-31');
    expect(parse('2026-01-01', '2026-01-01')).not.toThrow();
  });
});
