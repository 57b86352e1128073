// The groupcompress block: many texts in one zlib stream.
//
//   block   := "gcb1z\n" Z_LENGTH "\n" LENGTH "\n" zlib(content){Z_LENGTH}
//   content := record*
//   record  := "f" base128(N) text{N}          a fulltext
//            | "d" base128(N) delta{N}         a delta (see delta.ts) whose copies
//                                              address content[0, start of delta)
//
// Z_LENGTH and LENGTH are ASCII decimals (at most 13 digits). An index entry
// names a record by its `[start, end)` in the content; an empty text is
// `[0, 0)` and stores nothing. "gcb1l\n" (LZMA) is recognised and refused.
//
// Entry points: `encodeBlock` (content chunks -> block chunks; and
// `encodeBlockOnThreadPool`, the same bytes deflated off this thread), `parseBlock`
// (bytes -> `GroupCompressBlock`, header checked), `GroupCompressBlock` (lazy,
// partial inflation: `content(upTo)`, `extract(key, start, end)`, `release()`,
// `adoptContent`),
// `extractRecord` (one record from content), `blockRecords` (walk a content).

import { MAX_DEFLATE_RATIO, MAX_ENCODED_BYTES, UnsupportedFormat, compatZlib, copyOfRange, deflateOnThreadPool, fastZlib, inflateOnThreadPool, utf8 } from '@versionedfiles/core';
import type { InflateOptions, Key, ZlibCodec } from '@versionedfiles/core';
import { applyDelta, applyDeltaWithin, checkDelta, decodeBase128, encodeBase128 } from './delta.js';
import { GroupCompressCorrupt } from './errors.js';
import type { WasmDeltaApplier } from './wasm-applier.js';
import type { GroupCompressWhere } from './errors.js';

export const GCB_ZLIB_HEADER = 'gcb1z\n';
export const GCB_LZMA_HEADER = 'gcb1l\n';
/** Node's one-shot zlib output this long comes in an ArrayBuffer of its own (its pool serves only small ones). */
const OWN_BUFFER_BYTES = 64 * 1024;
/** The margin of compressed input taken past the estimate when only the front of a content is needed. */
const PARTIAL_STEP = 32 * 1024;

export interface BlockOptions {
  /** Refuse blocks whose content is longer than this (default core's `MAX_ENCODED_BYTES`). */
  readonly maxContent?: number;
  /** Name used in errors. */
  readonly source?: string;
}

/** A block's bytes as chunks: the header, then the compressed content. */
export function encodeBlock(content: readonly Uint8Array[], zlib: ZlibCodec = compatZlib): Uint8Array[] {
  const z = zlib.deflate(content);
  return [blockHeader(z.length, content), z];
}

/** `encodeBlock` with core's native codec at `level`, deflated on libuv's thread pool (the same bytes); the compressed content may come in several chunks. */
export async function encodeBlockOnThreadPool(content: readonly Uint8Array[], level: number): Promise<Uint8Array[]> {
  const z = await deflateOnThreadPool(content, { level });
  let zLength = 0;
  for (const c of z) zLength += c.length;
  return [blockHeader(zLength, content), ...z];
}

function blockHeader(zLength: number, content: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of content) length += c.length;
  return utf8(`${GCB_ZLIB_HEADER}${zLength}\n${length}\n`);
}

/** Reads a decimal field ending in "\n" within 14 bytes of `pos`. */
function decimalField(bytes: Uint8Array, pos: number, where: GroupCompressWhere): [number, number] {
  let value = 0;
  let i = pos;
  for (; i < bytes.length && i < pos + 14 && bytes[i] !== 0x0a; i++) {
    const c = bytes[i] as number;
    if (c < 0x30 || c > 0x39) throw new GroupCompressCorrupt('bad length in block header', where);
    value = value * 10 + (c - 0x30);
  }
  if (i === pos || bytes[i] !== 0x0a) throw new GroupCompressCorrupt('bad length in block header', where);
  return [value, i + 1];
}

/**
 * Refuses a declared inflated length over `limit`, or more than zlib could
 * make of `compressed` bytes (about 1032:1), before anything is inflated.
 */
export function checkDeclaredLength(what: string, declared: number, compressed: number, limit: number, where: GroupCompressWhere): void {
  if (declared > limit) throw new GroupCompressCorrupt(`${what} of ${declared} bytes exceeds the limit of ${limit}`, where);
  if (declared > (compressed + 64) * MAX_DEFLATE_RATIO) {
    throw new GroupCompressCorrupt(`${what} claims ${declared} bytes from ${compressed} compressed bytes`, where);
  }
}

