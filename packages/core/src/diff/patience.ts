// Patience diff, matching Breezy's `patiencediff` 0.2.13 (its C matcher, which
// Breezy imports) block for block: knit deltas, weaves, multi-parent diffs and
// annotation all depend on these exact matching blocks.
//
// Entry points:
//   - `PatienceSequenceMatcher`: `new PatienceSequenceMatcher(a, b)` over lines
//     (`Uint8Array`, compared by content), strings, or line ids (`Int32Array`
//     from a `LineInterner`); `getMatchingBlocks()`, `getOpcodes()`,
//     `getGroupedOpcodes(n)`.
//   - `matchingBlocks(a, b)`: the blocks in one call; `matchingBlocksIds(aIds,
//     bIds)` over pre-interned lines; `opcodesFromBlocks(blocks)`.
//   - `unifiedDiff(a, b, options)`: the lines of patiencediff.unified_diff.
//   - `LineInterner`, `internLines(a, b)` (./line-interner.ts): the ids.
//
// The algorithm: lines are interned to integer ids (by the caller, once per
// text, or here per call); `recurseMatches` takes the longest common
// subsequence of the lines unique on both sides of a range (patience
// sorting), recurses into the gaps between those matches, and when a range
// has no unique lines matches its common head or tail. Like the C matcher,
// recursion deeper than 10 levels stops silently (Python's pure version
// raises instead), so deeply nested texts get Breezy's exact, partial matches.
// No common prefix or suffix is trimmed first: a repeated line in the prefix
// or the depth limit can make Breezy's recursion match differently.

import { utf8 } from '../bytes.js';
import { UnsupportedOperation } from '../errors.js';
import { internLines, type DiffLine } from './line-interner.js';

export * from './line-interner.js';

/** `[aStart, bStart, length]`: a[aStart..aStart+length) equals b[bStart..bStart+length). */
export type MatchingBlock = readonly [aStart: number, bStart: number, length: number];

export type OpcodeTag = 'equal' | 'insert' | 'delete' | 'replace';

/** `[tag, i1, i2, j1, j2]`: how a[i1..i2) becomes b[j1..j2). */
export type Opcode = readonly [tag: OpcodeTag, i1: number, i2: number, j1: number, j2: number];

/** What the matcher compares: lines by content, strings, or interned line ids. */
export type LineSequence = readonly Uint8Array[] | readonly string[] | Int32Array;

/** Breezy's matcher gives up below this depth of recursion. */
const MAX_RECURSION = 10;

/** Scratch kept between calls (below this many lines), so small diffs allocate almost nothing. */
const KEEP_SCRATCH_BELOW = 1 << 16;

/**
 * Working memory of the engine. Per line class: where its only line sits in
 * the current a range (`aPos`, -1: repeated) and in the current b range; a
 * class's entry is valid only when its stamp equals the stamp of the
 * unique-LCS call reading it, so the tables never need clearing. Per b
 * position: the a match, the patience piles, their b ends and backpointers;
 * `lcs` is a stack of (a, b) anchor pairs for the nested recursion levels.
 */
class Scratch {
  readonly aStamp: Int32Array;
  readonly aPos: Int32Array;
  readonly bStamp: Int32Array;
  readonly bPos: Int32Array;
  readonly btoa: Int32Array;
  readonly stacks: Int32Array;
  readonly lasts: Int32Array;
  readonly backpointers: Int32Array;
  readonly lcs: Int32Array;
  stamp = 0;

  constructor(
    readonly classCapacity: number,
    readonly lineCapacity: number,
  ) {
    this.aStamp = new Int32Array(classCapacity);
    this.aPos = new Int32Array(classCapacity);
    this.bStamp = new Int32Array(classCapacity);
    this.bPos = new Int32Array(classCapacity);
    this.btoa = new Int32Array(lineCapacity);
    this.stacks = new Int32Array(lineCapacity);
    this.lasts = new Int32Array(lineCapacity);
    this.backpointers = new Int32Array(lineCapacity);
    this.lcs = new Int32Array(lineCapacity * 2);
  }

