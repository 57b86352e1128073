// Line interning for the patience matcher: equal lines get one small integer
// id, so matching compares integers instead of bytes.
//
// Entry points:
//   - `LineInterner`: `intern(line)`, `internAll(lines, base?)`, `size`,
//     `internSpan(bytes, start, end)` (a line in place, no view made),
//     `internText(text, bounds, base?)` (every line so) and `bytesOf(id)`. Keep
//     one across calls (a store can intern each text once and diff the id
//     arrays with `matchingBlocksIds` as often as it likes); ids are dense
//     from 0. Given a `base` (an interned text this one was edited from,
//     usually its parent), lines are compared with the base's in order
//     first and only hashed where that fails: most lines of an edit cost
//     one compare. When both texts are known as bytes (lines `splitLines`
//     made, untouched; a text the caller gives; a base given as its text
//     and line boundaries, `InternedSpans`, with no line views at all), the
//     lines inside the bytes both begin and end with take the base's ids
//     without a compare each, and so do stretches that match the base in
//     order (compared as spans of bytes, `equalLineRun`).
//   - `internLines(a, b)`: a fresh interner over one pair, for one-off diffs
//     (b interned with a as its base).
//
// Byte lines live in an open-addressing table keyed by a 32-bit hash that
// reads four bytes per step (no string is made per line); strings use a Map.
// Byte lines and strings are separate spaces: `'a\n'` and its bytes differ.

import { bytesEqual, equalLineRun, lineBoundaries, sharedLineRuns, splitSourceOf } from '../bytes.js';
import { VersionedFilesError } from '../errors.js';

export type DiffLine = Uint8Array | string;

/** Interned sequences: equal lines share one id in `[0, classCount)`. */
export interface InternedLines {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly classCount: number;
}

/** A text and its ids from the same `LineInterner`. */
export interface InternedText {
  readonly lines: readonly DiffLine[];
  readonly ids: Int32Array;
  /** The lines' whole text, when the caller knows they are its proper lines (see `internAll`). */
  readonly text?: Uint8Array;
}

/**
 * A text as its bytes, its proper lines' boundaries (`lineBoundaries`: line
 * i is `text[bounds[i], bounds[i + 1])`) and their ids: a base for
 * `internAll` that needs no line views.
 */
export interface InternedSpans {
  readonly text: Uint8Array;
  readonly bounds: Int32Array;
  readonly ids: Int32Array;
}

export interface LineInternerOptions {
  /**
   * Keep a copy of each new distinct byte line instead of the caller's view.
   * A long-lived interner fed `subarray`s of whole texts otherwise keeps
   * every such text alive through its first-seen lines.
   */
  readonly copyLines?: boolean;
  /** Expected number of distinct lines (sizes the table up front). */
  readonly capacity?: number;
}

/** The buffers copied lines share (see `#copy`). */
const ARENA_BYTES = 64 * 1024;

export class LineInterner {
  #size = 0;
  #mask: number;
  #slotIds: Int32Array;
  #slotHashes: Int32Array;
  readonly #representatives: Uint8Array[] = [];
  readonly #strings = new Map<string, number>();
  readonly #copyLines: boolean;
  /** Where copied lines go (`copyLines`): many to a buffer, not a buffer each. */
  #arena = new Uint8Array(0);
  #arenaUsed = 0;
  // per id, for the base of the current `internAll`: its only position there
  // (-1: repeated); valid where `#baseStamp` holds the current stamp
  #baseStamp = new Int32Array(0);
  #basePos = new Int32Array(0);
  #stamp = 0;
  /** Id arrays this interner made: valid bases without a check of every id (one rewritten since gets what it holds). */
  readonly #made = new WeakSet<Int32Array>();

  constructor(options: LineInternerOptions = {}) {
    let cap = 16;
    const want = (options.capacity ?? 0) * 2;
    while (cap < want && cap < 1 << 30) cap *= 2;
    this.#mask = cap - 1;
    this.#slotIds = new Int32Array(cap).fill(-1);
    this.#slotHashes = new Int32Array(cap);
    this.#copyLines = options.copyLines ?? false;
  }

