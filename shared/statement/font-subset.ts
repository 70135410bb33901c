import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';

/**
 * Font subsetting with HarfBuzz's hb-subset (the `harfbuzzjs` build, a WebAssembly module with no
 * imports) and WOFF 1.0 packaging with Node's zlib.
 *
 * Each source face is copied into the wasm memory and parsed once per process, then kept: a 10 MB
 * CJK face costs a copy and a parse that every subset of it would otherwise repeat. The subset is
 * a pure function of the face and the characters (HarfBuzz keeps every layout feature, as
 * `hb-subset --layout-features='*'` does), and so is its WOFF packaging (zlib at level 9 per
 * table), so a document that embeds it is byte-for-byte reproducible.
 *
 * WOFF rather than WOFF2: WOFF2's Brotli at its highest quality took 0.1–0.3 s of CPU per subset
 * (as WebAssembly) and its encoder 1.2 MB in every bundle that subsets; zlib is native, takes a few
 * milliseconds, and every browser that reads WOFF2 reads WOFF. The price is size: a subset is about
 * a fifth larger than its WOFF2 (see web-font.ts for the figures).
 */

/** The file `createRequire(...).resolve` finds; a Lambda bundle that names it gets it copied beside it (infra/cdk). */
export const SUBSET_WASM_FILE = 'harfbuzzjs/dist/harfbuzz-subset.wasm';

interface HarfBuzz {
  readonly memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  _initialize(): void;
  hb_blob_create(data: number, length: number, mode: number, userData: number, destroy: number): number;
  hb_blob_destroy(blob: number): void;
  hb_blob_get_data(blob: number, length: number): number;
  hb_blob_get_length(blob: number): number;
  hb_face_create(blob: number, index: number): number;
  hb_face_destroy(face: number): void;
  hb_face_reference_blob(face: number): number;
  hb_set_add(set: number, value: number): void;
  hb_set_clear(set: number): void;
  hb_set_invert(set: number): void;
  hb_subset_input_create_or_fail(): number;
  hb_subset_input_destroy(input: number): void;
  hb_subset_input_set(input: number, which: number): number;
  hb_subset_input_unicode_set(input: number): number;
  hb_subset_or_fail(face: number, input: number): number;
}

const HB_MEMORY_MODE_READONLY = 1;
const HB_SUBSET_SETS_LAYOUT_FEATURE_TAG = 6;

export class FontSubsetError extends Error {
  override name = 'FontSubsetError';
}

let harfbuzz: Promise<HarfBuzz> | undefined;

function loadHarfBuzz(): Promise<HarfBuzz> {
  harfbuzz ??= (async () => {
    const wasm = await readFile(createRequire(import.meta.url).resolve(SUBSET_WASM_FILE));
    const { instance } = await WebAssembly.instantiate(wasm, {});
    const exports = instance.exports as unknown as HarfBuzz;
    exports._initialize();
    return exports;
  })();
  harfbuzz.catch(() => {
    harfbuzz = undefined;
  });
  return harfbuzz;
}

/** Parsed faces in the wasm memory, by the identity of their source bytes (kept for the process). */
const faces = new WeakMap<Uint8Array, number>();

function faceOf(hb: HarfBuzz, font: Uint8Array): number {
  let face = faces.get(font);
  if (face === undefined) {
    const pointer = hb.malloc(font.byteLength);
    if (pointer === 0) throw new FontSubsetError(`no wasm memory for a ${font.byteLength}-byte face`);
    new Uint8Array(hb.memory.buffer).set(font, pointer);
    const blob = hb.hb_blob_create(pointer, font.byteLength, HB_MEMORY_MODE_READONLY, 0, 0);
    face = hb.hb_face_create(blob, 0);
    hb.hb_blob_destroy(blob);
    faces.set(font, face);
  }
  return face;
}

/**
 * The TrueType/OpenType subset of `font` holding the glyphs of `codePoints` (and what their layout
 * features reach), as an sfnt. The source bytes must not change while the process lives: their parsed
 * face is kept by identity.
 */
