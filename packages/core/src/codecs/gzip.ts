// Gzip members, as knit data files hold them.
//
// Breezy writes each knit record as one gzip member with a fixed 10-byte header
// (no flags, mtime 0, XFL 2, OS 255), a raw deflate stream made by one
// `compressobj` at the default level, and the crc32 + size trailer; a knit data
// file is those members laid end to end. In compat mode we write the same bytes.
// Reading accepts any RFC 1952 member, including the optional header fields
// (FEXTRA, FNAME, FCOMMENT, FHCRC) that Python's gzip module writes.
//
// Entry points: `gzipChunks(chunks, codec)` (write one member),
// `gzipOnThreadPool(chunks)` (the same, fast codec, off this thread),
// `gzipMemberBounds(length)` (the least and most bytes those members of a
// text can take, known before it is deflated), `gunzip(bytes,
// options)` (read the member at `offset`, verify crc and size, report where it
// ends), `gunzipConcatenated(bytes, size)` (many members in one native call),
// `crc32(bytes, seed)`, and `GzipCorrupt` for damaged input.

import * as nodeZlib from 'node:zlib';
import { CorruptData, LimitExceeded } from '../errors.js';
import { concatBytes } from '../bytes.js';
import { DEFAULT_MAX_INFLATE, DEFLATE_PIECE_BYTES, compatZlib, deflateOnThreadPool } from './zlib.js';
import type { ZlibCodec } from './zlib.js';

/** A gzip member that does not parse or does not verify. */
export class GzipCorrupt extends CorruptData {
  override readonly code: string = 'GzipCorrupt';
  constructor(how: string, where = '', options?: { cause?: unknown }) {
    super('gzip member', how, where, options);
  }
}