  /** How many distinct lines have ids: every id is below this. */
  get size(): number {
    return this.#size;
  }

  /** The id of `line`, giving it the next id when it is new. */
  intern(line: DiffLine): number {
    if (typeof line === 'string') {
      const known = this.#strings.get(line);
      if (known !== undefined) return known;
      const id = this.#size++;
      this.#strings.set(line, id);
      return id;
    }
    return this.#internBytes(line, 0, line.length);
  }

  /**
   * The ids of `lines`, in order. With a `base` (ids from this interner), each
   * line is first compared with the base line after the last one matched, and
   * hashed only when that fails; a hashed line found once in the base moves
   * the comparison there. The base is its lines, or its text and their
   * boundaries (`InternedSpans`: what a store keeps instead of line views).
   * `text` and `bounds`, when the caller has them: the lines' whole text
   * (then they must be its proper lines) and their boundaries in it.
   */
  internAll(lines: readonly DiffLine[], base?: InternedText | InternedSpans, text?: Uint8Array, bounds?: Int32Array): Int32Array {
    const ids = new Int32Array(lines.length);
    this.#made.add(ids);
    if (base === undefined) {
      for (let i = 0; i < lines.length; i++) ids[i] = this.intern(lines[i] as DiffLine);
      return ids;
    }
    this.#checkBase(base);
    // Texts given with lines promise proper lines (each ends in its only
    // newline, but perhaps the last, which is not empty), as splits are.
    const ownText = text ?? splitSourceOf(lines as readonly Uint8Array[]);
    const baseSpans = ownText === undefined ? undefined : spansOf(base);
    if (ownText !== undefined && baseSpans !== undefined) {
      const own = bounds ?? lineBoundaries(lines as readonly Uint8Array[]);
      if (own.length !== lines.length + 1 || own[lines.length] !== ownText.length) throw new RangeError(`${own.length} line boundaries for ${lines.length} lines of a ${ownText.length}-byte text`);
      this.#internAgainstSpans(lines.length, ownText, own, baseSpans, ids);
    } else {
      this.#internAgainstLines(lines, linesOf(base), base.ids, ids);
    }
    return ids;
  }

