import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { main } from '../../../infra/cli/settle.ts';
import { capture } from '../../support/cli-io.ts';

/**
 * The zh-CN demo tenant end to end (`npm start -- --tenant huajian`): ten construction sites settled
 * against their supplier contract prices, approved by a chain of two through the approval endpoint,
 * archived — and what people read is Chinese: the run summary, the HTML and the PDF statement.
 */

const dataDir = join(mkdtempSync(join(tmpdir(), 'settle-demo-')), 'huajian');

async function pdfText(bytes: Uint8Array): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text;
}

describe('the huajian demo (zh-CN, ten construction sites)', () => {
  it('settles, and the summary, the HTML and the PDF state the 18 % material overrun at site 07 in Chinese', async () => {
    const out = capture();
    const err = capture();
    const code = await main(['demo', '--tenant', 'huajian', '--yes', '--port', '0', '--data-dir', dataDir], {
      stdout: out.stream,
      stderr: err.stream,
    });
    const stdout = out.text();
    expect(code, stdout + err.text()).toBe(0);

    // The run summary, in the project's language, amounts as ¥1,234.56.
    expect(stdout).toContain('结果：已结算 — 结算单 ST-HUAJIAN-2026-000001');
    expect(stdout).toContain('合计（CNY）：成本 ¥17,948,495.00');
    expect(stdout).toContain('! 材料 · 07号工地：超出预算 18.0%（+¥180,000.00，预算 ¥1,000,000.00）');
    expect(stdout).toContain('合同价对比：价差 +¥44,300.00，量差 +¥154,100.00');
    expect(stdout).toContain('07号工地：价差 +¥35,000.00，量差 +¥131,800.00，合计 +¥166,800.00（14.7%）');
    expect(stdout).toContain('归档校验：OK');
    expect(stdout).not.toContain('Totals (');

    const statements = join(dataDir, 'statements', 'riverside-housing_final_r0');
    const pdf = await pdfText(readFileSync(join(statements, 'statement.pdf')));
    for (const label of [
      '项目结算单',
      '竣工结算',
      '固定总价',
      '偏差分析',
      '供应商合同价对比',
      '按工地',
      '按供应商',
      '价差',
      '量差',
    ])
      expect(pdf).toContain(label);
    // The site's materials: 18 % over budget, critical, with its cause in Chinese.
    expect(pdf).toContain(
      '材料 · 07号工地 1,000,000.00 1,180,000.00 180,000.00 18.0% 严重 材料 · 07号工地：超出预算',
    );
    // Against contract prices: 180 m³ concrete and 10 t rebar over plan, rebar invoiced at ¥4,450 instead of ¥4,100.
    expect(pdf).toContain(
      '07号工地 1,137,000.00 1,268,800.00 1,303,800.00 35,000.00 131,800.00 166,800.00 14.7%',
    );
    expect(pdf).toContain(
      '合计 11,370,000.00 11,524,100.00 11,568,400.00 44,300.00 154,100.00 198,400.00 1.7%',
    );
    expect(pdf).toContain(
      '沙钢集团钢材销售有限公司 3,690,000.00 3,735,100.00 3,770,100.00 35,000.00 45,100.00 80,100.00 2.2%',
    );
    // No English left from the engine: categories, line descriptions, check titles.
    expect(pdf).not.toMatch(/\b(materials|equipment|labour|from|reached by|Acceptance)\b/);

    const html = readFileSync(join(statements, 'statement.html'), 'utf8');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('供应商合同价对比');
    expect(html).toContain('¥17,948,495.00');
    expect(html).toContain('材料 · 07号工地：超出预算 18.0%（+¥180,000.00，预算 ¥1,000,000.00）');
    expect(html).toContain('里程碑：全部工地竣工交付');
    expect(html).toContain('质保金 5%，最终验收前扣留');
    expect(html).not.toMatch(/\b(accepted on|withheld|equipment cost|billing net)\b/);

    // The approvers' emails and the business-unit brief are Chinese too.
    const outbox = join(dataDir, 'outbox');
    const emails = await Promise.all(
      readdirSync(outbox)
        .filter((f) => f.endsWith('.eml'))
        .sort()
        .map(async (f) => PostalMime.parse(readFileSync(join(outbox, f)))),
    );
    expect(emails).toHaveLength(3);
    expect(emails[0]?.subject).toContain('请审批：滨江安居工程（十个工地）');
    const brief = emails[2];
    expect(brief?.subject).toBe('项目结算单 ST-HUAJIAN-2026-000001：滨江安居工程（十个工地），竣工结算');
    expect(brief?.text).toContain('供应商合同价对比：价差 +¥44,300.00，量差 +¥154,100.00。');
    expect(brief?.attachments.map((a) => a.filename)).toEqual(['ST-HUAJIAN-2026-000001.pdf']);
  }, 300_000);
});
