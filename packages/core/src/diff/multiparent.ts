// Multi-parent diffs, as Breezy's `multiparent.py`: a text described as runs of
// lines copied from any of its parents (`ParentText`) and lines of its own
// (`NewText`). Versioned files exchange them through `makeMpdiffs`/`addMpdiffs`.
//
// Entry points:
//   - `MultiParent.fromLines(lines, parents, leftBlocks?)` / `fromTexts`: make a
//     diff choosing parent matches exactly as Breezy does (same hunks, so the
//     same patch bytes). `MultiParent.fromInterned(text, parents)`: the same
//     diff from texts already interned by one `LineInterner` (a store diffing
//     many related texts interns each once, and matching compares ids).
//   - `toPatch()` / `MultiParent.fromPatch(bytes)`: Breezy's patch text form,
//     `i N` followed by N lines (and a lone `\n` after a last line that has its
//     newline), and `c parent parentPos childPos numLines`.
//   - `applyMultiParent(diff, parents)` (also `diff.toLines(parents)`): rebuild
//     the text from its parents' lines, checking every reference.
//   - `numLines()`, `getMatchingBlocks(parent, parentLen)`, `isSnapshot()`.
//   - `MultiParentTexts`: Breezy's `MultiMemoryVersionedFile` for `addMpdiffs`,
//     diffs and fulltexts by key, a text rebuilt on demand whatever order its
//     ancestors' diffs arrived in.

import { concatBytes, latin1, splitLines, utf8 } from '../bytes.js';
import { CorruptData, RevisionNotPresent, formatKey } from '../errors.js';
import { idToKey, keyToId, type Key } from '../keys.js';
import { PatienceSequenceMatcher, matchingBlocksIds, type InternedText, type MatchingBlock } from './patience.js';

/** A multi-parent diff that does not parse or does not fit its parents. */
export class MultiParentCorrupt extends CorruptData {
  override readonly code: string = 'MultiParentCorrupt';
  constructor(how: string, where = '') {
    super('multi-parent diff', how, where);
  }
}

/** Lines introduced by this text. */
export class NewText {
  readonly kind = 'new' as const;
  constructor(readonly lines: readonly Uint8Array[]) {}

  toPatch(): Uint8Array[] {
    return [utf8(`i ${this.lines.length}\n`), ...this.lines, Uint8Array.of(0x0a)];
  }
}

/** `numLines` lines of parent number `parent` from `parentPos`, landing at `childPos`. */
export class ParentText {
  readonly kind = 'parent' as const;
  constructor(
    readonly parent: number,
    readonly parentPos: number,
    readonly childPos: number,
    readonly numLines: number,
  ) {}

  toPatch(): Uint8Array[] {
    return [utf8(`c ${this.parent} ${this.parentPos} ${this.childPos} ${this.numLines}\n`)];
  }
}

export type Hunk = NewText | ParentText;

/** A text of byte lines with its ids from a `LineInterner`. */
export interface InternedBytes extends InternedText {
  readonly lines: readonly Uint8Array[];
}

export class MultiParent {
  constructor(readonly hunks: readonly Hunk[] = []) {}

  /**
   * The diff of `text` against `parents`. At each line the longest run any
   * parent's patience matching offers wins (the earliest parent on ties);
   * lines no parent matches become new text. `leftBlocks` are matching blocks
   * of the first parent already known to the caller.
   */
  static fromLines(
    text: readonly Uint8Array[],
    parents: readonly (readonly Uint8Array[])[] = [],
    leftBlocks?: readonly MatchingBlock[],
  ): MultiParent {
    const comparisons = parents.map((parent, p) =>
      p === 0 && leftBlocks !== undefined ? leftBlocks : new PatienceSequenceMatcher(parent, text).getMatchingBlocks(),
    );
    return MultiParent.#fromComparisons(text, comparisons);
  }

  /**
   * `fromLines` for a text and parents interned by one `LineInterner`: the
   * same diff, matched by line ids.
   */
  static fromInterned(text: InternedBytes, parents: readonly InternedBytes[] = []): MultiParent {
    const comparisons = parents.map((parent) => matchingBlocksIds(parent.ids, text.ids));
    return MultiParent.#fromComparisons(text.lines, comparisons);
  }

