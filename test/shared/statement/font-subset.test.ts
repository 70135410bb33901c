import { inflateSync } from 'node:zlib';
import * as fontkit from 'fontkit';
import { describe, expect, it } from 'vitest';
import { FontSubsetError, sfntToWoff, subsetSfnt } from '#statement/font-subset.ts';
import { statementFontBytes } from '#statement/fonts.ts';

const TEXT = '应付净额合同结算¥';
const points = [...TEXT].map((c) => c.codePointAt(0) ?? 0);

/** The sfnt tables of a font file: tag → bytes (WOFF tables inflated where they were compressed). */
function tablesOf(bytes: Buffer): Map<string, { data: Buffer; checksum: number }> {
  const tables = new Map<string, { data: Buffer; checksum: number }>();
  const woff = bytes.toString('latin1', 0, 4) === 'wOFF';
  const count = bytes.readUInt16BE(woff ? 12 : 4);
  for (let i = 0; i < count; i++) {
    const at = woff ? 44 + 20 * i : 12 + 16 * i;
    const tag = bytes.toString('latin1', at, at + 4);
    if (woff) {
      const [offset, stored, length, checksum] = [4, 8, 12, 16].map((d) => bytes.readUInt32BE(at + d)) as [
        number,
        number,
        number,
        number,
      ];
      expect(offset % 4).toBe(0);
      const raw = bytes.subarray(offset, offset + stored);
      const data = stored < length ? inflateSync(raw) : raw;
      expect(data.length).toBe(length);
      tables.set(tag, { data, checksum });
    } else {
      const [checksum, offset, length] = [4, 8, 12].map((d) => bytes.readUInt32BE(at + d)) as [
        number,
        number,
        number,
      ];
      tables.set(tag, { data: bytes.subarray(offset, offset + length), checksum });
    }
  }
  return tables;
}

describe('subsetting a face with hb-subset', () => {
  it('keeps the glyphs of the characters asked for, and only a few others', async () => {
    const sfnt = await subsetSfnt(statementFontBytes('cjk'), points);
    const font = fontkit.create(sfnt) as fontkit.Font;
    for (const point of points)
      expect({ point, has: font.hasGlyphForCodePoint(point) }).toEqual({ point, has: true });
    expect(font.hasGlyphForCodePoint('鑫'.codePointAt(0) ?? 0)).toBe(false);
    expect(font.numGlyphs).toBeLessThan(points.length * 3);
    const full = fontkit.create(statementFontBytes('cjk')) as fontkit.Font;
    // The same outline as in the full face.
    expect(font.layout('应').glyphs[0]?.path.toSVG()).toBe(full.layout('应').glyphs[0]?.path.toSVG());
  });

  it('gives the same bytes for the same characters, the face parsed once per process', async () => {
    const [a, b] = [
      await subsetSfnt(statementFontBytes('cjkBold'), points),
      await subsetSfnt(statementFontBytes('cjkBold'), points),
    ];
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(a, await subsetSfnt(statementFontBytes('cjk'), points))).not.toBe(0);
  });
});

describe('WOFF packaging', () => {
  it('holds every table of the sfnt, byte for byte, with its checksum, sorted and 4-byte aligned', async () => {
    const sfnt = await subsetSfnt(statementFontBytes('cjk'), points);
    const woff = sfntToWoff(sfnt);
    expect(woff.toString('latin1', 0, 4)).toBe('wOFF');
    expect(woff.readUInt32BE(4)).toBe(sfnt.readUInt32BE(0));
    expect(woff.readUInt32BE(8)).toBe(woff.length);
    const original = tablesOf(sfnt);
    const packed = tablesOf(woff);
    expect([...packed.keys()]).toEqual([...original.keys()].sort());
    for (const [tag, table] of original) {
      expect({
        tag,
        same: Buffer.compare(packed.get(tag)?.data ?? Buffer.alloc(0), table.data) === 0,
      }).toEqual({
        tag,
        same: true,
      });
      expect(packed.get(tag)?.checksum).toBe(table.checksum);
    }
    // totalSfntSize: the sfnt rebuilt from the WOFF, tables padded to 4 bytes.
    const padded = [...original.values()].reduce((sum, t) => sum + ((t.data.length + 3) & ~3), 0);
    expect(woff.readUInt32BE(16)).toBe(12 + 16 * original.size + padded);
    expect(woff.length).toBeLessThan(sfnt.length);
  });

  it('is read by fontkit as the same font', async () => {
    const sfnt = await subsetSfnt(statementFontBytes('cjk'), points);
    const fromWoff = fontkit.create(sfntToWoff(sfnt)) as fontkit.Font;
    const fromSfnt = fontkit.create(sfnt) as fontkit.Font;
    expect(fromWoff.numGlyphs).toBe(fromSfnt.numGlyphs);
    expect(fromWoff.layout(TEXT).glyphs.map((g) => g.path.toSVG())).toEqual(
      fromSfnt.layout(TEXT).glyphs.map((g) => g.path.toSVG()),
    );
  });

  it('refuses what is not an sfnt', () => {
    expect(() => sfntToWoff(Buffer.from('not a font'))).toThrow(FontSubsetError);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(3, 4);
    expect(() => sfntToWoff(header)).toThrow(/truncated table directory/);
  });
});
