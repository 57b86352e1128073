// zlib for every format: one interface, two implementations.
//
// - `compatZlib` (pako 2.x): its deflate output is byte-identical to CPython's
//   zlib 1.2.13, which Breezy 3.3.2 runs on, so "compat mode" writes Breezy's
//   exact bytes. pako 3.x and Node's bundled zlib do not match; do not swap them in.
// - `fastZlib` (node:zlib): the same streams, faster, different bytes. Anything
//   either codec writes, both read.
//
// Entry points: `ZlibCodec` (one-shot `deflate`/`inflate` and incremental
// `createDeflater`/`createInflater`), `compatZlib`, `fastZlib`, `zlibFor(mode)`,
// `inflateOnThreadPool`, `deflateOnThreadPool`, `DEFLATE_PIECE_BYTES`.
//
// `fastZlib` deflates an input longer than `DEFLATE_PIECE_BYTES` in pieces of
// that size: each a raw deflate primed with the 32 KiB before it (so matches
// still reach back across the cut) and ended on a byte boundary (a sync
// flush), joined under one zlib header and the Adler-32 of the whole input
// (a raw stream, as gzip members hold, is the pieces alone). That is one
// stream any inflater reads (Breezy's too), about ten bytes longer per
// piece, and its pieces can be deflated at once on libuv's thread pool
// (`deflateOnThreadPool`), which writes the same bytes as `deflate`.
// Inflation always takes a `maxOutput` limit so a hostile stream cannot make us
// allocate without bound (`LimitExceeded`); a stream that does not inflate is
// `CorruptData`.

import { Deflate, Inflate, constants as pakoConstants } from 'pako';
import * as nodeZlib from 'node:zlib';
import { CorruptData, LimitExceeded } from '../errors.js';
import { concatBytes } from '../bytes.js';
import { adler32 } from './adler32.js';

export type CompressionMode = 'compat' | 'fast';

export interface DeflateOptions {
  /** 0-9, or -1 for zlib's default (6). */
  readonly level?: number;
  /** Raw deflate (no zlib header/trailer), as gzip members use. */
  readonly raw?: boolean;
}

export interface InflateOptions {
  readonly raw?: boolean;
  /** Refuse to produce more than this many bytes. Default: 1 GiB. */
  readonly maxOutput?: number;
  /** Name used in error messages. */
  readonly what?: string;
  /**
   * The output length expected (a header's word for it): native inflate
   * writes into one buffer of about that size instead of gathering 16 KiB
   * pieces and joining them, a third less time for large streams. Capped by
   * what `data` can inflate to, so a lying hint costs no more than an honest
   * stream of that length would.
   */
  readonly sizeHint?: number;
  /**
   * `data` may be the front of a stream: give what it inflates to so far,
   * without asking for the stream's end (nor checking its checksum, which
   * comes at the end). For readers that need only the front of the content.
   */
  readonly partial?: boolean;
}

/** Deflate codes at most 258 bytes in 2 bits: no stream inflates past about 1032 times its length. */
export const MAX_DEFLATE_RATIO = 1032;

export type FlushMode = 'none' | 'sync' | 'full';

/** An incremental compressor, like Python's `zlib.compressobj()`. */
export interface Deflater {
  /** Feeds bytes; returns whatever compressed output is ready (may be empty). */
  push(chunk: Uint8Array, flush?: FlushMode): Uint8Array;
  /** Ends the stream and returns the remaining output. */
  finish(): Uint8Array;
}

/** An incremental decompressor, like Python's `zlib.decompressobj()`. */
export interface Inflater {
  /** Feeds compressed bytes; returns the output produced so far by this call. */
  push(chunk: Uint8Array): Uint8Array;
  /** True once the end of the deflate stream has been seen. */
  readonly ended: boolean;
  /** Bytes given after the end of the stream (Python's `unused_data`). */
  readonly unusedBytes: number;
}

export interface ZlibCodec {
  readonly mode: CompressionMode;
  deflate(data: Uint8Array | readonly Uint8Array[], options?: DeflateOptions): Uint8Array;
  inflate(data: Uint8Array, options?: InflateOptions): Uint8Array;
  createDeflater(options?: DeflateOptions): Deflater;
  createInflater(options?: InflateOptions): Inflater;
}