// The header Breezy's tuned_gzip writes: magic, CM=8 (deflate), FLG=0, MTIME=0, XFL=2, OS=255.
const BREEZY_HEADER = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xff);

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32Portable(bytes: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

// Node has a native crc32 from 20.15 and 22.2; older Nodes get the table loop.
const nativeCrc32 = (nodeZlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 as zlib computes it; pass the previous result as `seed` to continue. */
export const crc32: (bytes: Uint8Array, seed?: number) => number = nativeCrc32
  ? (bytes, seed = 0) => nativeCrc32(bytes, seed) >>> 0
  : crc32Portable;

function writeUint32LE(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

function readUint32LE(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

/**
 * One gzip member holding the concatenation of `chunks`, framed as Breezy's
 * `tuned_gzip.chunks_to_gzip` frames it. With `compatZlib` the bytes are Breezy's.
 */
export function gzipChunks(chunks: Iterable<Uint8Array>, codec: ZlibCodec = compatZlib): Uint8Array {
  const input = [...chunks];
  // compatZlib feeds the chunks one by one, as Breezy's compressobj does; fastZlib deflates them at once.
  const body = codec.deflate(input, { raw: true, level: -1 });
  return concatBytes([BREEZY_HEADER, body, gzipTrailer(input)]);
}

/**
 * `gzipChunks(chunks, fastZlib)`'s bytes, deflated on libuv's thread pool
 * (in pieces at once past `DEFLATE_PIECE_BYTES`): this thread goes on
 * meanwhile. For texts of megabytes; `chunks` must not change until it settles.
 */
export async function gzipOnThreadPool(chunks: readonly Uint8Array[]): Promise<Uint8Array> {
  const deflating = deflateOnThreadPool(chunks, { raw: true, level: -1 });
  // Summed here while the pool deflates.
  const trailer = gzipTrailer(chunks);
  return concatBytes([BREEZY_HEADER, ...(await deflating), trailer]);
}

/**
 * The least and most bytes the member `gzipChunks` (either codec) or
 * `gzipOnThreadPool` makes of a text of `length` bytes can take: a header
 * and trailer around at least a two-byte deflate stream; at most zlib's
 * worst case for any level and settings (`deflateBound` without knowing
 * them: stored blocks and their headers), plus a sync flush for each
 * piece `fastZlib` deflates apart. Lets a writer decide on sizes it has
 * not yet got when either bound settles the choice.
 */
export function gzipMemberBounds(length: number): { readonly least: number; readonly most: number } {
  const framing = BREEZY_HEADER.length + 8;
  const pieces = Math.max(1, Math.ceil(length / DEFLATE_PIECE_BYTES));
  const deflated = length + Math.ceil(length / 8) + Math.ceil(length / 64) + 5 + 6 * pieces;
  return { least: framing + 2, most: framing + deflated };
}

/** The crc32 and length (modulo 2^32, as RFC 1952 and Breezy both say) of the member's text. */
function gzipTrailer(chunks: readonly Uint8Array[]): Uint8Array {
  let crc = 0;
  let size = 0;
  for (const chunk of chunks) {
    crc = crc32(chunk, crc);
    size += chunk.length;
  }
  const trailer = new Uint8Array(8);
  writeUint32LE(trailer, 0, crc);
  writeUint32LE(trailer, 4, size % 0x1_0000_0000);
  return trailer;
}

export interface GunzipOptions {
  /** Where the member starts in `bytes`. Default 0. */
  readonly offset?: number;
  /** Refuse to inflate more than this many bytes (`LimitExceeded`). Default 1 GiB. */
  readonly maxOutput?: number;
  /** Inflater to use; every codec reads every valid stream. Default `compatZlib`. */
  readonly codec?: ZlibCodec;
}

export interface GunzipResult {
  /** The member's uncompressed content. */
  readonly data: Uint8Array;
  /** Offset in the input just past this member's trailer: where the next member starts. */
  readonly end: number;
}

/** Reads the gzip member starting at `options.offset`, checking its crc32 and size. */
export function gunzip(bytes: Uint8Array, options: GunzipOptions = {}): GunzipResult {
  const start = options.offset ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`gunzip offset ${start} is not a byte offset`);
  const where = `at offset ${start}`;
  const bodyStart = parseHeader(bytes, start, where);
  const maxOutput = options.maxOutput ?? DEFAULT_MAX_INFLATE;
  const inflater = (options.codec ?? compatZlib).createInflater({ raw: true, maxOutput, what: 'gzip member' });
  let data: Uint8Array;
  try {
    data = inflater.push(bytes.subarray(bodyStart));
  } catch (err) {
    if (err instanceof LimitExceeded) throw err;
    throw new GzipCorrupt('deflate stream does not inflate', where, { cause: err });
  }
  if (!inflater.ended) throw new GzipCorrupt('truncated deflate stream', where);
  const trailerAt = bytes.length - inflater.unusedBytes;
  if (trailerAt + 8 > bytes.length) throw new GzipCorrupt('truncated trailer', where);
  const expectedCrc = readUint32LE(bytes, trailerAt);
  const expectedSize = readUint32LE(bytes, trailerAt + 4);
  if (crc32(data) !== expectedCrc) throw new GzipCorrupt('crc32 does not match the content', where);
  if (data.length % 0x1_0000_0000 !== expectedSize) throw new GzipCorrupt('size does not match the content', where);
  return { data, end: trailerAt + 8 };
}

/** Checks the fixed header and skips the optional fields; returns where the deflate data starts. */
function parseHeader(bytes: Uint8Array, start: number, where: string): number {
  if (bytes.length - start < 10) throw new GzipCorrupt('truncated header', where);
  if (bytes[start] !== 0x1f || bytes[start + 1] !== 0x8b) throw new GzipCorrupt('not a gzip member (bad magic)', where);
  if (bytes[start + 2] !== 0x08) throw new GzipCorrupt(`unknown compression method ${bytes[start + 2]}`, where);
  const flags = bytes[start + 3] as number;
  if (flags & FRESERVED) throw new GzipCorrupt(`reserved header flags set (0x${flags.toString(16)})`, where);
  let at = start + 10;
  if (flags & FEXTRA) {
    if (at + 2 > bytes.length) throw new GzipCorrupt('truncated extra field', where);
    const xlen = (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
    at += 2 + xlen;
    if (at > bytes.length) throw new GzipCorrupt('truncated extra field', where);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      const nul = bytes.indexOf(0, at);
      if (nul < 0) throw new GzipCorrupt(`unterminated ${flag === FNAME ? 'file name' : 'comment'}`, where);
      at = nul + 1;
    }
  }
  if (flags & FHCRC) {
    if (at + 2 > bytes.length) throw new GzipCorrupt('truncated header crc', where);
    const stored = (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
    if ((crc32(bytes.subarray(start, at)) & 0xffff) !== stored) throw new GzipCorrupt('header crc does not match', where);
    at += 2;
  }
  return at;
}

/**
 * The contents of gzip members laid end to end, inflated in one native call
 * (zlib checks each member's crc32 and size), when they make exactly `size`
 * bytes; null otherwise: a member that does not inflate or check, bytes that
 * are not a member (node's zlib stops at zero bytes, so the total then comes
 * out short), or more output than `size`. Readers of many small members
 * (knit records) save the per-call setup of a native inflater, which costs
 * more than inflating a small member; a caller given null reads the members
 * one by one to learn which is bad.
 */
export function gunzipConcatenated(bytes: Uint8Array, size: number): Uint8Array | null {
  let out: Buffer;
  try {
    out = nodeZlib.gunzipSync(bytes, concatenatedOptions(bytes, size));
  } catch {
    return null;
  }
  return exactly(out, size);
}

/**
 * `gunzipConcatenated` on libuv's thread pool: the inflation runs on another
 * core while this thread goes on, so a reader can inflate the records it
 * needs next while it builds texts from the ones it has.
 */
export function gunzipConcatenatedAsync(bytes: Uint8Array, size: number): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    nodeZlib.gunzip(bytes, concatenatedOptions(bytes, size), (err, out) => resolve(err === null ? exactly(out, size) : null));
  });
}

function concatenatedOptions(bytes: Uint8Array, size: number): nodeZlib.ZlibOptions & { maxOutputLength: number } {
  // One output chunk of the whole size, so the content is not gathered from
  // pieces (and, on the thread pool, inflates in one job), unless that is far
  // more than the input could honestly make: then the chunks grow as output
  // comes, not as the trailers claim.
  const chunkSize = Math.max(64, Math.min(size + 1, bytes.length * 16 + 65536));
  return { maxOutputLength: Math.max(size, 1), chunkSize };
}

function exactly(out: Buffer, size: number): Uint8Array | null {
  return out.length === size ? new Uint8Array(out.buffer, out.byteOffset, out.length) : null;
}