  /**
   * `internAll` when both texts are known as bytes with proper lines: the
   * lines both begin and end with take the base's ids without a compare
   * each, and so do stretches that match the base in order (compared as
   * spans of bytes, `equalLineRun`); new lines are interned in place.
   */
  #internAgainstSpans(count: number, ownText: Uint8Array, own: Int32Array, base: InternedSpans, ids: Int32Array): void {
    const { text: baseText, bounds: baseBounds, ids: baseIds } = base;
    const baseCount = baseIds.length;
    const { head, tail } = sharedLineRuns(baseText, baseBounds, ownText, own);
    ids.set(baseIds.subarray(0, head), 0);
    ids.set(baseIds.subarray(baseCount - tail), count - tail);
    const to = count - tail;
    let next = head;
    let stamp = -1;
    for (let j = head; j < to; ) {
      const run = next < baseCount ? equalLineRun(ownText, own, j, baseText, baseBounds, next, Math.min(to - j, baseCount - next)) : 0;
      if (run > 0) {
        ids.set(baseIds.subarray(next, next + run), j);
        j += run;
        next += run;
        continue;
      }
      const id = this.#internBytes(ownText, own[j] as number, own[j + 1] as number);
      ids[j++] = id;
      if (stamp < 0) stamp = this.#indexBase(baseIds);
      next = this.#moveAfter(id, stamp, next);
    }
  }

  /** `internAll` line by line, for lines or a base not known as a text's proper lines. */
  #internAgainstLines(lines: readonly DiffLine[], baseLines: readonly DiffLine[], baseIds: Int32Array, ids: Int32Array): void {
    let next = 0;
    let stamp = -1;
    for (let j = 0; j < lines.length; j++) {
      const line = lines[j] as DiffLine;
      const expected = baseLines[next];
      if (expected !== undefined && sameLine(expected, line)) {
        ids[j] = baseIds[next++] as number;
        continue;
      }
      const id = this.intern(line);
      ids[j] = id;
      if (stamp < 0) stamp = this.#indexBase(baseIds);
      next = this.#moveAfter(id, stamp, next);
    }
  }

  /** Where the comparison with the base goes on after a line interned as `id`: past its one place in the base, if it has one. */
  #moveAfter(id: number, stamp: number, next: number): number {
    if (id < this.#baseStamp.length && this.#baseStamp[id] === stamp && (this.#basePos[id] as number) >= 0) return (this.#basePos[id] as number) + 1;
    return next;
  }

  #checkBase(base: InternedText | InternedSpans): void {
    const { ids } = base;
    const count = 'bounds' in base ? base.bounds.length - 1 : base.lines.length;
    let bad = ids.length !== count;
    if (!bad && this.#made.has(ids)) return;
    for (let i = 0; i < ids.length && !bad; i++) bad = (ids[i] as number) < 0 || (ids[i] as number) >= this.#size;
    if (bad) throw new InvalidLineIds(count, ids.length);
  }

  /** Records where each id of the base sits (once) or that it repeats; returns the stamp marking those entries. */
  #indexBase(baseIds: Int32Array): number {
    if (this.#baseStamp.length < this.#size) {
      const cap = Math.max(this.#size, this.#baseStamp.length * 2);
      this.#baseStamp = new Int32Array(cap);
      this.#basePos = new Int32Array(cap);
      this.#stamp = 0;
    }
    if (this.#stamp === 0x7fffffff) {
      this.#baseStamp.fill(0);
      this.#stamp = 0;
    }
    const stamp = ++this.#stamp;
    const stamps = this.#baseStamp;
    const pos = this.#basePos;
    for (let i = 0; i < baseIds.length; i++) {
      const id = baseIds[i] as number;
      if (stamps[id] !== stamp) {
        stamps[id] = stamp;
        pos[id] = i;
      } else {
        pos[id] = -1;
      }
    }
    return stamp;
  }

  /**
   * The id of the byte line `bytes[start, end)`, without a view of it: a
   * store that holds texts as one buffer and line offsets interns them in place.
   */
  internSpan(bytes: Uint8Array, start: number, end: number): number {
    if (start < 0 || end < start || end > bytes.length) throw new RangeError(`line span [${start}, ${end}) is outside ${bytes.length} bytes`);
    return this.#internBytes(bytes, start, end);
  }

  /**
   * The ids of the lines `bounds` marks in `text` (as `lineBoundaries` or
   * `lineStarts` give them), each interned in place. Given a `base`, as
   * `internAll` takes one: then `bounds` must mark the text's proper lines
   * from its first byte to its last (`lineStarts` of the whole text).
   */
  internText(text: Uint8Array, bounds: Int32Array, base?: InternedSpans): Int32Array {
    const count = Math.max(0, bounds.length - 1);
    const ids = new Int32Array(count);
    this.#made.add(ids);
    if (base === undefined) {
      for (let i = 0; i < count; i++) ids[i] = this.internSpan(text, bounds[i] as number, bounds[i + 1] as number);
      return ids;
    }
    if (bounds[0] !== 0 || bounds[count] !== text.length) throw new RangeError(`line boundaries from ${bounds[0]} to ${bounds[count]} do not span a ${text.length}-byte text`);
    this.#checkBase(base);
    this.#internAgainstSpans(count, text, bounds, base, ids);
    return ids;
  }

  /** The bytes of the line with id `id` (the first seen of its equals); undefined for string lines and unknown ids. */
  bytesOf(id: number): Uint8Array | undefined {
    return this.#representatives[id];
  }

  #internBytes(bytes: Uint8Array, start: number, end: number): number {
    const h = hashSpan(bytes, start, end);
    const slotIds = this.#slotIds;
    const reps = this.#representatives;
    let slot = h & this.#mask;
    for (;;) {
      const id = slotIds[slot] as number;
      if (id < 0) break;
      if (this.#slotHashes[slot] === h) {
        const rep = reps[id] as Uint8Array;
        if (spanEquals(rep, bytes, start, end)) return id;
      }
      slot = (slot + 1) & this.#mask;
    }
    const id = this.#size++;
    slotIds[slot] = id;
    this.#slotHashes[slot] = h;
    reps[id] = this.#copyLines ? this.#copy(bytes, start, end) : bytes.subarray(start, end);
    if (reps.length * 2 > this.#mask) this.#grow();
    return id;
  }

  /**
   * A copy of `bytes[start, end)`, in the current arena while it has room (a
   * long line gets a buffer of its own). An ArrayBuffer per line (made,
   * then collected) was 6-10% of a knit annotation on npm-large.
   */
  #copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
    const length = end - start;
    if (length > ARENA_BYTES >> 4) return bytes.slice(start, end);
    if (this.#arenaUsed + length > this.#arena.length) {
      this.#arena = new Uint8Array(ARENA_BYTES);
      this.#arenaUsed = 0;
    }
    const arena = this.#arena;
    const at = this.#arenaUsed;
    for (let i = 0; i < length; i++) arena[at + i] = bytes[start + i] as number;
    this.#arenaUsed = at + length;
    return arena.subarray(at, at + length);
  }

  /** Doubles the table, re-placing every entry by its stored hash. */
  #grow(): void {
    const oldIds = this.#slotIds;
    const oldHashes = this.#slotHashes;
    const cap = oldIds.length * 2;
    const mask = cap - 1;
    const ids = new Int32Array(cap).fill(-1);
    const hashes = new Int32Array(cap);
    for (let s = 0; s < oldIds.length; s++) {
      const id = oldIds[s] as number;
      if (id < 0) continue;
      const h = oldHashes[s] as number;
      let slot = h & mask;
      while ((ids[slot] as number) >= 0) slot = (slot + 1) & mask;
      ids[slot] = id;
      hashes[slot] = h;
    }
    this.#slotIds = ids;
    this.#slotHashes = hashes;
    this.#mask = mask;
  }
}

