import { inflateRawSync } from 'node:zlib';

/** A ZIP archive could not be read; the message says why (truncated, ZIP64, encrypted, …). */
export class ZipArchiveError extends Error {
  override name = 'ZipArchiveError';
}

/** Read access to the files of a ZIP archive held in memory; entries are inflated when asked for. */
export interface ZipArchive {
  readonly names: readonly string[];
  has(name: string): boolean;
  /** The entry's bytes, or undefined when the archive has no such file. */
  read(name: string): Uint8Array | undefined;
}

interface Entry {
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** A part larger than this is refused rather than inflated (a ZIP bomb must not exhaust the function's memory). */
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

/**
 * Opens a ZIP archive from its end-of-central-directory record and central directory (the local
 * headers are only used to find each entry's data). Stored and deflated entries are supported;
 * ZIP64, multi-disk and encrypted archives are refused with a ZipArchiveError.
 */
export function openZip(bytes: Uint8Array): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(bytes, view);
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIGNATURE) {
    throw new ZipArchiveError('ZIP64 archives are not supported');
  }
  const disk = view.getUint16(eocd + 4, true);
  const centralDisk = view.getUint16(eocd + 6, true);
  const count = view.getUint16(eocd + 10, true);
  const centralSize = view.getUint32(eocd + 12, true);
  const centralOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
    throw new ZipArchiveError('ZIP64 archives are not supported');
  }
  if (disk !== 0 || centralDisk !== 0)
    throw new ZipArchiveError('multi-part (spanned) archives are not supported');
  if (centralOffset + centralSize > eocd) {
    throw new ZipArchiveError('truncated: the central directory lies beyond the end of the data');
  }

  const entries = new Map<string, Entry>();
  const utf8 = new TextDecoder('utf-8');
  let at = centralOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw new ZipArchiveError(`corrupt central directory at entry ${i + 1} of ${count}`);
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > eocd) throw new ZipArchiveError(`corrupt central directory at entry ${i + 1}`);
    // Part names are ASCII in practice; UTF-8 (flag bit 11) decodes them either way.
    let name = utf8.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (name.startsWith('/')) name = name.slice(1);
    if ((flags & 0x1) !== 0 || method === 99) {
      throw new ZipArchiveError(`encrypted entries are not supported (${name})`);
    }
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      throw new ZipArchiveError('ZIP64 archives are not supported');
    }
    if (!name.endsWith('/')) entries.set(name, { method, compressedSize, size, localOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }

  return {
    names: [...entries.keys()],
    has: (name) => entries.has(name),
    read(name) {
      const entry = entries.get(name);
      return entry === undefined ? undefined : inflateEntry(bytes, view, name, entry);
    },
  };
}

function findEndOfCentralDirectory(bytes: Uint8Array, view: DataView): number {
  if (bytes.length < 22)
    throw new ZipArchiveError(`truncated: ${bytes.length} bytes is too short for a ZIP archive`);
  // The record is 22 bytes plus a comment of at most 65 535 bytes, so it starts in the archive's tail.
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= lowest; at--) {
    if (
      view.getUint32(at, true) === EOCD_SIGNATURE &&
      at + 22 + view.getUint16(at + 20, true) <= bytes.length
    ) {
      return at;
    }
  }
  throw new ZipArchiveError('no end of central directory record (truncated, or not a ZIP archive)');
}

function inflateEntry(bytes: Uint8Array, view: DataView, name: string, entry: Entry): Uint8Array {
  const { localOffset, compressedSize, size, method } = entry;
  if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== LOCAL_SIGNATURE) {
    throw new ZipArchiveError(`corrupt local header of ${name}`);
  }
  const start =
    localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
  if (start + compressedSize > bytes.length)
    throw new ZipArchiveError(`truncated: ${name} runs past the end of the data`);
  if (size > MAX_ENTRY_BYTES) throw new ZipArchiveError(`${name} is too large (${size} bytes uncompressed)`);
  const data = bytes.subarray(start, start + compressedSize);
  if (method === 0) {
    if (compressedSize !== size) throw new ZipArchiveError(`corrupt stored entry ${name}`);
    return data;
  }
  if (method !== 8)
    throw new ZipArchiveError(
      `${name} uses compression method ${method}; only stored and deflate are supported`,
    );
  let inflated: Uint8Array;
  try {
    inflated = inflateRawSync(data, { maxOutputLength: Math.max(size, 1) });
  } catch (error) {
    throw new ZipArchiveError(
      `${name} does not inflate: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (inflated.length !== size) {
    throw new ZipArchiveError(
      `${name} inflates to ${inflated.length} bytes, not the ${size} its header declares`,
    );
  }
  return inflated;
}