/** Parses a block's header and checks its lengths; the content stays compressed. */
export function parseBlock(bytes: Uint8Array, options: BlockOptions = {}): GroupCompressBlock {
  const where = { source: options.source ?? 'groupcompress block' };
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic === GCB_LZMA_HEADER) throw new UnsupportedFormat('groupcompress block', 'LZMA-compressed blocks (gcb1l) are not supported');
  if (magic !== GCB_ZLIB_HEADER) throw new GroupCompressCorrupt('not a groupcompress block (bad header)', where);
  const [zLength, p1] = decimalField(bytes, 6, where);
  const [length, p2] = decimalField(bytes, p1, where);
  if (bytes.length !== p2 + zLength) {
    throw new GroupCompressCorrupt(`block is ${bytes.length} bytes but its header says ${p2 + zLength}`, where);
  }
  checkDeclaredLength('block content', length, zLength, options.maxContent ?? MAX_ENCODED_BYTES, where);
  return new GroupCompressBlock(bytes.subarray(p2), length, where.source);
}

/** One record's place in a content, as `blockRecords` finds it. */
export interface BlockRecord {
  readonly kind: 'fulltext' | 'delta';
  /** Offset of the kind byte. */
  readonly start: number;
  /** Offset of the text or delta bytes. */
  readonly dataStart: number;
  /** Offset just past the record. */
  readonly end: number;
}

/** Reads the record header at `start` and checks it ends at `end` (when given). */
function recordAt(content: Uint8Array, start: number, end: number | null, where: GroupCompressWhere): BlockRecord {
  if (start >= content.length) throw new GroupCompressCorrupt(`record start ${start} is past the end of the content`, where);
  const c = content[start];
  if (c !== 0x66 && c !== 0x64) throw new GroupCompressCorrupt(`unknown record kind byte ${c}`, where);
  const [length, used] = decodeBase128(content.subarray(0, Math.min(content.length, start + 6)), start + 1, where);
  const dataStart = start + 1 + used;
  const recordEnd = dataStart + length;
  if (end !== null && end !== recordEnd) {
    throw new GroupCompressCorrupt(`record ends at ${recordEnd} but the index says ${end}`, where);
  }
  if (recordEnd > content.length) throw new GroupCompressCorrupt('record runs past the end of the content', where);
  return { kind: c === 0x66 ? 'fulltext' : 'delta', start, dataStart, end: recordEnd };
}

/** An index's record range: `[0, 0)` (an empty text) or a non-empty range of whole numbers. */
function checkRange(start: number, end: number, where: GroupCompressWhere): void {
  if (start === 0 && end === 0) return;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) {
    throw new GroupCompressCorrupt(`bad record range [${start}, ${end})`, where);
  }
}

/** The text of the record at `[start, end)` of `content` (a fulltext's is a view of it): checked, never a wrong text. */
export function extractRecord(content: Uint8Array, start: number, end: number, where: GroupCompressWhere = {}): Uint8Array {
  checkRange(start, end, where);
  if (end === 0) return new Uint8Array(0);
  const r = recordAt(content, start, end, where);
  if (r.kind === 'fulltext') return content.subarray(r.dataStart, r.end);
  return applyDelta(content, content, r.dataStart, r.end, where, r.dataStart);
}

/** Every record of a content, in order (Breezy's block `_dump`, without the texts). */
export function blockRecords(content: Uint8Array, where: GroupCompressWhere = {}): BlockRecord[] {
  const out: BlockRecord[] = [];
  let pos = 0;
  while (pos < content.length) {
    const r = recordAt(content, pos, null, where);
    out.push(r);
    pos = r.end;
  }
  return out;
}

/** The record framing for a text or delta of `length` bytes. */
export function recordHeader(kind: 'fulltext' | 'delta', length: number): Uint8Array {
  const len = encodeBase128(length);
  const out = new Uint8Array(1 + len.length);
  out[0] = kind === 'fulltext' ? 0x66 : 0x64;
  out.set(len, 1);
  return out;
}

/**
 * A parsed block. The content is inflated on demand: a small front part
 * from a front of the compressed bytes, anything past 1/8 of it at once
 * (both with native zlib). Buffers
 * grow with the bytes actually inflated, never ahead of them to what the
 * header declares, so a header that lies costs nothing. The inflated content
 * sits at the front of one buffer whose tail is scratch room where deltas
 * are applied (`applyDeltaWithin`), so reading a text makes no garbage but
 * the text. A text is a copy, except a fulltext that is half the content or
 * more, which is handed over (the block forgets its content). `release()`
 * drops the content (the store's cache calls it on eviction).
 */
