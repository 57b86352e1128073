// Byte helpers shared by every codec: UTF-8, concatenation, comparison and the
// line model. Texts are `Uint8Array`; a line keeps its trailing `\n`; only the
// last line of a text may lack one (Breezy's "noeol").
//
// Entry points: `utf8`, `fromUtf8`, `concatBytes`, `bytesEqual`,
// `commonPrefixLength`, `commonSuffixLength`, `matchLength`, `sharedLineRuns`,
// `equalLineRun`, `lineBoundaries`, `splitLines`, `joinLines`, `splitSourceOf`, `lineStarts`, `countNewlines`,
// `chunksToLines`, `linesAreLines`, `toHex`, `uninitializedBytes`, `copyOfRange`.
//
// Lines are many small arrays, and on V8 each small-array call (`subarray`,
// `set`, `indexOf`, even reading `.buffer`) costs 50-150 ns, more than
// touching a short line's bytes: the line helpers here scan a whole text as
// a one-byte string and remember the texts they split, so that joining those
// lines back is one copy instead of one per line.

import { countNewlinesInWasm, lineStartsInWasm } from './wasm/newlines.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
const NL = 0x0a;

/** Strings up to this long are encoded here when they are ASCII: a TextEncoder call costs about 0.75 µs, this loop a third of that. */
const SHORT_ASCII = 64;

/** The UTF-8 bytes of `text` (lone surrogates become U+FFFD, as TextEncoder makes them). */
export function utf8(text: string): Uint8Array {
  const n = text.length;
  if (n <= SHORT_ASCII) {
    const out = new Uint8Array(n);
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      out[i] = c;
    }
    if (i === n) return out;
  }
  return encoder.encode(text);
}

/** Decodes UTF-8, replacing invalid sequences. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Decodes UTF-8 or returns null when the bytes are not valid UTF-8. */
export function fromUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Latin-1 view of bytes: one char per byte, for parsers that split on ASCII. */
export function latin1(bytes: Uint8Array): string {
  let out = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + CHUNK)));
  }
  return out;
}

/** Below this, zeroing a new array costs less than the detour that skips it. */
const UNZEROED_MIN_BYTES = 64 * 1024;
const allocUnsafeSlow = (globalThis as { Buffer?: { allocUnsafeSlow?: (size: number) => Uint8Array } }).Buffer?.allocUnsafeSlow;

/**
 * A new array of `length` bytes that the caller fills completely before
 * anyone else sees it: on Node a large one is not zeroed first (a text
 * extracted from a block was written twice, its zeroing about 10 ms of a
 * 173 MB stream). A plain `Uint8Array` on its own buffer, never a `Buffer`.
 */
export function uninitializedBytes(length: number): Uint8Array {
  if (length < UNZEROED_MIN_BYTES || allocUnsafeSlow === undefined) return new Uint8Array(length);
  const raw = allocUnsafeSlow(length);
  return new Uint8Array(raw.buffer, raw.byteOffset, length);
}

