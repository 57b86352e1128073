// Patience diff, matching Breezy's `patiencediff` 0.2.13 (its C matcher, which
// Breezy imports) block for block: knit deltas, weaves, multi-parent diffs and
// annotation all depend on these exact matching blocks.
//
// Entry points:
//   - `PatienceSequenceMatcher`: `new PatienceSequenceMatcher(a, b)` over lines
//     (`Uint8Array`, compared by content) or strings; `getMatchingBlocks()`,
//     `getOpcodes()`, `getGroupedOpcodes(n)`.
//   - `matchingBlocks(a, b)`: the blocks in one call; `opcodesFromBlocks(blocks)`.
//   - `unifiedDiff(a, b, options)`: the lines of patiencediff.unified_diff.
//   - `internLines(a, b)`: the integer ids the matcher compares.
//
// The algorithm: lines are interned to integer ids once; `recurseMatches`
// takes the longest common subsequence of the lines unique on both sides of a
// range (patience sorting), recurses into the gaps between those matches, and
// when a range has no unique lines matches its common head or tail. Like the C
// matcher, recursion deeper than 10 levels stops silently (Python's pure
// version raises instead), so deeply nested texts get Breezy's exact, partial
// matches.

import { utf8 } from '../bytes.js';

/** `[aStart, bStart, length]`: a[aStart..aStart+length) equals b[bStart..bStart+length). */
export type MatchingBlock = readonly [aStart: number, bStart: number, length: number];

export type OpcodeTag = 'equal' | 'insert' | 'delete' | 'replace';

/** `[tag, i1, i2, j1, j2]`: how a[i1..i2) becomes b[j1..j2). */
export type Opcode = readonly [tag: OpcodeTag, i1: number, i2: number, j1: number, j2: number];

export type DiffLine = Uint8Array | string;

/** Breezy's matcher gives up below this depth of recursion. */
const MAX_RECURSION = 10;

/** Interned sequences: equal lines share one id in `[0, classCount)`. */
export interface InternedLines {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly classCount: number;
}

/** Gives equal lines of `a` and `b` the same integer id. */
export function internLines(a: readonly DiffLine[], b: readonly DiffLine[]): InternedLines {
  const interner = new LineInterner(a.length + b.length);
  const aIds = new Int32Array(a.length);
  const bIds = new Int32Array(b.length);
  for (let i = 0; i < a.length; i++) aIds[i] = interner.intern(a[i] as DiffLine);
  for (let i = 0; i < b.length; i++) bIds[i] = interner.intern(b[i] as DiffLine);
  return { a: aIds, b: bIds, classCount: interner.size };
}

/**
 * Interns lines by content. Byte lines go into an open-addressing table keyed
 * by a 32-bit multiplicative hash (no string per line); strings use a Map.
 */
class LineInterner {
  size = 0;
  private readonly mask: number;
  private readonly slotIds: Int32Array;
  private readonly slotHashes: Int32Array;
  private readonly representatives: Uint8Array[] = [];
  private readonly strings = new Map<string, number>();

  constructor(capacityHint: number) {
    let cap = 16;
    while (cap < capacityHint * 2) cap *= 2;
    this.mask = cap - 1;
    this.slotIds = new Int32Array(cap).fill(-1);
    this.slotHashes = new Int32Array(cap);
  }

  intern(line: DiffLine): number {
    if (typeof line === 'string') {
      const known = this.strings.get(line);
      if (known !== undefined) return known;
      const id = this.size++;
      this.strings.set(line, id);
      return id;
    }
    const h = hashLine(line);
    let slot = h & this.mask;
    for (;;) {
      const id = this.slotIds[slot] as number;
      if (id < 0) break;
      if (this.slotHashes[slot] === h && sameBytes(this.representatives[id] as Uint8Array, line)) return id;
      slot = (slot + 1) & this.mask;
    }
    const id = this.size++;
    this.slotIds[slot] = id;
    this.slotHashes[slot] = h;
    this.representatives[id] = line;
    return id;
  }
}

/** A 32-bit hash of a line, four bytes per multiply (lines are hashed on every diff). */
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
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * The matching engine over interned ids. Scratch arrays are sized once per
 * pair; `stamp` marks which unique_lcs call last touched a line class, so the
 * per-class tables never need clearing.
 */
