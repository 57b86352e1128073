// The knit record: one gzip member per stored text.
//
//   version SP <version-id> SP <line-count> SP <sha1-hex> LF
//   <line-count body lines, each ending in LF>
//   end SP <version-id> LF
//
// The version id is the last element of the key, UTF-8. The sha1 is of the
// whole text as the user gave it (before a no-eol text's extra LF). The body is
// a fulltext or a line delta, plain or annotated (see content.ts); the record
// itself does not say which, the index does. The gzip framing is Breezy's
// tuned_gzip (core's `gzipChunks`), so compat mode writes Breezy's bytes.
//
// Entry points: `encodeRecord` (body lines to gzip bytes), `decodeRecord`
// (gzip bytes to header and body, checked), `recordTextChunks` and
// `parseRecordText` for the uncompressed form; `decodeRecordLines` and
// `parseRecordLines` keep the body as line offsets into the inflated text, and
// `inflateRecords` inflates many records at once for them.

import {
  GzipCorrupt,
  LimitExceeded,
  MAX_DEFLATE_RATIO,
  MAX_ENCODED_BYTES,
  bytesEqual,
  compatZlib,
  crc32,
  fastZlib,
  fromUtf8,
  gunzip,
  gunzipConcatenated,
  gunzipConcatenatedAsync,
  joinedForReading,
  gzipChunks,
  lineStarts,
  utf8,
} from '@versionedfiles/core';
import type { ZlibCodec } from '@versionedfiles/core';
import { KnitCorrupt, type KnitWhere } from './errors.js';
import { parseDecimal, splitFields } from './fields.js';
import { lineViews } from './flat.js';

export interface KnitRecord {
  readonly versionId: string;
  readonly sha1: string;
  readonly body: Uint8Array[];
}

export interface EncodeRecordOptions {
  /**
   * The same bytes as `body`, in fewer chunks (e.g. the whole text at once):
   * written instead of `body`, which still gives the line count.
   */
  readonly dense?: readonly Uint8Array[];
  readonly zlib?: ZlibCodec;
  /** Refuse (`LimitExceeded`, before compressing) a record whose uncompressed form is longer (default: what readers take). */
  readonly maxSize?: number;
}

export interface DecodeRecordOptions {
  /** The record must be for this version id (the key's last element). */
  readonly versionId?: string;
  /** Refuse records that inflate to more than this (default core's `MAX_ENCODED_BYTES`). */
  readonly maxSize?: number;
}

const NL = 0x0a;
const END_PREFIX = utf8('end ');
const VERSION = utf8('version');

/** The uncompressed record, as chunks. */
export function recordTextChunks(
  versionId: string,
  sha1: string,
  body: readonly Uint8Array[],
  dense?: readonly Uint8Array[],
): Uint8Array[] {
  const last = body[body.length - 1];
  if (last !== undefined && last[last.length - 1] !== NL) {
    throw new TypeError('knit record body lines must all end in a newline');
  }
  return [utf8(`version ${versionId} ${body.length} ${sha1}\n`), ...(dense ?? body), utf8(`end ${versionId}\n`)];
}

/** The uncompressed record as chunks, and its size; refused (`LimitExceeded`) past `maxSize`. */
export function sizedRecordChunks(
  versionId: string,
  sha1: string,
  body: readonly Uint8Array[],
  options: Omit<EncodeRecordOptions, 'zlib'> = {},
): { chunks: Uint8Array[]; size: number } {
  const chunks = recordTextChunks(versionId, sha1, body, options.dense);
  const maxSize = options.maxSize ?? MAX_ENCODED_BYTES;
  let size = 0;
  for (const c of chunks) size += c.length;
  if (size > maxSize) throw new LimitExceeded('knit record', maxSize, size);
  return { chunks, size };
}

/** The gzip bytes of one record. */
export function encodeRecord(
  versionId: string,
  sha1: string,
  body: readonly Uint8Array[],
  options: EncodeRecordOptions = {},
): Uint8Array {
  return gzipChunks(sizedRecordChunks(versionId, sha1, body, options).chunks, options.zlib ?? compatZlib);
}

/** Decompresses and checks one record. */
export function decodeRecord(raw: Uint8Array, where: KnitWhere = {}, options: DecodeRecordOptions = {}): KnitRecord {
  return recordBody(decodeRecordLines(raw, where, options));
}