/** Gives equal lines of `a` and `b` the same integer id (`b` interned with `a` as its base). */
export function internLines(a: readonly DiffLine[], b: readonly DiffLine[]): InternedLines {
  const interner = new LineInterner({ capacity: a.length + b.length });
  const aIds = interner.internAll(a);
  const bIds = interner.internAll(b, { lines: a, ids: aIds });
  return { a: aIds, b: bIds, classCount: interner.size };
}

/** A base whose ids are not this interner's ids for its lines (wrong length or unknown ids). */
export class InvalidLineIds extends VersionedFilesError {
  readonly code = 'InvalidLineIds' as const;
  declare readonly data: { readonly lines: number; readonly ids: number };
  constructor(lines: number, ids: number) {
    super(`line ids do not belong to this interner's lines (${lines} lines, ${ids} ids)`, { lines, ids });
  }
}

/** A 32-bit hash of the line `bytes[start, end)`, four bytes per multiply (lines are hashed on every one-off diff). */
function hashSpan(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const word =
      (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    h = Math.imul(h ^ word, 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h;
}

/** `line` equals `bytes[start, end)`. */
function spanEquals(line: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (line.length !== end - start) return false;
  for (let i = 0; i < line.length; i++) if (line[i] !== bytes[start + i]) return false;
  return true;
}

function sameLine(x: DiffLine, y: DiffLine): boolean {
  if (typeof x === 'string' || typeof y === 'string') return x === y;
  return bytesEqual(x, y);
}

/** The base as a text and its lines' boundaries, when its text is known (given, or its lines a split); else undefined. */
function spansOf(base: InternedText | InternedSpans): InternedSpans | undefined {
  if ('bounds' in base) return base;
  const text = base.text ?? splitSourceOf(base.lines as readonly Uint8Array[]);
  return text === undefined ? undefined : { text, bounds: lineBoundaries(base.lines as readonly Uint8Array[]), ids: base.ids };
}

/** The base's lines: views of its text when it is given as spans. */
function linesOf(base: InternedText | InternedSpans): readonly DiffLine[] {
  if (!('bounds' in base)) return base.lines;
  const { text, bounds } = base;
  return Array.from({ length: bounds.length - 1 }, (_, i) => text.subarray(bounds[i] as number, bounds[i + 1] as number));
}