export const DEFAULT_MAX_INFLATE = 1 << 30;

const FLUSH: Record<FlushMode, number> = {
  none: pakoConstants.Z_NO_FLUSH,
  sync: pakoConstants.Z_SYNC_FLUSH,
  full: pakoConstants.Z_FULL_FLUSH,
};

/**
 * The smallest window that holds every match deflate could make in `length`
 * bytes: zlib reaches back at most the window less its 262-byte lookahead,
 * so below that the stream is the same as with the full 32 KiB window. Only
 * raw streams: a zlib header names its window. Each one-shot native deflate
 * sets up and clears its window and tables afresh; for the few-KiB members
 * knits write, that setup cost more than the compression (measured: half the
 * time of a 2 KiB member at level 6).
 */
function rawWindowBits(length: number): number {
  let bits = 9;
  while (bits < 15 && (1 << bits) - 262 < length) bits++;
  return bits;
}

/** A raw deflate of `input` in one piece: the window no larger than the input needs. */
function wholeRawSettings(input: Uint8Array, level: number): nodeZlib.ZlibOptions {
  return { level, windowBits: rawWindowBits(input.length) };
}

function normaliseLevel(level: number | undefined): number {
  if (level === undefined || level === -1) return 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`zlib level ${level} is not 0-9`);
  return level;
}

class PakoDeflater implements Deflater {
  readonly #deflate: Deflate;
  #out: Uint8Array[] = [];
  #done = false;

  constructor(options: DeflateOptions) {
    this.#deflate = new Deflate({ level: normaliseLevel(options.level) as 6, raw: options.raw ?? false });
    this.#deflate.onData = (chunk: Uint8Array) => {
      this.#out.push(chunk);
    };
  }

  push(chunk: Uint8Array, flush: FlushMode = 'none'): Uint8Array {
    if (this.#done) throw new Error('deflater already finished');
    if (chunk.length > 0 || flush !== 'none') this.#deflate.push(chunk, FLUSH[flush]);
    return this.#take();
  }

  finish(): Uint8Array {
    if (this.#done) throw new Error('deflater already finished');
    this.#done = true;
    this.#deflate.push(new Uint8Array(0), pakoConstants.Z_FINISH);
    return this.#take();
  }

  #take(): Uint8Array {
    const out = this.#out;
    this.#out = [];
    return out.length === 0 ? new Uint8Array(0) : concatBytes(out);
  }
}

interface PakoInflateState {
  readonly ended: boolean;
  readonly strm: { readonly avail_in: number };
}

class PakoInflater implements Inflater {
  readonly #inflate: Inflate;
  readonly #limit: number;
  readonly #what: string;
  #out: Uint8Array[] = [];
  #produced = 0;
  #ended = false;
  #unused = 0;

  constructor(options: InflateOptions) {
    this.#limit = options.maxOutput ?? DEFAULT_MAX_INFLATE;
    this.#what = options.what ?? 'zlib stream';
    this.#inflate = new Inflate({ raw: options.raw ?? false, chunkSize: 64 * 1024 });
    this.#inflate.onData = (chunk: Uint8Array) => {
      this.#produced += chunk.length;
      if (this.#produced > this.#limit) throw new LimitExceeded(`inflated size of ${this.#what}`, this.#limit, this.#produced);
      // pako reuses its output buffer when the chunk is full: copy.
      this.#out.push(chunk.slice());
    };
  }

  get ended(): boolean {
    return this.#ended;
  }

  get unusedBytes(): number {
    return this.#unused;
  }

