// The weave: every version of one text interleaved in one list of lines and
// insertion/deletion instructions, versions named by strings (revision ids).
//
// Entry points: `Weave` (in memory: `addLines`, `getLines`/`getText`,
// `getParentMap`, `getAncestry`, `annotate`/`annotateAs`, `iterLinesAddedOrPresentInVersions`,
// `planMerge`, `check`, `toBytes`/`Weave.fromBytes`), `PlanState`/`PlanLine`
// (the merge-plan vocabulary shared with `merge/`), `WeaveMatcher` (the line
// matcher a weave uses to place a new version).
//
// A new version is woven in the way Breezy does it: extract the union of its
// ancestors' lines (the basis), match the new lines against it with the patience
// matcher, wrap each basis run the new version drops in `[ v` … `] v` and insert
// each run it adds as a `{ v` … `}` block right after. The same inserts in the
// same order give the same body, and so the same file bytes, as Breezy.
//
// Each weave keeps a `LineInterner` and, beside the body, the id of every body
// line (built on the first insert after a load): a basis is then matched by
// its ids, and only the new text's lines are hashed, most of them not even
// that (they are compared in order with the basis first). The text last
// added is kept with its ids: a child of it (most adds) is matched against it
// by whole-text byte compares, so only the lines around its edits are looked at.

import {
  ExistingContent,
  InvalidChecksum,
  LineInterner,
  MultiParent,
  PatienceSequenceMatcher,
  RevisionAlreadyPresent,
  RevisionNotPresent,
  ReservedId,
  bytesEqual,
  checkAddedLines,
  concatBytes,
  matchingBlocksIds,
  opcodesFromBlocks,
  sha1Hex,
  splitLines,
  utf8,
} from '@versionedfiles/core';
import {
  END_INSERTION,
  WeaveFormatError,
  instruction,
  isTextLine,
  parseWeave,
  serializeWeave,
  serializeWeaveIndexed,
  spliceSerializedWeave,
  type BodyInsertion,
  type SerializedWeave,
  type WeaveContents,
  type WeaveItem,
} from './format/weave-file.js';
import { weaveInternals, type CheckedText } from './internal.js';
import type { InternedBytes, MatchingBlock, Opcode } from '@versionedfiles/core';

/** Breezy's merge-plan states; see `Weave.planMerge`. */
export type PlanState =
  | 'unchanged'
  | 'new-a'
  | 'new-b'
  | 'killed-a'
  | 'killed-b'
  | 'killed-both'
  | 'killed-base'
  | 'conflicted-a'
  | 'conflicted-b'
  | 'irrelevant'
  | 'ghost-a'
  | 'ghost-b';

export type PlanLine = readonly [state: PlanState, line: Uint8Array];

/** `[aStart, bStart, length]` runs, ending in the `[a.length, b.length, 0]` sentinel. */
export type WeaveMatcher = (a: readonly Uint8Array[], b: readonly Uint8Array[]) => readonly MatchingBlock[];

export const patienceMatcher: WeaveMatcher = (a, b) => new PatienceSequenceMatcher(a, b).getMatchingBlocks();

/** The revision id every history starts from; it has no parents and is never stored. */
export const NULL_REVISION = 'null:';

export interface WeaveOptions {
  /** Accept reserved names (ending in ':') in lookups; the plan merger uses them. */
  readonly allowReserved?: boolean;
  readonly matcher?: WeaveMatcher;
}

export interface ExtractOptions {
  /**
   * Check each text against its recorded sha1 (`InvalidChecksum` on a
   * mismatch). Default true; false trusts the weave, for bulk reads of
   * files already checked (a corrupted text then goes unnoticed).
   */
  readonly verifySha1?: boolean;
}

export interface WeaveAddOptions {
  /** Refuse (throw `ExistingContent`) when the text's sha1 equals this. */
  readonly nostoreSha?: string;
}

