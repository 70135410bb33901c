/**
 * Generates the 华建 (Huajian) demo tenant's source files for its ten-site construction project
 * (deterministic: the same rows every run; the XLSX container carries its write time). Run:
 * `node demo/huajian/generate.ts` (Node 24). The outputs
 * are committed.
 *
 * - 材料领料单 (material requisitions, XLSX): concrete and rebar from the two contracted suppliers,
 *   small materials from the site stores; monthly, March–October 2026;
 * - 机械租赁 (machinery rental, CSV): tower cranes and excavators per 台班 (machine shift);
 * - 施工日志 (site daily logs, CSV): crew hours per site and working day;
 * - 竣工验收 (acceptance, CSV): the handover of all sites.
 *
 * Site 07 is the seed's case: its materials come in 18 % over budget — 180 m³ more concrete than
 * planned (at the agreed price) and rebar both over quantity and invoiced above the contract price.
 * Site 03's crane hire is charged above the agreed shift rate (price variance within the threshold).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';

const here = dirname(fileURLToPath(import.meta.url));

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(20261031);
const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

/** Yuan from fen, exactly ("1234.50"). */
const yuan = (fen: number) => `${Math.trunc(fen / 100)}.${String(Math.abs(fen % 100)).padStart(2, '0')}`;
const csv = (rows: readonly (readonly (string | number)[])[]) =>
  `${rows.map((r) => r.map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v))).join(',')).join('\n')}\n`;

const SITES = Array.from({ length: 10 }, (_, i) => `${String(i + 1).padStart(2, '0')}号工地`);
const MONTHS = ['03', '04', '05', '06', '07', '08', '09', '10'];
const CONCRETE = { supplier: '华润商品混凝土有限公司', item: 'C30 商品混凝土', unit: 'm³', fen: 48000 };
const REBAR = { supplier: '沙钢集团钢材销售有限公司', item: 'HRB400 螺纹钢', unit: 't', fen: 410000 };
const CRANE = { supplier: '宏达机械租赁有限公司', item: '塔式起重机', unit: '台班', fen: 260000 };
const EXCAVATOR = { supplier: '广联工程机械有限公司', item: '挖掘机', unit: '台班', fen: 180000 };