  push(chunk: Uint8Array): Uint8Array {
    if (this.#ended) {
      this.#unused += chunk.length;
      return new Uint8Array(0);
    }
    this.#inflate.push(chunk, pakoConstants.Z_SYNC_FLUSH);
    const err = this.#inflate.err;
    if (err !== 0 && err !== pakoConstants.Z_BUF_ERROR) {
      throw new CorruptData(this.#what, `does not inflate (${this.#inflate.msg || `zlib error ${err}`})`);
    }
    // pako keeps these on the instance but its type declarations omit them.
    const state = this.#inflate as unknown as PakoInflateState;
    if (state.ended) {
      this.#ended = true;
      this.#unused = state.strm.avail_in;
    }
    const out = this.#out;
    this.#out = [];
    return out.length === 0 ? new Uint8Array(0) : concatBytes(out);
  }
}

/** One-shot inflate of a whole stream with node:zlib; a truncated stream is `CorruptData`. */
function nativeInflate(data: Uint8Array, options: InflateOptions): Uint8Array {
  const settings = inflateSettings(data, options);
  try {
    return asUint8Array(options.raw ? nodeZlib.inflateRawSync(data, settings) : nodeZlib.inflateSync(data, settings));
  } catch (err) {
    throw inflateError(err, options, settings.maxOutputLength);
  }
}

/**
 * Node's one-shot inflate on libuv's thread pool, with the options and
 * typed errors of the codecs' `inflate`: this thread goes on meanwhile (a
 * reader of a big block is free while it inflates).
 */
export function inflateOnThreadPool(data: Uint8Array, options: InflateOptions = {}): Promise<Uint8Array> {
  const settings = inflateSettings(data, options);
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer): void => (err === null ? resolve(asUint8Array(out)) : reject(inflateError(err, options, settings.maxOutputLength)));
    if (options.raw) nodeZlib.inflateRaw(data, settings, done);
    else nodeZlib.inflate(data, settings, done);
  });
}

function inflateSettings(data: Uint8Array, options: InflateOptions): nodeZlib.ZlibOptions & { maxOutputLength: number } {
  const maxOutputLength = options.maxOutput ?? DEFAULT_MAX_INFLATE;
  const settings: nodeZlib.ZlibOptions & { maxOutputLength: number } = { maxOutputLength };
  if (options.partial === true) settings.finishFlush = nodeZlib.constants.Z_SYNC_FLUSH;
  if (options.sizeHint !== undefined && options.sizeHint > nodeZlib.constants.Z_DEFAULT_CHUNK) {
    // 64 bytes of slack: a buffer filled exactly would make zlib ask for another before it sees the end.
    settings.chunkSize = Math.min(options.sizeHint, maxOutputLength, data.length * MAX_DEFLATE_RATIO + 1024) + 64;
  }
  return settings;
}

function asUint8Array(out: Buffer): Uint8Array {
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function inflateError(err: unknown, options: InflateOptions, maxOutputLength: number): Error {
  const what = options.what ?? 'zlib stream';
  if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
    return new LimitExceeded(`inflated size of ${what}`, maxOutputLength, maxOutputLength + 1);
  }
  return new CorruptData(what, `does not inflate (${(err as Error).message})`, '', { cause: err });
}

/** Native deflate cuts a zlib stream longer than this into pieces (see the tour above). */
export const DEFLATE_PIECE_BYTES = 8 * 1024 * 1024;
/** What deflate can reach back: the dictionary each piece after the first is primed with. */
const DEFLATE_WINDOW = 32 * 1024;

/** One piece of a pieced deflate: its input (a view when it lies in one chunk) and the raw deflate's options. */
interface DeflatePiece {
  readonly input: Uint8Array;
  readonly options: nodeZlib.ZlibOptions;
}

/** `chunks`' bytes from `start` to `end`: a view when they lie in one chunk, else a copy. */
function bytesBetween(chunks: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const chunk of chunks) {
    const from = Math.max(start, at);
    const to = Math.min(end, at + chunk.length);
    if (from < to) parts.push(chunk.subarray(from - at, to - at));
    at += chunk.length;
    if (at >= end) break;
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(parts);
}

function deflatePieces(chunks: readonly Uint8Array[], total: number, level: number): DeflatePiece[] {
  const pieces: DeflatePiece[] = [];
  for (let start = 0; start < total; start += DEFLATE_PIECE_BYTES) {
    const end = Math.min(total, start + DEFLATE_PIECE_BYTES);
    const options: nodeZlib.ZlibOptions = {
      level,
      finishFlush: end === total ? nodeZlib.constants.Z_FINISH : nodeZlib.constants.Z_SYNC_FLUSH,
    };
    if (start > 0) options.dictionary = bytesBetween(chunks, start - DEFLATE_WINDOW, start);
    pieces.push({ input: bytesBetween(chunks, start, end), options });
  }
  return pieces;
}