/** A version given as a multi-parent diff, for `Weave.addMpdiffs`. */
export interface WeaveMpdiff {
  readonly name: string;
  readonly parents: readonly string[];
  readonly sha1: string;
  readonly diff: MultiParent;
}

export interface WeaveAddResult {
  readonly name: string;
  readonly sha1: string;
  readonly size: number;
  readonly index: number;
}

export class Weave {
  #body: WeaveItem[] = [];
  #parents: number[][] = [];
  #sha1s: string[] = [];
  #names: string[] = [];
  #index = new Map<string, number>();
  // Line ids beside the body (-1 for instructions), from `#interner`; null
  // until the first insert needs them. Only ever appended to, so shared by copies.
  #ids: number[] | null = null;
  #interner = new LineInterner();
  // The version added last, when its lines are its text split at newlines.
  #recent: RecentText | null = null;
  // The file bytes last made by `toBytes` and the insertions made since,
  // in order: one add's worth at most (null once a second add comes, or
  // before the first `toBytes`), so the next `toBytes` splices them in.
  #saved: SerializedWeave | null = null;
  #sinceSaved: BodyInsertion[] | null = null;
  readonly #allowReserved: boolean;
  // null: the patience matcher over line ids
  readonly #matcher: WeaveMatcher | null;

  constructor(
    /** A label for messages: typically the file name. */
    readonly weaveName = '',
    options: WeaveOptions = {},
  ) {
    this.#allowReserved = options.allowReserved ?? false;
    this.#matcher = options.matcher ?? null;
  }

  static fromBytes(bytes: Uint8Array, weaveName = '', options: WeaveOptions = {}): Weave {
    // parseWeave's arrays are fresh: adopt them rather than copy.
    return Weave.#adopting(parseWeave(bytes), weaveName, options);
  }

  /**
   * A weave over the given structure, checked exactly as a file would be (it
   * goes through the file format), so a malformed one is a `WeaveFormatError`.
   */
  static fromContents(contents: WeaveContents, weaveName = '', options: WeaveOptions = {}): Weave {
    return Weave.fromBytes(serializeWeave(contents), weaveName, options);
  }

  static #adopting(contents: WeaveContents, weaveName: string, options: WeaveOptions): Weave {
    const w = new Weave(weaveName, options);
    w.#body = contents.body as WeaveItem[];
    w.#parents = contents.parents as number[][];
    w.#sha1s = contents.sha1s as string[];
    w.#names = contents.names as string[];
    contents.names.forEach((name, i) => w.#index.set(name, i));
    return w;
  }