export async function subsetSfnt(font: Uint8Array, codePoints: Iterable<number>): Promise<Buffer> {
  const hb = await loadHarfBuzz();
  const face = faceOf(hb, font);
  const input = hb.hb_subset_input_create_or_fail();
  if (input === 0) throw new FontSubsetError('hb_subset_input_create_or_fail failed');
  let subset = 0;
  try {
    const features = hb.hb_subset_input_set(input, HB_SUBSET_SETS_LAYOUT_FEATURE_TAG);
    hb.hb_set_clear(features);
    hb.hb_set_invert(features);
    const unicodes = hb.hb_subset_input_unicode_set(input);
    for (const point of codePoints) hb.hb_set_add(unicodes, point);
    subset = hb.hb_subset_or_fail(face, input);
  } finally {
    hb.hb_subset_input_destroy(input);
  }
  if (subset === 0) throw new FontSubsetError('hb_subset_or_fail failed: the face could not be subset');
  const blob = hb.hb_face_reference_blob(subset);
  try {
    const length = hb.hb_blob_get_length(blob);
    if (length === 0) throw new FontSubsetError('the subset is empty');
    const data = hb.hb_blob_get_data(blob, 0);
    return Buffer.from(new Uint8Array(hb.memory.buffer, data, length));
  } finally {
    hb.hb_blob_destroy(blob);
    hb.hb_face_destroy(subset);
  }
}

const align4 = (n: number) => (n + 3) & ~3;

/**
 * An sfnt (TrueType or CFF OpenType) packaged as WOFF 1.0 (W3C, 2012): each table zlib-compressed
 * when that makes it smaller, 4-byte aligned, with its original checksum; no metadata, no private data.
 */
export function sfntToWoff(sfnt: Uint8Array): Buffer {
  const view = new DataView(sfnt.buffer, sfnt.byteOffset, sfnt.byteLength);
  if (sfnt.byteLength < 12) throw new FontSubsetError('not an sfnt: shorter than its header');
  const flavor = view.getUint32(0);
  const numTables = view.getUint16(4);
  if (sfnt.byteLength < 12 + 16 * numTables)
    throw new FontSubsetError('not an sfnt: truncated table directory');
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 12 + 16 * i;
    const offset = view.getUint32(at + 8);
    const length = view.getUint32(at + 12);
    if (offset + length > sfnt.byteLength)
      throw new FontSubsetError('not an sfnt: a table lies outside the file');
    const data = sfnt.subarray(offset, offset + length);
    const compressed = deflateSync(data, { level: 9 });
    return {
      tag: view.getUint32(at),
      checksum: view.getUint32(at + 4),
      length,
      stored: compressed.byteLength < length ? compressed : data,
    };
  }).sort((a, b) => a.tag - b.tag);
  const headerLength = 44 + 20 * numTables;
  let total = headerLength;
  const offsets = tables.map((table) => {
    const offset = total;
    total += align4(table.stored.byteLength);
    return offset;
  });
  const woff = Buffer.alloc(total);
  woff.writeUInt32BE(0x774f4646, 0); // 'wOFF'
  woff.writeUInt32BE(flavor, 4);
  woff.writeUInt32BE(total, 8);
  woff.writeUInt16BE(numTables, 12);
  woff.writeUInt32BE(12 + 16 * numTables + tables.reduce((sum, t) => sum + align4(t.length), 0), 16);
  woff.writeUInt16BE(1, 20); // majorVersion of the WOFF file (the font's own version is in its head table)
  tables.forEach((table, i) => {
    const at = 44 + 20 * i;
    woff.writeUInt32BE(table.tag, at);
    woff.writeUInt32BE(offsets[i] ?? 0, at + 4);
    woff.writeUInt32BE(table.stored.byteLength, at + 8);
    woff.writeUInt32BE(table.length, at + 12);
    woff.writeUInt32BE(table.checksum, at + 16);
    woff.set(table.stored, offsets[i] ?? 0);
  });
  return woff;
}