class PatienceEngine {
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  // per line class: position of its only line in the current a range (-1: repeated)
  private readonly aStamp: Int32Array;
  private readonly aPos: Int32Array;
  // per line class: position of its only line in the current b range (-1: repeated)
  private readonly bStamp: Int32Array;
  private readonly bPos: Int32Array;
  private stamp = 0;
  // per b position (relative to the range): the a match, the patience piles, backpointers
  private readonly btoa: Int32Array;
  private readonly stacks: Int32Array;
  private readonly lasts: Int32Array;
  private readonly backpointers: Int32Array;
  /** Flat output: aStart, bStart, length per block. */
  readonly blocks: number[] = [];

  constructor(ids: InternedLines) {
    this.a = ids.a;
    this.b = ids.b;
    this.aStamp = new Int32Array(ids.classCount);
    this.aPos = new Int32Array(ids.classCount);
    this.bStamp = new Int32Array(ids.classCount);
    this.bPos = new Int32Array(ids.classCount);
    const n = ids.b.length;
    this.btoa = new Int32Array(n);
    this.stacks = new Int32Array(n);
    this.lasts = new Int32Array(n);
    this.backpointers = new Int32Array(n);
  }

  run(): void {
    this.recurseMatches(0, 0, this.a.length, this.b.length, MAX_RECURSION);
  }

  /** Appends the pair (ai, bj), extending the last block when it is adjacent. */
  private addMatch(ai: number, bj: number): void {
    const blocks = this.blocks;
    const n = blocks.length;
    if (n > 0) {
      const len = blocks[n - 1] as number;
      if (ai === (blocks[n - 3] as number) + len && bj === (blocks[n - 2] as number) + len) {
        blocks[n - 1] = len + 1;
        return;
      }
    }
    blocks.push(ai, bj, 1);
  }

  private recurseMatches(alo: number, blo: number, ahi: number, bhi: number, depth: number): void {
    if (depth < 0 || alo === ahi || blo === bhi) return;
    const a = this.a;
    const b = this.b;
    const lcs = this.uniqueLcs(alo, blo, ahi, bhi);
    let lastA = alo - 1;
    let lastB = blo - 1;
    for (let k = 0; k < lcs.length; k += 2) {
      const apos = (lcs[k] as number) + alo;
      const bpos = (lcs[k + 1] as number) + blo;
      if (lastA + 1 !== apos || lastB + 1 !== bpos) {
        this.recurseMatches(lastA + 1, lastB + 1, apos, bpos, depth - 1);
      }
      lastA = apos;
      lastB = bpos;
      this.addMatch(apos, bpos);
    }
    if (lcs.length > 0) {
      this.recurseMatches(lastA + 1, lastB + 1, ahi, bhi, depth - 1);
    } else if (a[alo] === b[blo]) {
      // no unique lines: take the common head, then look again after it
      while (alo < ahi && blo < bhi && a[alo] === b[blo]) this.addMatch(alo++, blo++);
      this.recurseMatches(alo, blo, ahi, bhi, depth - 1);
    } else if (a[ahi - 1] === b[bhi - 1]) {
      // ... or the common tail, and look again before it
      let nahi = ahi - 1;
      let nbhi = bhi - 1;
      while (nahi > alo && nbhi > blo && a[nahi - 1] === b[nbhi - 1]) {
        nahi--;
        nbhi--;
      }
      this.recurseMatches(alo, blo, nahi, nbhi, depth - 1);
      for (let i = 0; i < ahi - nahi; i++) this.addMatch(nahi + i, nbhi + i);
    }
  }