  /** Hunks from each parent's matching blocks against the text. */
  static #fromComparisons(text: readonly Uint8Array[], comparisons: readonly (readonly MatchingBlock[])[]): MultiParent {
    // per parent, the index of its current block (length: no blocks left)
    const cursor = comparisons.map(() => 0);
    const hunks: Hunk[] = [];
    let pending: Uint8Array[] = [];
    let line = 0;
    while (line < text.length) {
      let best: ParentText | null = null;
      for (let p = 0; p < comparisons.length; p++) {
        const blocks = comparisons[p] as readonly MatchingBlock[];
        let at = cursor[p] as number;
        // skip the blocks that end at or before this line
        while (at < blocks.length && (blocks[at] as MatchingBlock)[1] + (blocks[at] as MatchingBlock)[2] <= line) at++;
        cursor[p] = at;
        const block = blocks[at];
        if (block === undefined || block[1] > line) continue;
        const offset = line - block[1];
        const run = block[2] - offset;
        if (run > 0 && (best === null || run > best.numLines)) best = new ParentText(p, block[0] + offset, line, run);
      }
      if (best === null) {
        pending.push(text[line] as Uint8Array);
        line += 1;
      } else {
        if (pending.length > 0) {
          hunks.push(new NewText(pending));
          pending = [];
        }
        hunks.push(best);
        line += best.numLines;
      }
    }
    if (pending.length > 0) hunks.push(new NewText(pending));
    return new MultiParent(hunks);
  }

  /** The diff of a text against parent texts, each split into lines. */
  static fromTexts(text: Uint8Array, parents: readonly Uint8Array[] = []): MultiParent {
    return MultiParent.fromLines(splitLines(text), parents.map(splitLines));
  }

  /** The patch text, line by line. */
  toPatch(): Uint8Array[] {
    return this.hunks.flatMap((hunk) => hunk.toPatch());
  }

  /** The patch text as one byte array. */
  toPatchBytes(): Uint8Array {
    return concatBytes(this.toPatch());
  }

  /** Parses Breezy's patch text form; throws `MultiParentCorrupt` on anything else. */
  static fromPatch(patch: Uint8Array): MultiParent {
    const lines = splitLines(patch);
    const hunks: Hunk[] = [];
    let i = 0;
    while (i < lines.length) {
      const where = `at patch line ${i + 1}`;
      const fields = headerFields(lines[i] as Uint8Array, where);
      i += 1;
      if (fields[0] === 'c' && fields.length === 5) {
        hunks.push(new ParentText(fields[1] as number, fields[2] as number, fields[3] as number, fields[4] as number));
        continue;
      }
      if (fields[0] !== 'i' || fields.length !== 2) throw new MultiParentCorrupt('a hunk header with the wrong number of fields', where);
      const count = fields[1] as number;
      if (count > lines.length - i) throw new MultiParentCorrupt(`new text of ${count} lines is truncated`, where);
      const body = lines.slice(i, i + count);
      i += count;
      // the patch ends new text with a newline of its own; a lone `\n` after
      // it gives back the newline of a last line that had one
      const marker = lines[i]?.length === 1 && lines[i]?.[0] === 0x0a;
      if (marker) i += 1;
      if (count === 0) {
        if (!marker) throw new MultiParentCorrupt('empty new text without its newline', where);
      } else {
        const last = body[count - 1] as Uint8Array;
        if (last[last.length - 1] !== 0x0a) throw new MultiParentCorrupt('new text is truncated', where);
        if (!marker) {
          if (last.length === 1) throw new MultiParentCorrupt('new text ends in an empty line', where);
          body[count - 1] = last.subarray(0, last.length - 1);
        }
      }
      hunks.push(new NewText(body));
    }
    return new MultiParent(hunks);
  }

  /** The number of lines of the text this diff makes. */
  numLines(): number {
    let extra = 0;
    for (let h = this.hunks.length - 1; h >= 0; h--) {
      const hunk = this.hunks[h] as Hunk;
      if (hunk.kind === 'parent') return hunk.childPos + hunk.numLines + extra;
      extra += hunk.lines.length;
    }
    return extra;
  }

  /** The blocks this diff copies from `parent`, ending in the `[parentLen, numLines, 0]` sentinel. */
  getMatchingBlocks(parent: number, parentLen: number): MatchingBlock[] {
    const blocks: MatchingBlock[] = [];
    for (const hunk of this.hunks) {
      if (hunk.kind === 'parent' && hunk.parent === parent) blocks.push([hunk.parentPos, hunk.childPos, hunk.numLines]);
    }
    blocks.push([parentLen, this.numLines(), 0]);
    return blocks;
  }

  /** True when the diff is one run of new text: effectively a fulltext. */
  isSnapshot(): boolean {
    return this.hunks.length === 1 && (this.hunks[0] as Hunk).kind === 'new';
  }

  /** The text this diff makes from its parents' lines. */
  toLines(parents: readonly (readonly Uint8Array[])[] = []): Uint8Array[] {
    return applyMultiParent(this, parents);
  }

  equals(other: MultiParent): boolean {
    if (this.hunks.length !== other.hunks.length) return false;
    return this.hunks.every((hunk, h) => hunksEqual(hunk, other.hunks[h] as Hunk));
  }
}

/**
 * Rebuilds a text from a diff and its parents' lines (parent `n` of the diff is
 * `parents[n]`). Every reference is checked: a hunk naming a parent that is
 * not given, lines past a parent's end, or a `childPos` that is not where the
 * text has got to, throw `MultiParentCorrupt`.
 */