/** A copy of `bytes[start, end)` (as `slice`, without zeroing a large copy first). */
export function copyOfRange(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = uninitializedBytes(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = uninitializedBytes(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/**
 * The chunks as one array to read, not to keep or change: a view across them
 * when they lie end to end in one buffer (records read in one piece from a
 * file), else `concatBytes` of them.
 */
export function joinedForReading(chunks: readonly Uint8Array[]): Uint8Array {
  const first = chunks[0];
  if (first === undefined) return new Uint8Array(0);
  let end = first.byteOffset + first.length;
  for (let i = 1; i < chunks.length; i++) {
    const c = chunks[i] as Uint8Array;
    if (c.buffer !== first.buffer || c.byteOffset !== end) return concatBytes(chunks);
    end += c.length;
  }
  return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Node's memcmp over ranges of any two byte arrays (its receiver need not be a Buffer).
const rangeCompare = Buffer.prototype.compare as (
  this: Uint8Array,
  target: Uint8Array,
  targetStart: number,
  targetEnd: number,
  sourceStart: number,
  sourceEnd: number,
) => number;

/**
 * How many leading bytes `a` and `b` share. A binary search of native range
 * compares: a JS byte loop costs about a nanosecond a byte, which is what a
 * whole-text comparison of two versions must not cost.
 */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  let lo = 0;
  let hi = Math.min(a.length, b.length);
  // a[0, lo) equals b[0, lo); the answer is at most hi.
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (rangeCompare.call(a, b, lo, mid, lo, mid) === 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * How many bytes `a` from `aFrom` and `b` from `bFrom` share, at most `max`:
 * a byte loop for the first few (most matches are short), then native range
 * compares of doubling stretches (a long match costs a few calls, not a
 * loop iteration per byte).
 */
export function matchLength(a: Uint8Array, aFrom: number, b: Uint8Array, bFrom: number, max: number): number {
  const SHORT = 32;
  let m = 0;
  const head = Math.min(max, SHORT);
  while (m < head && a[aFrom + m] === b[bFrom + m]) m++;
  if (m < head) return m;
  for (let step = 2 * SHORT; m < max; step *= 2) {
    const n = Math.min(step, max - m);
    if (rangeCompare.call(a, b, bFrom + m, bFrom + m + n, aFrom + m, aFrom + m + n) === 0) {
      m += n;
      continue;
    }
    // The first difference is within [m, m + n).
    let lo = m;
    let hi = m + n;
    while (hi - lo > SHORT) {
      const mid = (lo + hi) >>> 1;
      if (rangeCompare.call(a, b, bFrom + lo, bFrom + mid, aFrom + lo, aFrom + mid) === 0) lo = mid;
      else hi = mid;
    }
    while (lo < hi && a[aFrom + lo] === b[bFrom + lo]) lo++;
    return lo;
  }
  return m;
}

/** How many trailing bytes `a` and `b` share, at most `limit`. */
export function commonSuffixLength(a: Uint8Array, b: Uint8Array, limit = Infinity): number {
  let lo = 0;
  let hi = Math.min(a.length, b.length, limit);
  const an = a.length;
  const bn = b.length;
  // The last lo bytes are equal; the answer is at most hi.
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (rangeCompare.call(a, b, bn - mid, bn - lo, an - mid, an - lo) === 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * How many whole lines two texts share at their start (`head`) and, after
 * those, at their end (`tail`), found by comparing the texts' bytes rather
 * than line by line. Each text comes with its lines' boundaries
 * (`lineBoundaries`), and its lines must be proper (each ends in its only
 * newline, but perhaps the last, which is not empty): then lines of equal
 * lengths inside a shared run of bytes are equal lines.
 */
export function sharedLineRuns(aText: Uint8Array, aBounds: Int32Array, bText: Uint8Array, bBounds: Int32Array): { head: number; tail: number } {
  const an = aBounds.length - 1;
  const bn = bBounds.length - 1;
  const prefix = commonPrefixLength(aText, bText);
  let head = 0;
  while (head < an && head < bn) {
    const end = aBounds[head + 1] as number;
    if (end !== bBounds[head + 1] || end > prefix) break;
    head++;
  }
  const headBytes = aBounds[head] as number;
  const suffix = commonSuffixLength(aText, bText, Math.min(aText.length, bText.length) - headBytes);
  let tail = 0;
  while (head + tail < an && head + tail < bn) {
    const fromEnd = aText.length - (aBounds[an - 1 - tail] as number);
    if (fromEnd !== bText.length - (bBounds[bn - 1 - tail] as number) || fromEnd > suffix) break;
    tail++;
  }
  return { head, tail };
}

/**
 * How many lines from line `aFrom` of one text and `bFrom` of another are
 * equal, at most `max`, without a byte loop per line: the bytes the two
 * texts share from there (`matchLength`, native compares) hold exactly the
 * equal lines, since proper lines split equal bytes alike (only a last line
 * without its newline can end inside them, and its length tells). Both
 * texts' lines must be proper, given by their boundaries (`lineBoundaries`).
 */
export function equalLineRun(
  aText: Uint8Array,
  aBounds: Int32Array,
  aFrom: number,
  bText: Uint8Array,
  bBounds: Int32Array,
  bFrom: number,
  max: number,
): number {
  if (max <= 0) return 0;
  const aStart = aBounds[aFrom] as number;
  const bStart = bBounds[bFrom] as number;
  const span = (aBounds[aFrom + max] as number) - aStart;
  const shared = matchLength(aText, aStart, bText, bStart, Math.min(span, bText.length - bStart));
  let n = 0;
  while (n < max) {
    const aEnd = (aBounds[aFrom + n + 1] as number) - aStart;
    if (aEnd !== (bBounds[bFrom + n + 1] as number) - bStart || aEnd > shared) break;
    n++;
  }
  return n;
}

/** Where each line starts in the text the lines make, end to end, then where the last ends: `lines.length + 1` offsets. */
export function lineBoundaries(lines: readonly Uint8Array[]): Int32Array {
  const bounds = new Int32Array(lines.length + 1);
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    bounds[i] = at;
    at += (lines[i] as Uint8Array).length;
  }
  bounds[lines.length] = at;
  return bounds;
}

/** memcmp order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

// One char per byte, so a newline char is a newline byte. Node's own latin1
// slicing (its receiver need not be a Buffer) maps byte b to char b, so the
// string is always one-byte; TextDecoder's 'latin1' is windows-1252, whose
// chars for 0x80-0x9f make a two-byte string, searched and made 4x slower
// (measured on npm texts).
const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;
// Texts are scanned as one-byte strings of at most this many chars, and a
// split keeps a copy of its lines for at most this many lines: anything
// bigger is made in the engine's large-object space, which only a full
// collection empties, so a process splitting many big texts grew by a
// string and an array each.
const SCAN_PIECE = 1 << 15;
/**
 * Texts (or ranges) at least this long have their newlines found in
 * WebAssembly (wasm/newlines.ts); a shorter one costs less to search here
 * than to copy in.
 */
const WASM_SEARCH_FROM = 512;
const REMEMBER_LINES_MAX = 1 << 12;

/** The one-byte string of `text[from, min(from + SCAN_PIECE, to))`: its search is inlined by the engine (a byte-array search is a call per hit). */
function scanPiece(text: Uint8Array, from: number, to = text.length): string {
  return latin1Slice.call(text, from, Math.min(to, from + SCAN_PIECE));
}

// On each array `splitLines` returns (hidden: not enumerable), the text and
// the lines as split, so `joinLines` can tell, by identity, lines that are
// still exactly that split (the caller may have changed the array since). A
// property of the array rather than a WeakMap entry: ephemerons made the
// collector's work per split cost more than the copies it saves. A split of
// more lines keeps only their count, and lines are that split if they still
// tile the text (`tileText`): a megabyte log's million lines were otherwise
// joined by a copy each, and their newlines counted again.
const SPLIT_FROM = Symbol('splitFrom');
interface SplitSource {
  readonly text: Uint8Array;
  /** The lines as split, for at most `REMEMBER_LINES_MAX` of them; else null. */
  readonly lines: readonly Uint8Array[] | null;
  readonly count: number;
}

/** Splits a text into lines, each keeping its `\n`; views into `text`, no copies. */
export function splitLines(text: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  const n = text.length;
  const buffer = text.buffer;
  const base = text.byteOffset;
  let start = 0;
  for (let from = 0; from < n; from += SCAN_PIECE) {
    const chars = scanPiece(text, from);
    for (let nl = chars.indexOf('\n'); nl >= 0; nl = chars.indexOf('\n', nl + 1)) {
      const end = from + nl + 1;
      lines.push(new Uint8Array(buffer, base + start, end - start));
      start = end;
    }
  }
  if (start < n) lines.push(new Uint8Array(buffer, base + start, n - start));
  markSplitFrom(lines, text);
  return lines;
}

/**
 * Marks `lines` as `text` split at its newlines, as `splitLines` marks what
 * it returns, for splitters of their own (a knit builds a text and its line
 * offsets at once). The caller vouches for it: each line a view of `text`,
 * in order, each ending in its only newline but the last, none empty.
 */
export function markSplitFrom(lines: Uint8Array[], text: Uint8Array): void {
  if (lines.length > 1) {
    const source: SplitSource = { text, lines: lines.length <= REMEMBER_LINES_MAX ? lines.slice() : null, count: lines.length };
    Object.defineProperty(lines, SPLIT_FROM, { value: source });
  }
}

/**
 * The text the lines make, as a new array (`concatBytes` of them): one copy
 * of the source when they are still exactly what `splitLines` gave.
 */
export function joinLines(lines: readonly Uint8Array[]): Uint8Array {
  return splitSourceOf(lines)?.slice() ?? concatBytes(lines);
}

/**
 * The text `splitLines` split into exactly these lines (the same arrays, in
 * the same order; shared, not copied), or undefined. Such lines are known to
 * be lines: none holds a newline but at its end, none is empty.
 */
export function splitSourceOf(lines: readonly Uint8Array[]): Uint8Array | undefined {
  const source = (lines as { readonly [SPLIT_FROM]?: SplitSource })[SPLIT_FROM];
  if (source === undefined) return undefined;
  const same = source.lines !== null ? sameElements(source.lines, lines) : tileText(lines, source.text, source.count);
  return same ? source.text : undefined;
}

/**
 * Whether `lines` are `count` non-empty views of `text`'s bytes, end to end
 * from its start to its end, each but the last ending in a newline. Given
 * that `text` split at its newlines made `count` lines, these are those
 * lines: their `count - 1` inner ends are newlines of the text, and the text
 * has no others but perhaps its last byte, which ends the last line.
 */
function tileText(lines: readonly Uint8Array[], text: Uint8Array, count: number): boolean {
  if (lines.length !== count) return false;
  const buffer = text.buffer;
  let at = text.byteOffset;
  const last = count - 1;
  for (let i = 0; i <= last; i++) {
    const line = lines[i];
    if (!(line instanceof Uint8Array) || line.buffer !== buffer || line.byteOffset !== at) return false;
    const n = line.length;
    if (n === 0 || (i !== last && line[n - 1] !== NL)) return false;
    at += n;
  }
  return at === text.byteOffset + text.length;
}

function sameElements<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** How many `\n` bytes the text holds. */
export function countNewlines(text: Uint8Array): number {
  if (text.length >= WASM_SEARCH_FROM) {
    const found = countNewlinesInWasm(text);
    if (found !== null) return found;
  }
  let count = 0;
  for (let from = 0; from < text.length; from += SCAN_PIECE) {
    const chars = scanPiece(text, from);
    for (let at = chars.indexOf('\n'); at >= 0; at = chars.indexOf('\n', at + 1)) count++;
  }
  return count;
}

/**
 * Where each line of `text[from, to)` starts (offsets into `text`), then `to`:
 * line i is `text[starts[i], starts[i + 1])`, each keeping its `\n`, a last
 * one without it included. One array of offsets instead of a view per line,
 * for readers that copy runs of lines rather than lines.
 */
export function lineStarts(text: Uint8Array, from = 0, to = text.length): Int32Array {
  if (to - from >= WASM_SEARCH_FROM) {
    const starts = lineStartsInWasm(text, from, to);
    if (starts !== null) return starts;
  }
  return lineStartsInScript(text, from, to);
}

/** `lineStarts` in JavaScript: short ranges, and hosts WebAssembly's offsets cannot be read on. */
function lineStartsInScript(text: Uint8Array, from = 0, to = text.length): Int32Array {
  // A guess of one line per 32 bytes, doubled when short.
  let starts = new Int32Array(((to - from) >>> 5) + 2);
  let n = 0;
  const push = (at: number): void => {
    if (n === starts.length) {
      const grown = new Int32Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[n++] = at;
  };
  if (from < to) push(from);
  // Searched as one-byte strings (2x faster than a byte-array search per line on npm texts).
  for (let piece = from; piece < to; piece += SCAN_PIECE) {
    const chars = scanPiece(text, piece, to);
    for (let nl = chars.indexOf('\n'); nl >= 0; nl = chars.indexOf('\n', nl + 1)) {
      const next = piece + nl + 1;
      if (next < to) push(next);
    }
  }
  push(to);
  return starts.subarray(0, n);
}

/** True when every chunk is one line: non-empty, a single `\n` at its end, only the last may lack it. */
export function linesAreLines(chunks: readonly Uint8Array[]): boolean {
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i] as Uint8Array;
    if (c.length === 0) return false;
    const nl = c.indexOf(NL);
    if (nl >= 0 && nl !== c.length - 1) return false;
    if (nl < 0 && i !== chunks.length - 1) return false;
  }
  return true;
}

/** Re-splits arbitrary chunks into lines; returns the input when it already is lines. */
export function chunksToLines(chunks: readonly Uint8Array[]): readonly Uint8Array[] {
  if (linesAreLines(chunks)) return chunks;
  return splitLines(concatBytes(chunks));
}

export function totalLength(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}