  nextStamp(): number {
    if (this.stamp === 0x7fffffff) {
      this.aStamp.fill(0);
      this.bStamp.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }
}

let keptScratch: Scratch | null = null;

/** Scratch for `classes` line classes and a b side of `bLength` lines. */
function scratchFor(classes: number, bLength: number): Scratch {
  const kept = keptScratch;
  if (kept !== null && kept.classCapacity >= classes && kept.lineCapacity >= bLength) return kept;
  const size = (n: number, have: number): number => Math.max(n, Math.min(have * 2, KEEP_SCRATCH_BELOW), 64);
  const scratch = new Scratch(size(classes, kept?.classCapacity ?? 0), size(bLength, kept?.lineCapacity ?? 0));
  if (scratch.classCapacity <= KEEP_SCRATCH_BELOW && scratch.lineCapacity <= KEEP_SCRATCH_BELOW) keptScratch = scratch;
  return scratch;
}

/**
 * Ids as the engine indexes its tables: unchanged when they are small
 * non-negative integers (a one-off interner's, or a shared one's below the
 * size of the kept scratch), else renumbered densely through a hash table
 * sized by the line count, so any id values (a large shared interner's, or
 * hostile ones) cost O(lines).
 */
function denseIds(a: Int32Array, b: Int32Array): { a: Int32Array; b: Int32Array; classes: number } {
  const total = a.length + b.length;
  let min = 0;
  let max = -1;
  for (const ids of [a, b]) {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id < min) min = id;
      if (id > max) max = id;
    }
  }
  if (min >= 0 && max < Math.max(2 * total + 1024, KEEP_SCRATCH_BELOW)) return { a, b, classes: max + 1 };
  let bits = 4;
  while (1 << bits < total * 2) bits++;
  const mask = (1 << bits) - 1;
  const keys = new Int32Array(mask + 1);
  const values = new Int32Array(mask + 1).fill(-1);
  let classes = 0;
  const renumber = (ids: Int32Array): Int32Array => {
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      let slot = Math.imul(id, 0x9e3779b1) >>> (32 - bits);
      while ((values[slot] as number) >= 0 && keys[slot] !== id) slot = (slot + 1) & mask;
      if ((values[slot] as number) < 0) {
        keys[slot] = id;
        values[slot] = classes++;
      }
      out[i] = values[slot] as number;
    }
    return out;
  };
  return { a: renumber(a), b: renumber(b), classes };
}

/**
 * The matching blocks of two id sequences, flat: aStart, bStart, length per
 * block, without the sentinel.
 */
function matchIds(aIds: Int32Array, bIds: Int32Array): number[] {
  const blocks: number[] = [];
  if (aIds.length === 0 || bIds.length === 0) return blocks;
  const { a, b, classes } = denseIds(aIds, bIds);
  new PatienceEngine(a, b, scratchFor(classes, b.length), blocks).recurseMatches(0, 0, a.length, b.length, MAX_RECURSION);
  return blocks;
}

/** One run of the matcher over a pair of id sequences. */
class PatienceEngine {
  /** Top of the `lcs` stack in the scratch. */
  private top = 0;

  constructor(
    private readonly a: Int32Array,
    private readonly b: Int32Array,
    private readonly s: Scratch,
    /** Flat output: aStart, bStart, length per block. */
    private readonly blocks: number[],
  ) {}

  /** Appends the run a[ai..ai+n) = b[bj..bj+n), extending the last block when it is adjacent. */
  private addRun(ai: number, bj: number, n: number): void {
    const blocks = this.blocks;
    const last = blocks.length - 1;
    if (last > 0) {
      const len = blocks[last] as number;
      if (ai === (blocks[last - 2] as number) + len && bj === (blocks[last - 1] as number) + len) {
        blocks[last] = len + n;
        return;
      }
    }
    blocks.push(ai, bj, n);
  }

  recurseMatches(alo: number, blo: number, ahi: number, bhi: number, depth: number): void {
    if (depth < 0 || alo === ahi || blo === bhi) return;
    const a = this.a;
    const b = this.b;
    if (ahi - alo === 1 && bhi - blo === 1) {
      // the commonest gap, one line each side: a match exactly when equal
      if (a[alo] === b[blo]) this.addRun(alo, blo, 1);
      return;
    }
    const base = this.top;
    const end = this.uniqueLcs(alo, blo, ahi, bhi);
    this.top = end;
    const lcs = this.s.lcs;
    // anchors come in runs of adjacent pairs; each run is added once, after
    // the gap before it has been matched
    let runA = alo;
    let runB = blo;
    let run = 0;
    for (let k = base; k < end; k += 2) {
      const apos = lcs[k] as number;
      const bpos = lcs[k + 1] as number;
      if (runA + run !== apos || runB + run !== bpos) {
        if (run > 0) this.addRun(runA, runB, run);
        this.recurseMatches(runA + run, runB + run, apos, bpos, depth - 1);
        runA = apos;
        runB = bpos;
        run = 0;
      }
      run++;
    }
    this.top = base;
    if (end > base) {
      this.addRun(runA, runB, run);
      this.recurseMatches(runA + run, runB + run, ahi, bhi, depth - 1);
    } else if (a[alo] === b[blo]) {
      // no unique lines: take the common head, then look again after it
      let n = 1;
      while (alo + n < ahi && blo + n < bhi && a[alo + n] === b[blo + n]) n++;
      this.addRun(alo, blo, n);
      this.recurseMatches(alo + n, blo + n, ahi, bhi, depth - 1);
    } else if (a[ahi - 1] === b[bhi - 1]) {
      // ... or the common tail, and look again before it
      let nahi = ahi - 1;
      let nbhi = bhi - 1;
      while (nahi > alo && nbhi > blo && a[nahi - 1] === b[nbhi - 1]) {
        nahi--;
        nbhi--;
      }
      this.recurseMatches(alo, blo, nahi, nbhi, depth - 1);
      this.addRun(nahi, nbhi, ahi - nahi);
    }
  }