/** Splits a total quantity over the eight months (integers, summing to the total). */
function monthly(total: number): number[] {
  const weights = MONTHS.map(() => 6 + between(0, 6));
  const sum = weights.reduce((s, w) => s + w, 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  parts[parts.length - 1] = (parts.at(-1) ?? 0) + total - parts.reduce((s, p) => s + p, 0);
  return parts;
}

// ── Material requisitions ────────────────────────────────────────────────────────────────────────
const requisitions: (string | number)[][] = [];
let requisitionNo = 0;
const requisition = (
  site: string,
  month: string,
  day: number,
  m: typeof CONCRETE | { supplier: string; item: string; unit: string },
  qty: number,
  priceFen: number,
) => {
  requisitionNo += 1;
  requisitions.push([
    `LL-2026-${String(requisitionNo).padStart(4, '0')}`,
    `2026-${month}-${String(day).padStart(2, '0')}`,
    site,
    m.item,
    m.supplier,
    qty,
    m.unit,
    yuan(priceFen),
    yuan(qty * priceFen),
    'CNY',
  ]);
};
for (const site of SITES) {
  const seven = site === '07号工地';
  const concrete = seven ? 1380 : 1200 + between(-10, 10);
  const rebar = seven ? 100 : 90 + between(-2, 1);
  const rebarFen = seven ? 445000 : REBAR.fen;
  const concreteByMonth = monthly(concrete);
  const rebarByMonth = monthly(rebar);
  MONTHS.forEach((month, i) => {
    requisition(site, month, 5 + i, CONCRETE, concreteByMonth[i] ?? 0, CONCRETE.fen);
    requisition(site, month, 12 + i, REBAR, rebarByMonth[i] ?? 0, rebarFen);
  });
  // Small materials from the site stores (no supplier contract): blocks, formwork, sundries.
  const stores = seven ? 72600 : between(30000, 40000); // yuan
  const storesByMonth = monthly(stores).map((y) => y * 100);
  MONTHS.forEach((month, i) => {
    requisition(
      site,
      month,
      20,
      { supplier: '项目部仓库', item: '砌块、模板及辅材', unit: '批' },
      1,
      storesByMonth[i] ?? 0,
    );
  });
}

// ── Machinery rental ────────────────────────────────────────────────────────────────────────────
const rentals: (string | number)[][] = [
  ['单号', '日期', '工地', '设备', '供应商', '数量', '单位', '单价', '金额', '币种'],
];
let rentalNo = 0;
for (const site of SITES) {
  const shifts = 60 + between(-1, 2);
  const craneFen = site === '03号工地' ? 275000 : CRANE.fen;
  const excavator = 20 + between(-1, 1);
  for (const [m, qty, fen] of [
    [CRANE, shifts, craneFen],
    [EXCAVATOR, excavator, EXCAVATOR.fen],
  ] as const) {
    for (const [month, part] of monthly(qty).map((p, i) => [MONTHS[i] ?? '10', p] as const)) {
      if (part === 0) continue;
      rentalNo += 1;
      rentals.push([
        `ZL-2026-${String(rentalNo).padStart(4, '0')}`,
        `2026-${month}-28`,
        site,
        m.item,
        m.supplier,
        part,
        m.unit,
        yuan(fen),
        yuan(part * fen),
        'CNY',
      ]);
    }
  }
}

// ── Site daily logs ─────────────────────────────────────────────────────────────────────────────
const logs: (string | number)[][] = [['日期', '工地', '班组', '工种', '开始时间', '工时', '施工内容']];
const WORK = [
  '基础施工',
  '主体结构浇筑',
  '钢筋绑扎',
  '模板安装',
  '砌体施工',
  '屋面施工',
  '装饰装修',
  '竣工清理',
];
for (
  let day = new Date(Date.UTC(2026, 2, 2));
  day < new Date(Date.UTC(2026, 9, 31));
  day.setUTCDate(day.getUTCDate() + 1)
) {
  if (day.getUTCDay() === 0) continue; // Sundays off
  const date = day.toISOString().slice(0, 10);
  const phase = WORK[Math.min(WORK.length - 1, day.getUTCMonth() - 2)] ?? '施工';
  for (const site of SITES)
    logs.push([date, site, `${site}综合班组`, '施工人员', '07:30', 8 * (7 + between(0, 2)), phase]);
}

// ── Acceptance ──────────────────────────────────────────────────────────────────────────────────
const acceptance = [
  ['里程碑', '验收日期', '签字人', '文件', '备注'],
  [
    'handover',
    '2026-10-30',
    '王建国（工程管理部总经理）',
    'acceptance/2026-10-30-竣工验收报告.pdf',
    '十个工地均通过竣工验收，工程质量合格',
  ],
];

const workbook = new ExcelJS.Workbook();
workbook.created = new Date(Date.UTC(2026, 10, 1));
workbook.modified = workbook.created;
const sheet = workbook.addWorksheet('领料单');
sheet.addRow(['领料单号', '日期', '工地', '材料', '供应商', '数量', '单位', '单价', '金额', '币种']);
for (const row of requisitions) sheet.addRow(row);
writeFileSync(join(here, 'material-requisitions.xlsx'), Buffer.from(await workbook.xlsx.writeBuffer()));
writeFileSync(join(here, 'machinery-rental.csv'), csv(rentals));
writeFileSync(join(here, 'site-daily-logs.csv'), csv(logs));
writeFileSync(join(here, 'acceptance.csv'), csv(acceptance));
console.log(
  `${requisitions.length} requisitions, ${rentals.length - 1} rentals, ${logs.length - 1} daily log rows`,
);