/** Decompresses and checks one record, keeping its body as line offsets. */
export function decodeRecordLines(raw: Uint8Array, where: KnitWhere = {}, options: DecodeRecordOptions = {}): RecordLines {
  let text: Uint8Array;
  const maxOutput = Math.min(options.maxSize ?? MAX_ENCODED_BYTES, raw.length * MAX_DEFLATE_RATIO + 1024);
  try {
    text = inflateBreezyMember(raw, maxOutput) ?? gunzipWhole(raw, maxOutput);
  } catch (err) {
    if (err instanceof LimitExceeded) throw err;
    throw new KnitCorrupt(`corrupt compressed record: ${(err as Error).message}`, where, { cause: err });
  }
  return parseRecordLines(text, where, options.versionId);
}

/**
 * The trailer's size of a member as Breezy writes them (fixed 10-byte header,
 * no optional fields) whose size a reader with `maxSize` takes; null for any
 * other member.
 */
function breezyMemberSize(raw: Uint8Array, maxSize: number): number | null {
  if (!isBreezyMember(raw)) return null;
  const size = uint32le(raw, raw.length - 4);
  return size <= Math.min(maxSize, raw.length * MAX_DEFLATE_RATIO + 1024) ? size : null;
}

/** The size a record's gzip trailer claims (0 when it is too short to have one): a hint, not checked. */
export function recordSizeHint(raw: Uint8Array): number {
  return raw.length < 4 ? 0 : uint32le(raw, raw.length - 4);
}

/** A gzip member with Breezy's fixed 10-byte header (deflate, no optional fields) and room for its trailer. */
function isBreezyMember(raw: Uint8Array): boolean {
  return raw.length >= 18 && raw[0] === 0x1f && raw[1] === 0x8b && raw[2] === 0x08 && raw[3] === 0;
}

function uint32le(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24)) >>> 0;
}

/**
 * The uncompressed texts of many records, inflated in one native call, for
 * `parseRecordLines`; null when any is not a member as Breezy writes them or
 * the batch does not inflate whole, and the records must then go through
 * `decodeRecordLines` one by one (which says what is wrong with which).
 */
export function inflateRecords(raws: readonly Uint8Array[], maxSize: number = MAX_ENCODED_BYTES): Uint8Array[] | null {
  const sizes = memberSizes(raws, maxSize);
  return sizes === null ? null : splitInflated(gunzipConcatenated(joinedForReading(raws), sizes.total), sizes.each);
}

/** `inflateRecords` on libuv's thread pool (see core's `gunzipConcatenatedAsync`). */
export async function inflateRecordsAsync(raws: readonly Uint8Array[], maxSize: number = MAX_ENCODED_BYTES): Promise<Uint8Array[] | null> {
  const sizes = memberSizes(raws, maxSize);
  return sizes === null ? null : splitInflated(await gunzipConcatenatedAsync(joinedForReading(raws), sizes.total), sizes.each);
}

/** Every record's size from its trailer, and their sum; null when one is not a member as Breezy writes them. */
function memberSizes(raws: readonly Uint8Array[], maxSize: number): { each: number[]; total: number } | null {
  const each: number[] = new Array(raws.length);
  let total = 0;
  for (let i = 0; i < raws.length; i++) {
    const size = breezyMemberSize(raws[i] as Uint8Array, maxSize);
    if (size === null) return null;
    each[i] = size;
    total += size;
  }
  return { each, total };
}

function splitInflated(joined: Uint8Array | null, sizes: readonly number[]): Uint8Array[] | null {
  if (joined === null) return null;
  const out: Uint8Array[] = new Array(sizes.length);
  let at = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] as number;
    out[i] = joined.subarray(at, at + size);
    at += size;
  }
  return out;
}

function gunzipWhole(raw: Uint8Array, maxOutput: number): Uint8Array {
  const member = gunzip(raw, { maxOutput });
  if (member.end !== raw.length) throw new GzipCorrupt(`${raw.length - member.end} bytes after the gzip member`);
  return member.data;
}

/**
 * The fast path for the members Breezy writes (fixed 10-byte header, no
 * optional fields): the deflate stream is everything but the header and the
 * 8-byte trailer, inflated natively in one call, then checked against the
 * trailer's crc32 and size. Other members return null and go through `gunzip`.
 *
 * When `maxOutput` is below 2^32 (core's limit is 2 GiB + 64 KiB) the
 * trailer's size, the length mod 2^32, is the exact length: a larger one is
 * refused before inflating, and inflation stops as soon as it passes it, so a
 * hostile record costs no more memory than its trailer says it needs, and
 * its trailer cannot claim more than its compressed length can hold.
 */