  /**
   * The longest common subsequence of the lines that occur exactly once in
   * a[alo..ahi) and once in b[blo..bhi), pushed as (a, b) position pairs in
   * increasing order onto the `lcs` stack from `this.top`; returns its new top.
   */
  private uniqueLcs(alo: number, blo: number, ahi: number, bhi: number): number {
    const { a, b } = this;
    const { aStamp, aPos, bStamp, bPos, btoa, stacks, lasts, backpointers, lcs } = this.s;
    const stamp = this.s.nextStamp();
    for (let i = alo; i < ahi; i++) {
      const c = a[i] as number;
      if (aStamp[c] !== stamp) {
        aStamp[c] = stamp;
        aPos[c] = i;
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
    const base = this.top;
    let m = piles > 0 ? (lasts[piles - 1] as number) : -1;
    for (let i = piles - 1; i >= 0; i--) {
      lcs[base + 2 * i] = btoa[m] as number;
      lcs[base + 2 * i + 1] = m + blo;
      m = backpointers[m] as number;
    }
    return base + 2 * piles;
  }
}

/** Compares two sequences of lines the way Breezy's patiencediff does. */
export class PatienceSequenceMatcher {
  readonly a: LineSequence;
  readonly b: LineSequence;
  private blocks: MatchingBlock[] | null = null;

  /** Lines of one kind on both sides: bytes, strings, or ids from one `LineInterner`. */
  constructor(a: readonly Uint8Array[] | readonly string[], b: readonly Uint8Array[] | readonly string[]);
  constructor(a: Int32Array, b: Int32Array);
  constructor(a: LineSequence, b: LineSequence) {
    this.a = a;
    this.b = b;
  }

  /** The matching blocks, increasing in a and b, ending in the `[a.length, b.length, 0]` sentinel. */
  getMatchingBlocks(): MatchingBlock[] {
    if (this.blocks === null) {
      const { a, b } = this;
      let flat: number[];
      if (a instanceof Int32Array && b instanceof Int32Array) flat = matchIds(a, b);
      else if (a instanceof Int32Array || b instanceof Int32Array) throw new UnsupportedOperation('matching line ids against lines', 'PatienceSequenceMatcher');
      else if (a.length === 0 || b.length === 0) flat = [];
      else {
        const ids = internLines(a, b);
        flat = matchIds(ids.a, ids.b);
      }
      this.blocks = toBlocks(flat, a.length, b.length);
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

function toBlocks(flat: readonly number[], aLength: number, bLength: number): MatchingBlock[] {
  const blocks: MatchingBlock[] = [];
  for (let i = 0; i < flat.length; i += 3) blocks.push([flat[i] as number, flat[i + 1] as number, flat[i + 2] as number]);
  blocks.push([aLength, bLength, 0]);
  return blocks;
}

/** The matching blocks of two sequences of lines. */
export function matchingBlocks(
  a: readonly Uint8Array[] | readonly string[],
  b: readonly Uint8Array[] | readonly string[],
): MatchingBlock[] {
  return new PatienceSequenceMatcher(a, b).getMatchingBlocks();
}

/**
 * The matching blocks of two texts given as line ids from one `LineInterner`
 * (equal ids: equal lines). The same blocks as `matchingBlocks` over the
 * lines, without hashing them again: intern each text once, diff it often.
 */
export function matchingBlocksIds(aIds: Int32Array, bIds: Int32Array): MatchingBlock[] {
  return toBlocks(matchIds(aIds, bIds), aIds.length, bIds.length);
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