export class GroupCompressBlock {
  /** The compressed content (without the header). */
  readonly zContent: Uint8Array;
  /** Declared length of the content. */
  readonly contentLength: number;
  readonly source: string;
  /** Content in `[0, #filled)`; past that, scratch for delta output. */
  #buffer: Uint8Array = new Uint8Array(0);
  #filled = 0;
  #consumed = 0;

  /** Inflation is always node's (whichever zlib deflated the content, the bytes inflate the same). */
  constructor(zContent: Uint8Array, contentLength: number, source = 'groupcompress block') {
    this.zContent = zContent;
    this.contentLength = contentLength;
    this.source = source;
  }

  /** A block over content already at hand (a fresh group, or a trimmed one). */
  static fromContent(content: Uint8Array, zlib: ZlibCodec = compatZlib): GroupCompressBlock {
    const z = zlib.deflate(content);
    const block = new GroupCompressBlock(z, content.length);
    block.#buffer = content;
    block.#filled = content.length;
    return block;
  }

  /** The block's bytes: header and compressed content. */
  toChunks(): Uint8Array[] {
    return [utf8(`${GCB_ZLIB_HEADER}${this.zContent.length}\n${this.contentLength}\n`), this.zContent];
  }

  /** Bytes of content inflated so far. */
  get inflated(): number {
    return this.#filled;
  }

  /** Bytes this block keeps in memory (compressed, inflated and scratch), for caches. */
  get heldBytes(): number {
    return this.zContent.length + this.#buffer.length;
  }

  /** The content up to at least `upTo` bytes (all of it by default); errors name `key`, the text wanted. */
  content(upTo = this.contentLength, key: Key | null = null): Uint8Array {
    const where = { key, source: this.source };
    if (upTo > this.contentLength) {
      throw new GroupCompressCorrupt(`wanted ${upTo} bytes of a ${this.contentLength}-byte content`, where);
    }
    if (this.#filled < upTo) {
      // Native zlib inflates several times faster than the incremental (pako)
      // inflater, so past 1/8 of the content it pays to inflate it all at once
      // (Breezy, all in C, draws that line at 3/4), even over a partial start.
      if (upTo * 8 > this.contentLength) this.#inflateAll(where);
      else this.#inflateFront(upTo, where);
    }
    return this.#buffer.subarray(0, this.#filled);
  }