/** The two-byte zlib header zlib writes for `level` (window 32 KiB, no preset dictionary). */
function zlibHeader(level: number): Uint8Array {
  const compressionLevel = level < 2 ? 0 : level < 6 ? 1 : level === 6 ? 2 : 3;
  const header = 0x7800 | (compressionLevel << 6);
  const checked = header + 31 - (header % 31);
  return Uint8Array.of(checked >> 8, checked & 0xff);
}

/** The zlib trailer: the Adler-32 of everything deflated, big-endian. */
function zlibTrailer(chunks: readonly Uint8Array[]): Uint8Array {
  let sum = 1;
  for (const chunk of chunks) sum = adler32(chunk, sum);
  return Uint8Array.of(sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff);
}

function totalLength(chunks: readonly Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return total;
}

/**
 * `fastZlib.deflate`'s bytes, made on libuv's thread pool: this thread goes
 * on meanwhile, and the pieces of a long input are deflated at once. The
 * result comes as chunks (the pieces are not joined).
 */
export async function deflateOnThreadPool(data: Uint8Array | readonly Uint8Array[], options: DeflateOptions = {}): Promise<Uint8Array[]> {
  const chunks = data instanceof Uint8Array ? [data] : data;
  const level = normaliseLevel(options.level);
  const raw = options.raw === true;
  const total = totalLength(chunks);
  const run = (input: Uint8Array, settings: nodeZlib.ZlibOptions, rawPiece: boolean): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const done = (err: Error | null, out: Buffer): void => (err === null ? resolve(asUint8Array(out)) : reject(err));
      if (rawPiece) nodeZlib.deflateRaw(input, settings, done);
      else nodeZlib.deflate(input, settings, done);
    });
  if (total <= DEFLATE_PIECE_BYTES) {
    const input = chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(chunks);
    return [await run(input, raw ? wholeRawSettings(input, level) : { level }, raw)];
  }
  const deflating = Promise.all(deflatePieces(chunks, total, level).map((piece) => run(piece.input, piece.options, true)));
  if (raw) return deflating;
  // Summed here while the pool deflates.
  const trailer = zlibTrailer(chunks);
  return [zlibHeader(level), ...(await deflating), trailer];
}

export const compatZlib: ZlibCodec = {
  mode: 'compat',
  deflate(data, options = {}) {
    const d = new PakoDeflater(options);
    const parts: Uint8Array[] = [];
    for (const chunk of data instanceof Uint8Array ? [data] : data) parts.push(d.push(chunk));
    parts.push(d.finish());
    return concatBytes(parts);
  },
  // Inflating gives the same bytes whichever zlib does it, so the one-shot
  // form takes node's native one; only deflate output differs between them.
  inflate(data, options = {}) {
    return nativeInflate(data, options);
  },
  createDeflater(options = {}) {
    return new PakoDeflater(options);
  },
  createInflater(options = {}) {
    return new PakoInflater(options);
  },
};

export const fastZlib: ZlibCodec = {
  mode: 'fast',
  deflate(data, options = {}) {
    const chunks = data instanceof Uint8Array ? [data] : data;
    const level = normaliseLevel(options.level);
    const raw = options.raw === true;
    const total = totalLength(chunks);
    if (total > DEFLATE_PIECE_BYTES) {
      const pieces = deflatePieces(chunks, total, level).map((piece) => asUint8Array(nodeZlib.deflateRawSync(piece.input, piece.options)));
      return concatBytes(raw ? pieces : [zlibHeader(level), ...pieces, zlibTrailer(chunks)]);
    }
    const input = chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(chunks);
    return asUint8Array(raw ? nodeZlib.deflateRawSync(input, wholeRawSettings(input, level)) : nodeZlib.deflateSync(input, { level }));
  },
  inflate(data, options = {}) {
    return nativeInflate(data, options);
  },
  // node:zlib has no synchronous incremental API; the streaming forms use pako,
  // whose output any zlib reads.
  createDeflater(options = {}) {
    return new PakoDeflater(options);
  },
  createInflater(options = {}) {
    return new PakoInflater(options);
  },
};

export function zlibFor(mode: CompressionMode): ZlibCodec {
  return mode === 'compat' ? compatZlib : fastZlib;
}