  /**
   * The longest common subsequence of the lines that occur exactly once in
   * a[alo..ahi) and once in b[blo..bhi), as flat (aOffset, bOffset) pairs
   * relative to the range starts, in increasing order.
   */
  private uniqueLcs(alo: number, blo: number, ahi: number, bhi: number): Int32Array {
    const { a, b, aStamp, aPos, bStamp, bPos, btoa, stacks, lasts, backpointers } = this;
    const stamp = ++this.stamp;
    for (let i = alo; i < ahi; i++) {
      const c = a[i] as number;
      if (aStamp[c] !== stamp) {
        aStamp[c] = stamp;
        aPos[c] = i - alo;
      } else {
        aPos[c] = -1;
      }
    }
    const bsize = bhi - blo;
    for (let j = 0; j < bsize; j++) {
      btoa[j] = -1;
      const c = b[j + blo] as number;
      if (aStamp[c] !== stamp || (aPos[c] as number) < 0) continue;
      if (bStamp[c] !== stamp) {
        bStamp[c] = stamp;
        bPos[c] = j;
        btoa[j] = aPos[c] as number;
      } else {
        const first = bPos[c] as number;
        if (first >= 0) {
          btoa[first] = -1;
          bPos[c] = -1;
        }
      }
    }
    // patience sorting over the a positions, in b order
    let piles = 0;
    let k = 0;
    for (let j = 0; j < bsize; j++) {
      const apos = btoa[j] as number;
      if (apos < 0) continue;
      if (piles > 0 && (stacks[piles - 1] as number) < apos) {
        k = piles;
      } else if (
        piles > 0 &&
        (stacks[k] as number) < apos &&
        (k === piles - 1 || (stacks[k + 1] as number) > apos)
      ) {
        k += 1;
      } else {
        let lo = 0;
        let hi = piles;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((stacks[mid] as number) < apos) lo = mid + 1;
          else hi = mid;
        }
        k = lo;
      }
      backpointers[j] = k > 0 ? (lasts[k - 1] as number) : -1;
      stacks[k] = apos;
      lasts[k] = j;
      if (k === piles) piles++;
    }
    if (piles === 0) return EMPTY_PAIRS;
    const out = new Int32Array(piles * 2);
    let m = lasts[piles - 1] as number;
    for (let i = piles - 1; i >= 0; i--) {
      out[2 * i] = btoa[m] as number;
      out[2 * i + 1] = m;
      m = backpointers[m] as number;
    }
    return out;
  }
}

const EMPTY_PAIRS = new Int32Array(0);

/** Compares two sequences of lines the way Breezy's patiencediff does. */
export class PatienceSequenceMatcher {
  readonly a: readonly DiffLine[];
  readonly b: readonly DiffLine[];
  private blocks: MatchingBlock[] | null = null;

  constructor(a: readonly Uint8Array[] | readonly string[], b: readonly Uint8Array[] | readonly string[]) {
    this.a = a;
    this.b = b;
  }

  /** The matching blocks, increasing in a and b, ending in the `[a.length, b.length, 0]` sentinel. */
  getMatchingBlocks(): MatchingBlock[] {
    if (this.blocks === null) {
      const engine = new PatienceEngine(internLines(this.a, this.b));
      engine.run();
      const flat = engine.blocks;
      const blocks: MatchingBlock[] = [];
      for (let i = 0; i < flat.length; i += 3) {
        blocks.push([flat[i] as number, flat[i + 1] as number, flat[i + 2] as number]);
      }
      blocks.push([this.a.length, this.b.length, 0]);
      this.blocks = blocks;
    }
    return this.blocks.slice();
  }

  /** Opcodes turning a into b, as difflib's get_opcodes. */
  getOpcodes(): Opcode[] {
    return opcodesFromBlocks(this.getMatchingBlocks());
  }

  /** Change clusters with up to `n` lines of context, as difflib's get_grouped_opcodes. */
  getGroupedOpcodes(n = 3): Opcode[][] {
    return groupOpcodes(this.getOpcodes(), n);
  }
}

/** The matching blocks of two sequences of lines. */
export function matchingBlocks(
  a: readonly Uint8Array[] | readonly string[],
  b: readonly Uint8Array[] | readonly string[],
): MatchingBlock[] {
  return new PatienceSequenceMatcher(a, b).getMatchingBlocks();
}

/** Opcodes from matching blocks (sentinel included). */
export function opcodesFromBlocks(blocks: readonly MatchingBlock[]): Opcode[] {
  const codes: Opcode[] = [];
  let i = 0;
  let j = 0;
  for (const [ai, bj, size] of blocks) {
    if (i < ai && j < bj) codes.push(['replace', i, ai, j, bj]);
    else if (i < ai) codes.push(['delete', i, ai, j, bj]);
    else if (j < bj) codes.push(['insert', i, ai, j, bj]);
    i = ai + size;
    j = bj + size;
    if (size > 0) codes.push(['equal', ai, i, bj, j]);
  }
  return codes;
}