  /** A snapshot of the structure; the arrays are copies, the lines are shared. */
  contents(): WeaveContents {
    return {
      parents: this.#parents.map((p) => [...p]),
      sha1s: [...this.#sha1s],
      names: [...this.#names],
      body: [...this.#body],
    };
  }

  toBytes(): Uint8Array {
    const contents = { parents: this.#parents, sha1s: this.#sha1s, names: this.#names, body: this.#body };
    if (this.#saved !== null && this.#sinceSaved !== null) {
      // Made back to front, so reversed they ascend, and ties land in body order.
      this.#saved = spliceSerializedWeave(this.#saved, contents, this.#sinceSaved.reverse());
    } else {
      this.#saved = serializeWeaveIndexed(contents);
    }
    this.#sinceSaved = [];
    return this.#saved.bytes;
  }

  copy(): Weave {
    const options = this.#matcher === null ? { allowReserved: this.#allowReserved } : { allowReserved: this.#allowReserved, matcher: this.#matcher };
    const copy = Weave.#adopting(this.contents(), this.weaveName, options);
    if (this.#ids !== null) {
      copy.#ids = [...this.#ids];
      copy.#interner = this.#interner;
      copy.#recent = this.#recent;
    }
    copy.#saved = this.#saved;
    copy.#sinceSaved = this.#sinceSaved && [...this.#sinceSaved];
    return copy;
  }

  /** Same parents, sha1s and body (names aside), as Breezy's `Weave.__eq__`. */
  equals(other: Weave): boolean {
    const a = this.contents();
    const b = other.contents();
    if (a.parents.length !== b.parents.length || a.body.length !== b.body.length) return false;
    for (let v = 0; v < a.parents.length; v++) {
      if (a.sha1s[v] !== b.sha1s[v]) return false;
      const pa = a.parents[v] as readonly number[];
      const pb = b.parents[v] as readonly number[];
      if (pa.length !== pb.length || pa.some((p, i) => p !== pb[i])) return false;
    }
    return a.body.every((item, i) => itemsEqual(item, b.body[i] as WeaveItem));
  }

  get numVersions(): number {
    return this.#parents.length;
  }

  /** Version names in insertion (index) order. */
  versions(): string[] {
    return [...this.#names];
  }

  hasVersion(name: string): boolean {
    return this.#index.has(name);
  }

  /** Index of a version; `RevisionNotPresent` (or `ReservedId`) otherwise. */
  lookup(name: string): number {
    if (!this.#allowReserved && name.endsWith(':')) throw new ReservedId([name]);
    const index = this.#index.get(name);
    if (index === undefined) throw new RevisionNotPresent([name], this.weaveName);
    return index;
  }

  nameOf(index: number): string {
    const name = this.#names[index];
    if (name === undefined) throw new RangeError(`no version ${index} in weave ${this.weaveName}`);
    return name;
  }

  /**
   * Adds a version. Every parent must already be in the weave (weaves cannot
   * hold ghosts: a missing one is `RevisionNotPresent`). A `null` name stores the
   * text as `sha1:<hex>`. Re-adding a name with the same text and parents returns
   * the existing version; anything else under a taken name is
   * `RevisionAlreadyPresent`. On any error the weave is unchanged.
   */
  addLines(
    name: string | null,
    parents: readonly string[],
    lines: readonly Uint8Array[],
    options: WeaveAddOptions = {},
  ): WeaveAddResult {
    const parentIndexes = parents.map((p) => this.lookup(p));
    const { text, proper } = checkAddedLines(lines);
    return this.#add(name, parentIndexes, { lines, text, sha1: sha1Hex(text), proper }, options);
  }

  static {
    // The package's stores hand over texts their own checks already passed.
    weaveInternals.addCheckedText = (weave, name, parents, checked, options) =>
      weave.#add(name, parents.map((p) => weave.lookup(p)), checked, options);
  }

  #add(name: string | null, parentIndexes: number[], checked: CheckedText, options: WeaveAddOptions): WeaveAddResult {
    const { lines, sha1 } = checked;
    const size = checked.text.length;
    if (options.nostoreSha !== undefined && sha1 === options.nostoreSha) {
      throw new ExistingContent(name === null ? null : [name], sha1);
    }
    const versionName = name ?? `sha1:${sha1}`;
    const existing = this.#index.get(versionName);
    if (existing !== undefined) {
      if (!sameMembers(this.#parents[existing] as number[], parentIndexes) || this.#sha1s[existing] !== sha1) {
        throw new RevisionAlreadyPresent([versionName], this.weaveName);
      }
      return { name: versionName, sha1, size, index: existing };
    }
    const index = this.#parents.length;
    const placed = this.#weaveIn(index, parentIndexes, checked);
    // Kept only for proper lines: equal bytes then mean equal lines. The
    // array is copied, as the caller may reuse it; the text is already ours.
    this.#recent =
      checked.proper && placed !== null
        ? { lines: placed.lines.slice(), ids: placed.ids, positions: placed.positions, version: index, text: checked.text }
        : null;
    this.#parents.push(parentIndexes);
    this.#sha1s.push(sha1);
    this.#names.push(versionName);
    this.#index.set(versionName, index);
    return { name: versionName, sha1, size, index };
  }

  /**
   * Weaves version `v` into the body, in place (nothing after the match can
   * fail). Returns where its lines now are in the body and their ids, or null
   * where that was not worked out (an unchanged text of a version not kept).
   */
  #weaveIn(v: number, parents: readonly number[], checked: CheckedText): Placed | null {
    const { lines, sha1 } = checked;
    const body = this.#body;
    // Positions below are in the body as it is now: a second add since the
    // last `toBytes` would mix two coordinate systems, so it serializes afresh.
    if (this.#sinceSaved !== null && this.#sinceSaved.length > 0) this.#sinceSaved = null;
    if (parents.length === 0) {
      // Nothing to match against: append the whole text (an empty one adds nothing).
      const ids = this.#interner.internAll(lines);
      const positions = new Int32Array(lines.length);
      for (let j = 0; j < lines.length; j++) positions[j] = body.length + 1 + j;
      if (lines.length > 0) this.#insertAll([{ at: body.length, items: insertion(v, lines), ids: insertionIds(ids), firstLine: 0 }]);
      return { lines, ids, positions };
    }
    const recent = parents.length === 1 && this.#recent?.version === parents[0] ? this.#recent : null;
    if (parents.length === 1 && this.#sha1s[parents[0] as number] === sha1) return recent;

    // The parent added last is known already: no walk of the body for it.
    let basis: Placed;
    let ids: Int32Array;
    if (recent !== null && checked.proper) {
      basis = recent;
      // Both texts are proper lines: the interner matches their shared head and tail by bytes.
      ids = this.#interner.internAll(lines, recent, checked.text);
    } else {
      const extracted = this.#extract(this.#inclusions(parents), { positions: true });
      const basisIds = this.#idsAt(extracted.positions);
      basis = { lines: extracted.lines, ids: basisIds, positions: Int32Array.from(extracted.positions) };
      ids = this.#interner.internAll(lines, { lines: basis.lines, ids: basisIds });
    }
    if (sameIds(basis.ids, ids)) return { lines, ids, positions: basis.positions };
    const blocks = this.#matcher === null ? matchingBlocksIds(basis.ids, ids) : this.#matcher(basis.lines, lines);
    // Past the last basis line: where a run added at the very end lands.
    const positionOf = (i: number): number => (i < basis.positions.length ? (basis.positions[i] as number) : body.length);
    const changes = opcodesFromBlocks(blocks).filter(([tag]) => tag !== 'equal');
    const edits: BodyEdit[] = [];
    // From the last change back, as if inserted one by one: positions of earlier ones stay valid.
    for (let c = changes.length - 1; c >= 0; c--) {
      const [, i1, i2, j1, j2] = changes[c] as Opcode;
      const end = positionOf(i2);
      if (j1 < j2) edits.push({ at: end, items: insertion(v, lines.slice(j1, j2)), ids: insertionIds(ids.subarray(j1, j2)), firstLine: j1 });
      if (i1 < i2) {
        edits.push({ at: end, items: [instruction(']', v)], ids: [-1] });
        edits.push({ at: positionOf(i1), items: [instruction('[', v)], ids: [-1] });
      }
    }
    this.#insertAll(edits);
    return { lines, ids, positions: placeAfterEdits(basis.positions, blocks, edits, lines.length) };
  }

  /** The ids of the body's lines, interning the body on first use. */
  #bodyIds(): number[] {
    if (this.#ids === null) {
      const interner = this.#interner;
      this.#ids = this.#body.map((item) => (isTextLine(item) ? interner.intern(item) : -1));
    }
    return this.#ids;
  }

  /**
   * Makes the edits (items and their ids, both the same length, each put
   * before body index `at`) as if one by one in the order given, back to
   * front: positions never increase, and the later of two at one position
   * lands first. The body is rebuilt once from slices rather than spliced
   * per edit, each splice moving everything after it.
   */
  #insertAll(edits: readonly BodyEdit[]): void {
    const body = this.#body;
    const ids = this.#bodyIds();
    const bodyParts: WeaveItem[][] = [];
    const idParts: number[][] = [];
    let from = 0;
    for (let e = edits.length - 1; e >= 0; e--) {
      const edit = edits[e] as BodyEdit;
      bodyParts.push(body.slice(from, edit.at), edit.items);
      idParts.push(ids.slice(from, edit.at), edit.ids);
      from = edit.at;
    }
    bodyParts.push(body.slice(from));
    idParts.push(ids.slice(from));
    this.#body = joinArrays(bodyParts);
    this.#ids = joinArrays(idParts);
    if (this.#sinceSaved !== null) for (const { at, items } of edits) this.#sinceSaved.push({ at, items });
  }

  /** Every version in the ancestry of `versions` (themselves included), as flags by index. */
  #inclusions(versions: readonly number[]): Uint8Array {
    const included = new Uint8Array(this.#parents.length);
    let max = -1;
    for (const v of versions) {
      included[v] = 1;
      if (v > max) max = v;
    }
    // Parents always have smaller indexes, so one downward sweep closes the set.
    for (let v = max; v > 0; v--) {
      if (included[v]) for (const p of this.#parents[v] as number[]) included[p] = 1;
    }
    return included;
  }

  /** The lines alive in the included set, with (when asked) their origin and position in the body. */
  #extract(
    included: Uint8Array,
    want: { readonly positions?: boolean } = {},
  ): { lines: Uint8Array[]; origins: number[]; positions: number[] } {
    // Origins are always kept: a push per line costs less than the engine
    // recompiling this loop the first time someone annotates.
    const withPositions = want.positions ?? false;
    const lines: Uint8Array[] = [];
    const origins: number[] = [];
    const positions: number[] = [];
    const insertions: number[] = [];
    let deleting = 0;
    const body = this.#body;
    for (let pos = 0; pos < body.length; pos++) {
      const item = body[pos] as WeaveItem;
      if (isTextLine(item)) {
        const top = insertions[insertions.length - 1];
        if (deleting === 0 && top !== undefined && included[top]) {
          lines.push(item);
          origins.push(top);
          if (withPositions) positions.push(pos);
        }
      } else if (item.op === '{') {
        insertions.push(item.version);
      } else if (item.op === '}') {
        insertions.pop();
      } else if (included[item.version]) {
        deleting += item.op === '[' ? 1 : -1;
      }
    }
    return { lines, origins, positions };
  }

  /** The text of a version, checked against its recorded sha1 (`InvalidChecksum`) unless told not to. */
  getLines(name: string, options: ExtractOptions = {}): Uint8Array[] {
    const v = this.lookup(name);
    if (options.verifySha1 === false) return this.#extract(this.#inclusions([v])).lines;
    return this.#checkedText(v).lines;
  }

  getText(name: string, options: ExtractOptions = {}): Uint8Array {
    const v = this.lookup(name);
    if (options.verifySha1 === false) return concatBytes(this.#extract(this.#inclusions([v])).lines);
    return this.#checkedText(v).text;
  }

  #checkedText(v: number, withPositions = false): { lines: Uint8Array[]; text: Uint8Array; positions: number[] } {
    const { lines, positions } = this.#extract(this.#inclusions([v]), { positions: withPositions });
    const text = concatBytes(lines);
    const actual = sha1Hex(text);
    const expected = this.#sha1s[v] as string;
    if (actual !== expected) throw new InvalidChecksum([this.nameOf(v)], expected, actual);
    return { lines, text, positions };
  }

  getSha1s(names: Iterable<string>): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of names) out.set(name, this.#sha1s[this.lookup(name)] as string);
    return out;
  }

  /** Direct parents of a present version, in stored order. */
  getParents(name: string): string[] {
    return (this.#parents[this.lookup(name)] as number[]).map((p) => this.nameOf(p));
  }

  /** One multi-parent diff per version, against its parents' texts (Breezy's `make_mpdiffs`). */
  makeMpdiffs(names: readonly string[]): MultiParent[] {
    const texts = new Map<number, InternedBytes>();
    const textOf = (v: number): InternedBytes => {
      let text = texts.get(v);
      if (text === undefined) {
        text = this.#internedText(v);
        texts.set(v, text);
      }
      return text;
    };
    return names.map((name) => {
      const v = this.lookup(name);
      return MultiParent.fromInterned(textOf(v), (this.#parents[v] as number[]).map(textOf));
    });
  }

  /**
   * A version's text split into lines (as Breezy diffs it), sha1 checked, with
   * line ids: the body's own where its lines already are that split.
   */
  #internedText(v: number): InternedBytes {
    const { lines, text, positions } = this.#checkedText(v, true);
    const last = lines.length - 1;
    // Lines without a newline before the end (or an empty last one) split differently.
    const split = lines.every((l, i) => l[l.length - 1] === 0x0a || (i === last && l.length > 0));
    if (!split) {
      const resplit = splitLines(text);
      return { lines: resplit, ids: this.#interner.internAll(resplit) };
    }
    return { lines, ids: this.#idsAt(positions) };
  }

  /** The ids of the body lines at these positions. */
  #idsAt(positions: readonly number[]): Int32Array {
    const bodyIds = this.#bodyIds();
    const ids = new Int32Array(positions.length);
    for (let i = 0; i < ids.length; i++) ids[i] = bodyIds[positions[i] as number] as number;
    return ids;
  }

  /**
   * Adds versions given as multi-parent diffs against their parents (present
   * here or earlier in `records`). Every text is rebuilt and its sha1 checked
   * (`InvalidChecksum`) before the first is added, so a bad record changes nothing.
   */
  addMpdiffs(records: readonly WeaveMpdiff[]): void {
    const built = new Map<string, Uint8Array[]>();
    const linesOf = (name: string): Uint8Array[] => built.get(name) ?? splitLines(this.getText(name));
    for (const record of records) {
      const lines = record.diff.toLines(record.parents.map(linesOf));
      const actual = sha1Hex(concatBytes(lines));
      if (actual !== record.sha1) throw new InvalidChecksum([record.name], record.sha1, actual);
      built.set(record.name, lines);
    }
    const staged = this.copy();
    for (const record of records) staged.addLines(record.name, record.parents, built.get(record.name) as Uint8Array[]);
    this.#adopt(staged);
  }

  /** Takes over another weave's structure (used to commit staged changes). */
  #adopt(other: Weave): void {
    this.#body = other.#body;
    this.#parents = other.#parents;
    this.#sha1s = other.#sha1s;
    this.#names = other.#names;
    this.#index = other.#index;
    this.#ids = other.#ids;
    this.#interner = other.#interner;
    this.#recent = other.#recent;
    this.#saved = other.#saved;
    this.#sinceSaved = other.#sinceSaved;
  }

  /** Parents of the names present; absent names are left out, `null:` has none. */
  getParentMap(names: Iterable<string>): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const name of names) {
      if (name === NULL_REVISION) {
        out.set(name, []);
        continue;
      }
      let v: number;
      try {
        v = this.lookup(name);
      } catch (err) {
        if (err instanceof RevisionNotPresent) continue;
        throw err;
      }
      out.set(name, (this.#parents[v] as number[]).map((p) => this.nameOf(p)));
    }
    return out;
  }

  /** The names of the versions and all their ancestors. */
  getAncestry(names: Iterable<string>): Set<string> {
    const included = this.#inclusions([...names].map((n) => this.lookup(n)));
    const out = new Set<string>();
    included.forEach((flag, v) => {
      if (flag) out.add(this.nameOf(v));
    });
    return out;
  }

  /** Each line of the version with the version whose insertion block holds it. */
  annotate(name: string): [string, Uint8Array][] {
    return this.annotateAs(name, (origin) => origin);
  }

  /**
   * `annotate` with each origin turned into a label (a store's key, say) once
   * per origin version: its lines share that one label.
   */
  annotateAs<T>(name: string, label: (origin: string) => T): [T, Uint8Array][] {
    const { lines, origins } = this.#extract(this.#inclusions([this.lookup(name)]));
    const labels: T[] = [];
    const labelled = new Uint8Array(this.#names.length);
    const out = new Array<[T, Uint8Array]>(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const origin = origins[i] as number;
      if (labelled[origin] === 0) {
        labels[origin] = label(this.#names[origin] as string);
        labelled[origin] = 1;
      }
      out[i] = [labels[origin] as T, lines[i] as Uint8Array];
    }
    return out;
  }

  /**
   * Every body line inserted by one of `names` (default: all), each ending in
   * `\n`, with the version that inserted it. Lines a later version deleted are
   * included: the answer covers at least the lines of the texts asked for.
   */
  *iterLinesAddedOrPresentInVersions(names?: Iterable<string>): Generator<[Uint8Array, string]> {
    const wanted = new Uint8Array(this.#parents.length);
    if (names === undefined) wanted.fill(1);
    else for (const name of names) {
      const v = this.#index.get(name);
      if (v !== undefined) wanted[v] = 1;
    }
    const newline = utf8('\n');
    for (const { insertedBy, line } of this.#walk()) {
      if (!wanted[insertedBy]) continue;
      yield [line[line.length - 1] === 0x0a ? line : concatBytes([line, newline]), this.nameOf(insertedBy)];
    }
  }

  /**
   * Every text line of the body with the version that inserted it and the
   * versions whose deletions cover it.
   */
  *#walk(): Generator<{ insertedBy: number; deletedBy: readonly number[]; line: Uint8Array }> {
    const insertions: number[] = [];
    const deletions: number[] = [];
    for (const item of this.#body) {
      if (isTextLine(item)) {
        const top = insertions[insertions.length - 1];
        if (top === undefined) throw new WeaveFormatError('text line outside any insertion');
        yield { insertedBy: top, deletedBy: deletions, line: item };
      } else if (item.op === '{') {
        insertions.push(item.version);
      } else if (item.op === '}') {
        insertions.pop();
      } else if (item.op === '[') {
        deletions.push(item.version);
      } else {
        const at = deletions.indexOf(item.version);
        if (at < 0) throw new WeaveFormatError(`deletion by version ${item.version} closed but not open`);
        deletions.splice(at, 1);
      }
    }
  }

  /**
   * How versions `a` and `b` merge: each body line that matters, labelled from
   * the ancestries of a, b and their common ancestry c. Lines killed in c are
   * `killed-base`; lines from c are `unchanged` or `killed-a`/`-b`/`-both`;
   * lines only a (b) has are `new-a` (`new-b`), or `ghost-a` (`ghost-b`) when a
   * (b) already deleted them; the rest are `irrelevant`.
   */
  planMerge(a: string, b: string): PlanLine[] {
    const incA = this.#inclusions([this.lookup(a)]);
    const incB = this.#inclusions([this.lookup(b)]);
    const out: PlanLine[] = [];
    for (const { insertedBy, deletedBy, line } of this.#walk()) {
      let killedA = false;
      let killedB = false;
      for (const d of deletedBy) {
        if (incA[d]) killedA = true;
        if (incB[d]) killedB = true;
      }
      const inA = incA[insertedBy] === 1;
      const inB = incB[insertedBy] === 1;
      let state: PlanState;
      if (deletedBy.some((d) => incA[d] && incB[d])) state = 'killed-base';
      else if (inA && inB) state = killedA && killedB ? 'killed-both' : killedA ? 'killed-a' : killedB ? 'killed-b' : 'unchanged';
      else if (inA) state = killedA ? 'ghost-a' : 'new-a';
      else if (inB) state = killedB ? 'ghost-b' : 'new-b';
      else state = 'irrelevant';
      out.push([state, line]);
    }
    return out;
  }

  /**
   * Checks the parents point backwards and every version's text matches its
   * sha1 (`InvalidChecksum`), as Breezy's `Weave.check`.
   */
  check(): void {
    for (let v = 0; v < this.#parents.length; v++) {
      for (const p of this.#parents[v] as number[]) {
        if (p >= v) throw new WeaveFormatError(`invalid included version ${p} for index ${v}`);
      }
    }
    for (let v = 0; v < this.#parents.length; v++) {
      const { lines } = this.#extract(this.#inclusions([v]));
      const actual = sha1Hex(concatBytes(lines));
      if (actual !== this.#sha1s[v]) throw new InvalidChecksum([this.nameOf(v)], this.#sha1s[v] as string, actual);
    }
  }
}

/**
 * Breezy's checks on added lines: bytes, and no newline but at the end.
 * Returns the whole text, which the caller needs anyway.
 */
export function checkLines(lines: readonly Uint8Array[]): Uint8Array {
  return checkAddedLines(lines).text;
}

/**
 * Items to put before body index `at`, with their line ids (-1 for
 * instructions); for an insertion block, the index of its first line in the
 * new version.
 */
interface BodyEdit {
  readonly at: number;
  readonly items: WeaveItem[];
  readonly ids: number[];
  readonly firstLine?: number;
}

/** A version's lines, their ids, and where each sits in the body. */
interface Placed {
  readonly lines: readonly Uint8Array[];
  readonly ids: Int32Array;
  readonly positions: Int32Array;
}

/** The version added last (proper lines) with its text, for matching its child by bytes. */
interface RecentText extends Placed {
  readonly version: number;
  readonly text: Uint8Array;
}

/**
 * Where the new version's lines are once `edits` (back to front, as
 * `#insertAll` takes them) are made: a matched line moves down by the items
 * inserted at or before its basis position; an added line sits in its block.
 */
function placeAfterEdits(
  basisPositions: Int32Array,
  blocks: readonly MatchingBlock[],
  edits: readonly BodyEdit[],
  lineCount: number,
): Int32Array {
  const positions = new Int32Array(lineCount);
  let before = 0;
  for (let e = edits.length - 1; e >= 0; e--) {
    const { at, items, firstLine } = edits[e] as BodyEdit;
    if (firstLine !== undefined) for (let k = 0; k < items.length - 2; k++) positions[firstLine + k] = at + before + 1 + k;
    before += items.length;
  }
  let e = edits.length - 1;
  let shift = 0;
  for (const [ai, bj, size] of blocks) {
    for (let k = 0; k < size; k++) {
      const at = basisPositions[ai + k] as number;
      for (; e >= 0 && (edits[e] as BodyEdit).at <= at; e--) shift += (edits[e] as BodyEdit).items.length;
      positions[bj + k] = at + shift;
    }
  }
  return positions;
}

/** `{ v`, the lines, `}`: one insertion block. */
function insertion(v: number, lines: readonly Uint8Array[]): WeaveItem[] {
  return [instruction('{', v), ...lines, END_INSERTION];
}

/** The ids beside an insertion block: none for its two instructions. */
function insertionIds(ids: Int32Array): number[] {
  const out = new Array<number>(ids.length + 2);
  out[0] = -1;
  for (let i = 0; i < ids.length; i++) out[i + 1] = ids[i] as number;
  out[ids.length + 1] = -1;
  return out;
}

/** Inserts `items` into `list` before index `at`, in place. */
/** The arrays end to end (concat takes its arrays as arguments: a stack's worth at a time). */
function joinArrays<T>(parts: readonly T[][]): T[] {
  const CHUNK = 8192;
  let out: T[] = [];
  for (let k = 0; k < parts.length; k += CHUNK) out = out.concat(...parts.slice(k, k + CHUNK));
  return out;
}

function sameIds(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  return sa.every((x, i) => x === sb[i]);
}

function itemsEqual(a: WeaveItem, b: WeaveItem): boolean {
  if (isTextLine(a) || isTextLine(b)) return isTextLine(a) && isTextLine(b) && bytesEqual(a, b);
  return a.op === b.op && a.version === b.version;
}
