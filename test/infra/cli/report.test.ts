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

  it('writes the report of a zh-CN tenant in Chinese by default, to its own file, amounts as ¥1,234.56', async () => {
    const out = mkdtempSync(join(tmpdir(), 'portfolio-zh-'));
    const request = parsePortfolioArgs(
      { tenant: 'huajian', from: '2026-01-01', to: '2026-12-31', out },
      'zh-CN',
    );
    expect(request.locale).toBe('zh-CN');
    const review = {
      projectId: 'riverside-housing',
      projectName: '滨江安居工程（十个工地）',
      statementNumber: 'ST-HUAJIAN-2026-000001',
      period: { label: 'final', from: '2026-03-01', to: '2026-11-05' },
      currency: 'CNY',
      revenue: '22800000.00',
      cost: '17948495.00',
      roiPercent: '27.0',
      nps: null,
      npsResponses: 0,
      billableHours: '133384',
      capacityHours: '133384',
      utilisationPercent: '100.0',
      cpi: '1.0140',
      spi: '1.0000',
      approverComments: [
        { who: '陈静', decision: 'approved' as const, at: '2026-11-05T08:00:00Z', comment: '同意' },
      ],
    };
    const stdout = capture();
    expect(await runReport(request, { stdout: stdout.stream }, { loadReviews: async () => [review] })).toBe(
      0,
    );
    expect(readdirSync(out).sort()).toEqual([
      'portfolio-huajian-2026-01-01-2026-12-31.zh-CN.csv',
      'portfolio-huajian-2026-01-01-2026-12-31.zh-CN.html',
    ]);
    const html = readFileSync(join(out, 'portfolio-huajian-2026-01-01-2026-12-31.zh-CN.html'), 'utf8');
    expect(html).toContain('<html lang="zh-CN">');
    for (const label of ['项目组合复盘', '投资回报率', '资源利用率', '审批意见', '按币种合计', '竣工结算'])
      expect(html).toContain(label);
    expect(html).toContain('¥22,800,000.00');
    expect(html).toContain('¥17,948,495.00');
    expect(html).toContain('2026年1月1日 – 2026年12月31日');
    // The CJK characters it uses travel with it (no reliance on the reader's fonts).
    expect(html).toMatch(/@font-face\{font-family:"Statement Noto Sans SC";src:url\(data:font\/woff;base64,/);
    expect(html).not.toContain('>final<');
  });

  it('takes the language from --locale over the tenant’s', () => {
    expect(
      parsePortfolioArgs({ tenant: 'huajian', from: '2026-01-01', to: '2026-01-31', locale: 'en' }, 'zh-CN')
        .locale,
    ).toBe('en');
    expect(parsePortfolioArgs({ tenant: 'acme', from: '2026-01-01', to: '2026-01-31' }).locale).toBe('en');
  });
});