export function applyMultiParent(diff: MultiParent, parents: readonly (readonly Uint8Array[])[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  diff.hunks.forEach((hunk, h) => {
    if (hunk.kind === 'new') {
      for (const line of hunk.lines) out.push(line);
      return;
    }
    const where = `in hunk ${h}`;
    const parent = parents[hunk.parent];
    if (parent === undefined) throw new MultiParentCorrupt(`parent ${hunk.parent} of ${parents.length} is missing`, where);
    if (hunk.childPos !== out.length) {
      throw new MultiParentCorrupt(`copy lands at line ${hunk.childPos}, expected ${out.length}`, where);
    }
    if (hunk.parentPos + hunk.numLines > parent.length) {
      throw new MultiParentCorrupt(
        `copy of lines ${hunk.parentPos}..${hunk.parentPos + hunk.numLines} from a parent of ${parent.length} lines`,
        where,
      );
    }
    for (let k = hunk.parentPos; k < hunk.parentPos + hunk.numLines; k++) out.push(parent[k] as Uint8Array);
  });
  return out;
}

function hunksEqual(x: Hunk, y: Hunk): boolean {
  if (x.kind === 'parent' || y.kind === 'parent') {
    return (
      x.kind === 'parent' &&
      y.kind === 'parent' &&
      x.parent === y.parent &&
      x.parentPos === y.parentPos &&
      x.childPos === y.childPos &&
      x.numLines === y.numLines
    );
  }
  return (
    x.lines.length === y.lines.length &&
    x.lines.every((line, k) => {
      const other = y.lines[k] as Uint8Array;
      return line.length === other.length && line.every((byte, b) => byte === other[b]);
    })
  );
}

/**
 * Splits a hunk header (`i N` or `c P PP CP N`, newline optional only at the
 * end of the patch) into its letter and non-negative decimal numbers.
 */
function headerFields(line: Uint8Array, where: string): [string, ...number[]] {
  const end = line[line.length - 1] === 0x0a ? line.length - 1 : line.length;
  const text = latin1(line.subarray(0, Math.min(end, 200)));
  const parts = text.split(' ');
  const letter = parts[0] as string;
  if (end > 200 || (letter !== 'i' && letter !== 'c')) {
    throw new MultiParentCorrupt(`unknown hunk header ${JSON.stringify(text.slice(0, 40))}`, where);
  }
  const numbers = parts.slice(1).map((part) => {
    if (!/^[0-9]{1,15}$/.test(part)) throw new MultiParentCorrupt(`bad number ${JSON.stringify(part)}`, where);
    return Number(part);
  });
  return [letter, ...numbers];
}

/**
 * Texts held as multi-parent diffs against other texts by key (Breezy's
 * `MultiMemoryVersionedFile`, as `add_mpdiffs` uses it). Parent `n` of a diff
 * is the `n`th key given with it. A text is rebuilt on first request, after
 * the parents its hunks copy from, and cached; the chain is walked with an
 * explicit stack, so long histories need no deep recursion.
 */
export class MultiParentTexts {
  // by keyToId: ids are computed once per key, not per lookup
  readonly #diffs = new Map<string, StoredDiff>();
  readonly #lines = new Map<string, readonly Uint8Array[]>();

  /** Adds a fulltext. */
  addText(key: Key, lines: readonly Uint8Array[]): void {
    this.#lines.set(keyToId(key), lines);
  }

  /** Adds a text as a diff whose parent `n` is `parents[n]`. */
  addDiff(key: Key, diff: MultiParent, parents: readonly Key[]): void {
    const id = keyToId(key);
    this.#diffs.set(id, { key, diff, parents, parentIds: parents.map(keyToId) });
    this.#lines.delete(id);
  }

  has(key: Key): boolean {
    const id = keyToId(key);
    return this.#lines.has(id) || this.#diffs.has(id);
  }

  /** The lines of `key`; throws `RevisionNotPresent` when it or an ancestor it copies from is missing. */
  getLines(key: Key): readonly Uint8Array[] {
    const id = keyToId(key);
    const stack: string[] = [id];
    const inProgress = new Set<string>();
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as string;
      if (this.#lines.has(top)) {
        stack.pop();
        continue;
      }
      const entry = this.#diffs.get(top);
      if (entry === undefined) throw new RevisionNotPresent(top === id ? key : idToKey(top), 'multi-parent texts');
      const missing: string[] = [];
      for (const hunk of entry.diff.hunks) {
        const parentId = hunk.kind === 'parent' ? entry.parentIds[hunk.parent] : undefined;
        if (parentId !== undefined && !this.#lines.has(parentId)) missing.push(parentId);
      }
      if (missing.length === 0) {
        // parents no hunk copies from may be ghosts: they stand empty
        const parentLines = entry.parentIds.map((p) => this.#lines.get(p) ?? []);
        this.#lines.set(top, applyMultiParent(entry.diff, parentLines));
        inProgress.delete(top);
        stack.pop();
        continue;
      }
      if (inProgress.has(top)) throw new MultiParentCorrupt('texts copy from each other in a cycle', `at ${formatKey(entry.key)}`);
      inProgress.add(top);
      stack.push(...missing);
    }
    return this.#lines.get(id) as readonly Uint8Array[];
  }

  /** Forgets rebuilt texts (diffs and added fulltexts stay). */
  clearCache(): void {
    for (const id of this.#diffs.keys()) this.#lines.delete(id);
  }
}

interface StoredDiff {
  readonly key: Key;
  readonly diff: MultiParent;
  readonly parents: readonly Key[];
  readonly parentIds: readonly string[];
}
