// Line interning for the patience matcher: equal lines get one small integer
// id, so matching compares integers instead of bytes.
//
// Entry points:
//   - `LineInterner`: `intern(line)`, `internAll(lines)`, `size`. Keep one
//     across calls (a store can intern each text once and diff the id arrays
//     with `matchingBlocksIds` as often as it likes); ids are dense from 0.
//   - `internLines(a, b)`: a fresh interner over one pair, for one-off diffs.
//
// Byte lines live in an open-addressing table keyed by a 32-bit hash that
// reads four bytes per step (no string is made per line); strings use a Map.
// Byte lines and strings are separate spaces: `'a\n'` and its bytes differ.

export type DiffLine = Uint8Array | string;

/** Interned sequences: equal lines share one id in `[0, classCount)`. */
export interface InternedLines {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly classCount: number;
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

export class LineInterner {
  #size = 0;
  #mask: number;
  #slotIds: Int32Array;
  #slotHashes: Int32Array;
  readonly #representatives: Uint8Array[] = [];
  readonly #strings = new Map<string, number>();
  readonly #copyLines: boolean;

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
    return this.#internBytes(line);
  }

  /** The ids of `lines`, in order. */
  internAll(lines: readonly DiffLine[]): Int32Array {
    const ids = new Int32Array(lines.length);
    for (let i = 0; i < lines.length; i++) ids[i] = this.intern(lines[i] as DiffLine);
    return ids;
  }

  #internBytes(line: Uint8Array): number {
    const h = hashLine(line);
    const slotIds = this.#slotIds;
    const reps = this.#representatives;
    let slot = h & this.#mask;
    for (;;) {
      const id = slotIds[slot] as number;
      if (id < 0) break;
      if (this.#slotHashes[slot] === h) {
        const rep = reps[id] as Uint8Array;
        if (rep === line || sameBytes(rep, line)) return id;
      }
      slot = (slot + 1) & this.#mask;
    }
    const id = this.#size++;
    slotIds[slot] = id;
    this.#slotHashes[slot] = h;
    reps[id] = this.#copyLines ? line.slice() : line;
    if (reps.length * 2 > this.#mask) this.#grow();
    return id;
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

/**
 * Gives equal lines of `a` and `b` the same integer id. Most of `b` usually
 * repeats `a` in order, so each byte line of `b` is first compared with the
 * line of `a` after the last one it matched, and only hashed when that fails.
 */
export function internLines(a: readonly DiffLine[], b: readonly DiffLine[]): InternedLines {
  const interner = new LineInterner({ capacity: a.length + b.length });
  const aIds = interner.internAll(a);
  // where each line class of `a` sits, when it occurs once (-1: repeated)
  const onlyPos = new Int32Array(interner.size).fill(-2);
  for (let i = 0; i < aIds.length; i++) {
    const id = aIds[i] as number;
    onlyPos[id] = onlyPos[id] === -2 ? i : -1;
  }
  const bIds = new Int32Array(b.length);
  let next = 0;
  for (let j = 0; j < b.length; j++) {
    const line = b[j] as DiffLine;
    const expected = a[next];
    if (typeof line !== 'string' && expected instanceof Uint8Array && sameBytes(expected, line)) {
      bIds[j] = aIds[next++] as number;
      continue;
    }
    const id = interner.intern(line);
    bIds[j] = id;
    // resynchronise on a line that occurs once in `a`
    if (id < onlyPos.length && (onlyPos[id] as number) >= 0) next = (onlyPos[id] as number) + 1;
  }
  return { a: aIds, b: bIds, classCount: interner.size };
}

/** A 32-bit hash of a line, four bytes per multiply (lines are hashed on every one-off diff). */
function hashLine(line: Uint8Array): number {
  const n = line.length;
  let h = 0x811c9dc5 ^ n;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const word =
      (line[i] as number) | ((line[i + 1] as number) << 8) | ((line[i + 2] as number) << 16) | ((line[i + 3] as number) << 24);
    h = Math.imul(h ^ word, 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < n; i++) h = Math.imul(h ^ (line[i] as number), 0x01000193);
  return h;
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  const n = x.length;
  if (n !== y.length) return false;
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}