function inflateBreezyMember(raw: Uint8Array, maxOutput: number): Uint8Array | null {
  if (!isBreezyMember(raw)) return null;
  const t = raw.length - 8;
  const crc = uint32le(raw, t);
  const size = uint32le(raw, t + 4);
  let limit = maxOutput;
  if (maxOutput < 0x1_0000_0000) {
    if (size > maxOutput) {
      if (size > raw.length * MAX_DEFLATE_RATIO + 1024) throw new GzipCorrupt(`trailer claims ${size} bytes, more than ${raw.length} compressed bytes can hold`);
      throw new LimitExceeded('knit record', maxOutput, size);
    }
    // One byte of slack so that content longer than the trailer says is told apart.
    limit = size + 1;
  }
  let data: Uint8Array;
  try {
    data = fastZlib.inflate(raw.subarray(10, t), { raw: true, maxOutput: limit, sizeHint: size, what: 'knit record' });
  } catch (err) {
    if (err instanceof LimitExceeded && limit !== maxOutput) throw new GzipCorrupt('content is longer than the trailer says');
    throw err;
  }
  if (data.length % 0x1_0000_0000 !== size) throw new GzipCorrupt('size does not match the content');
  if (crc32(data) !== crc) throw new GzipCorrupt('crc32 does not match the content');
  return data;
}

/**
 * A record with its body as offsets into its text: body line i is
 * `text[starts[i], starts[i + 1])`, and `starts` has one entry more than the
 * body has lines (the last is where the end line starts).
 */
export interface RecordLines {
  readonly versionId: string;
  readonly sha1: string;
  readonly text: Uint8Array;
  readonly starts: Int32Array;
}

/** Parses an uncompressed record and checks its line count and end line. */
export function parseRecordText(text: Uint8Array, where: KnitWhere = {}, expectedVersion?: string): KnitRecord {
  return recordBody(parseRecordLines(text, where, expectedVersion));
}

/** The body lines of a record, as views of its text. */
export function recordBody(record: RecordLines): KnitRecord {
  return { versionId: record.versionId, sha1: record.sha1, body: lineViews(record.text, record.starts) };
}

/** `parseRecordText`, keeping the body as line offsets. */
export function parseRecordLines(text: Uint8Array, where: KnitWhere = {}, expectedVersion?: string): RecordLines {
  const headerEnd = text.indexOf(NL);
  if (headerEnd < 0) throw new KnitCorrupt('record has no header line', where);
  const fields = splitFields(text.subarray(0, headerEnd));
  if (fields.length !== 4 || !bytesEqual(fields[0] as Uint8Array, VERSION)) {
    throw new KnitCorrupt('unexpected number of elements in record header', where);
  }
  const id = fields[1] as Uint8Array;
  const versionId = expectedVersion !== undefined && asciiIs(id, expectedVersion) ? expectedVersion : fromUtf8(id);
  if (expectedVersion !== undefined && versionId !== expectedVersion) {
    throw new KnitCorrupt(`unexpected version, wanted ${JSON.stringify(expectedVersion)}, got ${JSON.stringify(versionId)}`, where);
  }
  const count = parseDecimal(fields[2] as Uint8Array);
  if (count === null) throw new KnitCorrupt('bad line count in record header', where);
  const sha1 = fromUtf8(fields[3] as Uint8Array);
  // The body is every line up to the last; the last is `end <version>\n`.
  const starts = lineStarts(text, headerEnd + 1);
  const lines = starts.length - 1;
  if (lines === 0) throw new KnitCorrupt('record has no end line', where);
  if (lines - 1 !== count) {
    throw new KnitCorrupt(`incorrect number of lines ${lines - 1} != ${count} for version {${versionId}}`, where);
  }
  const endStart = starts[lines - 1] as number;
  if (!isEndLine(text, endStart, id)) {
    throw new KnitCorrupt(`unexpected version end line ${JSON.stringify(fromUtf8(text.subarray(endStart)))}`, where);
  }
  return { versionId, sha1, text, starts: starts.subarray(0, lines) };
}

/**
 * The bytes are the ASCII string `text`: most ids are, and comparing them
 * this way skips a UTF-8 decoding per record.
 */
function asciiIs(bytes: Uint8Array, text: string): boolean {
  if (bytes.length !== text.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || bytes[i] !== c) return false;
  }
  return true;
}

/** `text[from..]` is exactly `end <id>\n`. */
function isEndLine(text: Uint8Array, from: number, id: Uint8Array): boolean {
  if (text.length - from !== END_PREFIX.length + id.length + 1 || text[text.length - 1] !== NL) return false;
  for (let i = 0; i < END_PREFIX.length; i++) if (text[from + i] !== END_PREFIX[i]) return false;
  const at = from + END_PREFIX.length;
  for (let i = 0; i < id.length; i++) if (text[at + i] !== id[i]) return false;
  return true;
}