function groupOpcodes(opcodes: readonly Opcode[], n: number): Opcode[][] {
  const codes: Opcode[] = opcodes.length > 0 ? opcodes.slice() : [['equal', 0, 1, 0, 1]];
  // trim the context of leading and trailing runs without changes
  const first = codes[0] as Opcode;
  if (first[0] === 'equal') {
    codes[0] = ['equal', Math.max(first[1], first[2] - n), first[2], Math.max(first[3], first[4] - n), first[4]];
  }
  const lastIndex = codes.length - 1;
  const last = codes[lastIndex] as Opcode;
  if (last[0] === 'equal') {
    codes[lastIndex] = ['equal', last[1], Math.min(last[2], last[1] + n), last[3], Math.min(last[4], last[3] + n)];
  }
  const groups: Opcode[][] = [];
  let group: Opcode[] = [];
  for (const code of codes) {
    const [tag, i2, j2] = [code[0], code[2], code[4]];
    let [i1, j1] = [code[1], code[3]];
    // a long unchanged run ends the group and starts the next
    if (tag === 'equal' && i2 - i1 > n + n) {
      group.push([tag, i1, Math.min(i2, i1 + n), j1, Math.min(j2, j1 + n)]);
      groups.push(group);
      group = [];
      i1 = Math.max(i1, i2 - n);
      j1 = Math.max(j1, j2 - n);
    }
    group.push([tag, i1, i2, j1, j2]);
  }
  if (group.length > 0 && !(group.length === 1 && (group[0] as Opcode)[0] === 'equal')) groups.push(group);
  return groups;
}

export interface UnifiedDiffOptions {
  readonly fromFile?: string;
  readonly toFile?: string;
  readonly fromFileDate?: string;
  readonly toFileDate?: string;
  /** Lines of context (default 3). */
  readonly n?: number;
  /** Ends the `---`, `+++` and `@@` lines (default `\n`). */
  readonly lineTerm?: string;
}

/**
 * The unified diff of two sequences of lines, line by line, as
 * patiencediff.unified_diff with the patience matcher produces it. Content
 * lines are emitted as given, prefixed with ` `, `-` or `+` (no
 * "\ No newline at end of file" marker). Byte lines give byte output.
 */
export function unifiedDiff(a: readonly string[], b: readonly string[], options?: UnifiedDiffOptions): string[];
export function unifiedDiff(a: readonly Uint8Array[], b: readonly Uint8Array[], options?: UnifiedDiffOptions): Uint8Array[];
export function unifiedDiff(
  a: readonly string[] | readonly Uint8Array[],
  b: readonly string[] | readonly Uint8Array[],
  options: UnifiedDiffOptions = {},
): string[] | Uint8Array[] {
  const lineTerm = options.lineTerm ?? '\n';
  const fromDate = options.fromFileDate ? `\t${options.fromFileDate}` : '';
  const toDate = options.toFileDate ? `\t${options.toFileDate}` : '';
  const out: (string | [prefix: string, line: DiffLine])[] = [];
  const groups = new PatienceSequenceMatcher(a, b).getGroupedOpcodes(options.n ?? 3);
  for (const group of groups) {
    if (out.length === 0) {
      out.push(`--- ${options.fromFile ?? ''}${fromDate}${lineTerm}`);
      out.push(`+++ ${options.toFile ?? ''}${toDate}${lineTerm}`);
    }
    const head = group[0] as Opcode;
    const tail = group[group.length - 1] as Opcode;
    const [i1, i2, j1, j2] = [head[1], tail[2], head[3], tail[4]];
    out.push(`@@ -${i1 + 1},${i2 - i1} +${j1 + 1},${j2 - j1} @@${lineTerm}`);
    for (const [tag, ci1, ci2, cj1, cj2] of group) {
      if (tag === 'equal') {
        for (let i = ci1; i < ci2; i++) out.push([' ', a[i] as DiffLine]);
        continue;
      }
      if (tag === 'replace' || tag === 'delete') for (let i = ci1; i < ci2; i++) out.push(['-', a[i] as DiffLine]);
      if (tag === 'replace' || tag === 'insert') for (let j = cj1; j < cj2; j++) out.push(['+', b[j] as DiffLine]);
    }
  }
  const bytesMode = a.length > 0 ? typeof a[0] !== 'string' : b.length > 0 && typeof b[0] !== 'string';
  if (!bytesMode) return out.map((item) => (typeof item === 'string' ? item : item[0] + (item[1] as string)));
  return out.map((item) => {
    if (typeof item === 'string') return utf8(item);
    const line = item[1] as Uint8Array;
    const bytes = new Uint8Array(line.length + 1);
    bytes[0] = item[0].charCodeAt(0);
    bytes.set(line, 1);
    return bytes;
  });
}