  /**
   * Native inflate fills one buffer of the size hinted: room past the content
   * is the scratch deltas need (as much as `#room` grows it to at first), so
   * the block does not move its content to a bigger buffer at its first
   * delta, which made every block inflated a content's worth of garbage. A
   * content that inflates longer than declared is refused by the caller.
   */
  #wholeInflateOptions(): InflateOptions {
    const room = this.contentLength + (this.contentLength >> 3);
    return { maxOutput: room, sizeHint: room, what: this.source };
  }

  #inflateAll(where: GroupCompressWhere): void {
    let whole: Uint8Array;
    try {
      whole = fastZlib.inflate(this.zContent, this.#wholeInflateOptions());
    } catch (err) {
      throw new GroupCompressCorrupt(`content does not inflate: ${(err as Error).message}`, where, { cause: err });
    }
    if (whole.length !== this.contentLength) {
      throw new GroupCompressCorrupt(`content inflates to ${whole.length} bytes, header says ${this.contentLength}`, where);
    }
    this.#takeInflated(whole);
  }

  /**
   * The whole content, inflated elsewhere (a store inflates a large block on
   * libuv's thread pool): taken when it is as long as the header says and
   * the block does not hold it all yet. Its buffer becomes the block's (no
   * other view of it may be in use), the room past the content scratch for
   * deltas. False when not taken (the block inflates it itself when read).
   */
  adoptContent(content: Uint8Array): boolean {
    if (content.length !== this.contentLength || this.#filled === this.contentLength) return false;
    this.#takeInflated(content);
    return true;
  }

  /**
   * Inflates the whole content on libuv's thread pool, so this thread is
   * free meanwhile (a store does so for a big block it needs most of). Any
   * failure is left to the block's own inflation when it is read, which
   * reports it.
   */
  async inflateOnThreadPool(): Promise<void> {
    if (this.#filled === this.contentLength) return;
    const content = await inflateOnThreadPool(this.zContent, this.#wholeInflateOptions()).catch(() => null);
    if (content !== null) this.adoptContent(content);
  }

  /**
   * Takes inflated content (see `#inflateAll`) and, when node inflated it
   * into a buffer of its own (one of 64 KiB or more: smaller ones may come
   * from node's shared pool), the room past it as scratch for deltas.
   */
  #takeInflated(whole: Uint8Array): void {
    const buffer = whole.buffer;
    const own = buffer instanceof ArrayBuffer && whole.byteOffset === 0 && buffer.byteLength >= OWN_BUFFER_BYTES;
    this.#buffer = own ? new Uint8Array(buffer) : whole;
    this.#filled = this.contentLength;
    this.#consumed = this.zContent.length;
  }

  /**
   * Inflates a front of the content natively: node has no incremental
   * inflater, so a front of the compressed bytes is inflated from the start,
   * sized from the block's average ratio with a margin and doubled until it
   * gives `upTo` bytes (at most about twice the work of one exact call, still
   * several times faster than inflating incrementally in JavaScript). Past
   * half the compressed bytes the whole content is inflated, which checks the
   * stream's end and checksum.
   */
  #inflateFront(upTo: number, where: GroupCompressWhere): void {
    const total = this.zContent.length;
    let take = Math.max(2 * this.#consumed, Math.ceil(((upTo * total) / Math.max(1, this.contentLength)) * 1.25) + PARTIAL_STEP);
    for (;;) {
      if (2 * take >= total) {
        this.#inflateAll(where);
        return;
      }
      let out: Uint8Array;
      try {
        out = fastZlib.inflate(this.zContent.subarray(0, take), { partial: true, maxOutput: this.contentLength, what: this.source });
      } catch (err) {
        throw new GroupCompressCorrupt(`content does not inflate: ${(err as Error).message}`, where, { cause: err });
      }
      if (out.length >= upTo) {
        // The same front as the one held before: views handed out stay true.
        this.#filled = 0;
        const buffer = this.#room(out.length, Math.min(2 * out.length, this.contentLength));
        buffer.set(out, 0);
        this.#filled = out.length;
        this.#consumed = take;
        return;
      }
      take *= 2;
    }
  }

  /** Drops the inflated content and scratch: the next read inflates again from the start. */
  #forget(): void {
    this.#buffer = new Uint8Array(0);
    this.#filled = 0;
    this.#consumed = 0;
  }

  /** Drops the inflated content and scratch (the store's block cache, on eviction); the next read inflates again. */
  release(): void {
    this.#forget();
  }

  /**
   * The buffer, grown if needed so that `length` bytes fit past the content,
   * to at least `atLeast` bytes in all. Only the content moves; views handed
   * out before stay valid on the old buffer.
   */
  #room(length: number, atLeast: number): Uint8Array {
    const need = this.#filled + length;
    if (this.#buffer.length < need) {
      const grown = new Uint8Array(Math.max(need, atLeast));
      grown.set(this.#buffer.subarray(0, this.#filled));
      this.#buffer = grown;
    }
    return this.#buffer;
  }

  /**
   * The text of the record at `[start, end)` (a copy); a bad record names
   * `key`. A delta goes to `applier` first when given (JavaScript applies
   * what it declines, and reports a bad delta).
   */
  extract(key: Key | null, start: number, end: number, applier: WasmDeltaApplier | null = null): Uint8Array {
    const where = { key, source: this.source };
    if (end > this.contentLength) throw new GroupCompressCorrupt(`record end ${end} is past the block's ${this.contentLength} bytes`, where);
    checkRange(start, end, where);
    if (end === 0) return new Uint8Array(0);
    const content = this.content(end, key);
    const r = recordAt(content, start, end, where);
    if (r.kind === 'fulltext') {
      // A fulltext that is half the content or more (a large file's group of
      // its own) is handed over rather than copied: a copy would hold it twice
      // (56 MB more at the peak of the bench's large extraction). The block
      // forgets its content, so the caller owns those bytes alone, and a
      // later read inflates the block again.
      if (2 * (r.end - r.dataStart) < this.contentLength) return copyOfRange(content, r.dataStart, r.end);
      const text = content.subarray(r.dataStart, r.end);
      this.#forget();
      return text;
    }
    if (applier !== null) {
      const text = applier.apply(this, content, r.dataStart, r.end, where);
      if (text !== null) return text;
    }
    // A text that fits the scratch is written as the delta is checked (a bad
    // delta only leaves junk in scratch). One that does not is checked first,
    // so the scratch grows only for a text the delta truly makes: from 1/8 of
    // the content, geometrically, so a block's texts rarely make it move.
    const at = this.#filled;
    const scratch = this.#buffer.length - at;
    const [declared] = decodeBase128(content, r.dataStart, where);
    if (declared > scratch) {
      const checked = checkDelta(content, r.dataStart, r.end, r.dataStart, where);
      this.#room(checked, at + Math.max(checked + (checked >> 1), 2 * scratch, this.contentLength >> 3));
    }
    const buffer = this.#buffer;
    const length = applyDeltaWithin(buffer, r.dataStart, r.end, r.dataStart, at, where);
    return copyOfRange(buffer, at, at + length);
  }
}
