// Building texts from knit records: walk each delta chain back to a fulltext,
// then apply the deltas forward, keeping a built content while deltas still to
// be built apply to it, so a chain shared by many texts is expanded once and a
// batch holds about one chain of texts at a time. Told which texts will be
// asked for, it also keeps those built on the way to another (children come
// before parents in `groupcompress` order) until asked, within a budget of lines. Each text asked for is
// checked against the sha1 in its record header, unless the caller trusts the
// records. Each delta applied leaves the matching blocks between its basis's
// text and its own, which an annotator takes instead of diffing the two (as
// Breezy's knit annotator does).
//
// A plain text asked for whole (`fulltext`) or as lines (`text`) is built as
// one buffer with line offsets (flat.ts): whole, it is a view, not a join; as
// lines, views of that buffer. Every annotated text, and plain texts asked for
// as contents, are built as line arrays (content.ts), whose lines are shared
// with the basis and the records. A chain goes on in the form of the text it
// starts from. For an annotator (`deferredText`), texts are built as line
// ids of its interner (interned.ts), never as bytes, and the records stay
// inflated for the one text it then asks for whole. Records are inflated in groups, each in one native call
// (`inflateRecords`): a record and those after it not yet decoded, since
// texts are built in about the order their records come; or all of them
// ahead, on libuv's thread pool (`inflateAll`), which a reader can run for
// its next batch while it builds this one. That is the one asynchronous step
// here, and it only computes: no IO.
//
// Entry points: `RawComponent` (one stored record and how to read it),
// `TextBuilder` (`inflateAll()`, `content(key)`, `checkedContent(key)`,
// `text(key)`, `fulltext(key)`, `deferredText(key, interner)`, `sha1(key)`,
// `takeMatchingBlocks(key, parent)`),
// `deltaMatchingBlocks(hunks, basis, target)`, `spanMatchingBlocks`.

import { KeyMap, concatBytes, keysEqual, sha1Hex } from '@versionedfiles/core';
import type { DeferredLines, Key, LineInterner, MatchingBlock } from '@versionedfiles/core';
import { applyDelta, contentText, parseFulltext, parseLineDelta, type DeltaHunk, type KnitContent } from './content.js';
import { KnitCorrupt, type KnitWhere } from './errors.js';
import { applyInternedDelta, internedFulltext, textIds, type InternedKnitText } from './interned.js';
import { applyFlatDelta, flatFulltext, flatJoined, flatLines, lineCount, lineViews, stripOrigins, type FlatText, type HunkSpan } from './flat.js';
import type { KnitMethod } from './kndx.js';
import { decodeRecordLines, inflateRecords, inflateRecordsAsync, parseRecordLines, recordBody, recordSizeHint, type RecordLines } from './record.js';

export interface RawComponent {
  /** The gzip record. */
  readonly bytes: Uint8Array;
  readonly method: KnitMethod;
  readonly noeol: boolean;
  /** The record a line delta applies to; null for fulltexts. */
  readonly next: Key | null;
}

/** At most this many lines of texts built ahead of being asked for are kept. */
const KEEP_WANTED_LINES = 1 << 21;
/** At most this many bytes of records are kept inflated after an annotator's build (see `#decode`). */
const KEEP_INFLATED_BYTES = 8 << 20;
/** Records are inflated together, in one native call, up to about this many bytes of output. */
const INFLATE_GROUP_BYTES = 1 << 20;
const INFLATE_GROUP_RECORDS = 512;

/** A built text: plain knits build flat texts, annotated ones line arrays with origins. */
type TextBuilt = FlatText | KnitContent;
/** Or, for an annotator, the stored lines' ids. */
type Built = TextBuilt | InternedKnitText;

function isFlat(built: Built): built is FlatText {
  return 'bytes' in built;
}

function isInterned(built: Built): built is InternedKnitText {
  return 'ids' in built;
}

function builtLines(built: Built): number {
  return isFlat(built) ? lineCount(built) : isInterned(built) ? built.ids.length : built.lines.length;
}

/**
 * How a chain is built in one form: which kept texts it may start from, and
 * how a record becomes a text of that form (a fulltext on its own, a delta on
 * its basis's text, giving where its hunks were).
 */
interface BuildForm<T extends Built> {
  /** Keep the records' inflated bytes for a build in another form next (see `#decode`). */
  readonly keepsRecords: boolean;
  fits(built: Built): built is T;
  fulltext(record: RecordLines, noeol: boolean, where: KnitWhere): T;
  delta(basis: T, record: RecordLines, noeol: boolean, where: KnitWhere): { text: T; spans: readonly HunkSpan[] };
}

/** How a text built from a delta matches its basis, worked out only if asked. */
interface DeltaShape {
  readonly basis: Key;
  readonly spans: readonly HunkSpan[];
  readonly basisLines: number;
  readonly basisNoeol: boolean;
  readonly lines: number;
  readonly noeol: boolean;
}

/**
 * What the builder knows of one record: everything per key lives here, found
 * by one lookup per text asked for; delta chains are walked by reference.
 */
interface Node {
  readonly key: Key;
  readonly component: RawComponent;
  /** Where its record comes in the order given (about the order in the file). */
  readonly index: number;
  /** Its record inflated ahead of being decoded, along with the records before it. */
  inflated: Uint8Array | null;
  /** Its record's bytes stay inflated after decoding (see `#decode`). */
  keptInflated: boolean;
  /** Decoded at least once: not inflated ahead again. */
  decoded: boolean;
  /** Inflated on its own: a group it was in did not inflate whole. */
  alone: boolean;
  /** The node of the record a delta applies to (undefined: a fulltext, or its basis is missing). */
  basis: Node | undefined;
  /** Line-delta records that apply to this one and have not been built yet. */
  waiting: number;
  /** Kept while deltas still to be built may start from it, or it is still to be asked for. */
  built: Built | null;
  keptForAsking: boolean;
  /** Still to be asked for (once). */
  wanted: boolean;
  sha1: string | null;
  verified: boolean;
  shape: DeltaShape | null;
}

export class TextBuilder {
  readonly #nodes = new KeyMap<Node>();
  /** The nodes in the order their records were given. */
  readonly #order: Node[] = [];
  #wantedLinesKept = 0;
  #inflatedKept = 0;
  readonly #flatForm: BuildForm<TextBuilt>;
  readonly #contentForm: BuildForm<TextBuilt>;
  #interned: { readonly interner: LineInterner; readonly form: BuildForm<InternedKnitText> } | null = null;

  /**
   * `verifySha1: false` trusts the records: texts are not checked against
   * their sha1s. `wanted`: the texts the caller will ask for, once each.
   */
  constructor(
    private readonly annotated: boolean,
    components: KeyMap<RawComponent>,
    private readonly file = '',
    private readonly verifySha1 = true,
    wanted: Iterable<Key> = [],
  ) {
    this.#flatForm = this.#textForm(true);
    this.#contentForm = this.#textForm(false);
    for (const [key, component] of components) {
      const node: Node = {
        key,
        component,
        index: this.#order.length,
        inflated: null,
        keptInflated: false,
        decoded: false,
        alone: false,
        basis: undefined,
        waiting: 0,
        built: null,
        keptForAsking: false,
        wanted: false,
        sha1: null,
        verified: false,
        shape: null,
      };
      this.#nodes.set(key, node);
      this.#order.push(node);
    }
    for (const node of this.#nodes.values()) {
      const next = node.component.next;
      if (node.component.method !== 'line-delta' || next === null) continue;
      const basis = this.#nodes.get(next);
      if (basis === undefined) continue;
      node.basis = basis;
      basis.waiting += 1;
    }
    for (const key of wanted) {
      const node = this.#nodes.get(key);
      if (node !== undefined) node.wanted = true;
    }
  }

  has(key: Key): boolean {
    return this.#nodes.has(key);
  }

  /**
   * Decodes the record of `node`, keeping only its sha1 (the body is used
   * once, to build), or with `keep` its inflated bytes too while they fit
   * `KEEP_INFLATED_BYTES`: an annotator that walked a chain as ids asks for
   * the last text's bytes next, and its chain then needs no inflating again.
   */
  #decode(node: Node, keep = false): RecordLines {
    const key = node.key;
    const where = { key, file: this.file };
    const versionId = key[key.length - 1] as string;
    if (node.inflated === null && !node.alone) this.#inflateAhead(node);
    const text = node.inflated;
    if (text !== null) {
      const kept = keep && (node.keptInflated || this.#inflatedKept + text.length <= KEEP_INFLATED_BYTES);
      if (kept !== node.keptInflated) this.#inflatedKept += kept ? text.length : -text.length;
      node.keptInflated = kept;
    }
    if (!node.keptInflated) node.inflated = null;
    node.decoded = true;
    const record = text !== null ? parseRecordLines(text, where, versionId) : decodeRecordLines(node.component.bytes, where, { versionId });
    node.sha1 = record.sha1;
    return record;
  }

  /**
   * Inflates the record of `node` together with the records after it that
   * have not been decoded yet, which building the texts asked for next will
   * most likely need (records come about in the order texts are built).
   */
  #inflateAhead(node: Node): void {
    const group = this.#groupFrom(node);
    this.#takeInflated(group.nodes, inflateRecords(group.raws));
  }

  /**
   * Inflates every record not inflated yet, in the groups `#inflateAhead`
   * would make, on libuv's thread pool: a reader can start this for its next
   * batch of records while it builds texts from this one. Building waits for
   * nothing: call it, and await it, before asking for any text. With
   * `onlyInParallel`, it does so only when there are two groups or more to
   * inflate side by side; otherwise the records are left to be inflated here
   * as building needs them (one group handed to the pool and waited for
   * costs this thread more than inflating it: an annotator's small batches).
   */
  async inflateAll(onlyInParallel = false): Promise<void> {
    // Groups go forward through the order, so each starts past the last one's end.
    const groups: { nodes: Node[]; raws: Uint8Array[] }[] = [];
    for (let i = 0; i < this.#order.length; i++) {
      const node = this.#order[i] as Node;
      if (!this.#inflatable(node)) continue;
      const group = this.#groupFrom(node);
      groups.push(group);
      i = (group.nodes[group.nodes.length - 1] as Node).index;
    }
    if (onlyInParallel && groups.length < 2) return;
    const texts = await Promise.all(groups.map((group) => inflateRecordsAsync(group.raws)));
    groups.forEach((group, i) => this.#takeInflated(group.nodes, texts[i] ?? null));
  }

  /**
   * Texts as bytes: flat (one buffer, where it can) or as a content (line
   * arrays, origins kept). A chain goes on in the form of the text it starts
   * from; an annotated text built flat has lost its origins, so a content
   * asked for is built past it.
   */
  #textForm(flat: boolean): BuildForm<TextBuilt> {
    const annotated = this.annotated;
    return {
      keepsRecords: false,
      fits: (built): built is TextBuilt => !isInterned(built) && (flat || !annotated || !isFlat(built)),
      fulltext: (record, noeol, where) =>
        flat ? flatFulltext(this.#plain(record, false, where), noeol) : parseFulltext(recordBody(record).body, annotated, noeol, where),
      delta: (basis, record, noeol, where) => {
        if (isFlat(basis)) return applyFlatDelta(basis, this.#plain(record, true, where), noeol, where);
        const hunks = parseLineDelta(recordBody(record).body, annotated, where);
        return { text: applyDelta(basis, hunks, noeol, record.versionId, where), spans: hunkSpans(hunks) };
      },
    };
  }

  /** Texts as ids of `interner` (interned.ts). */
  #internedForm(interner: LineInterner): BuildForm<InternedKnitText> {
    return {
      keepsRecords: true,
      fits: (built): built is InternedKnitText => isInterned(built) && built.interner === interner,
      fulltext: (record, noeol, where) => internedFulltext(this.#plain(record, false, where), noeol, interner),
      delta: (basis, record, noeol, where) => applyInternedDelta(basis, this.#plain(record, true, where), noeol, where),
    };
  }

  /** The record as a plain knit would hold it: annotated ones lose their origins (a flat text has none). */
  #plain(record: RecordLines, delta: boolean, where: KnitWhere): RecordLines {
    return this.annotated ? stripOrigins(record, delta, where) : record;
  }

  /** `node` and the inflatable records after it, up to a group's worth. */
  #groupFrom(node: Node): { nodes: Node[]; raws: Uint8Array[] } {
    const nodes: Node[] = [node];
    const raws: Uint8Array[] = [node.component.bytes];
    let bytes = recordSizeHint(raws[0] as Uint8Array);
    for (let i = node.index + 1; i < this.#order.length && bytes < INFLATE_GROUP_BYTES && nodes.length < INFLATE_GROUP_RECORDS; i++) {
      const next = this.#order[i] as Node;
      if (!this.#inflatable(next)) continue;
      const raw = next.component.bytes;
      nodes.push(next);
      raws.push(raw);
      bytes += recordSizeHint(raw);
    }
    return { nodes, raws };
  }

  #inflatable(node: Node): boolean {
    return !node.decoded && !node.alone && node.inflated === null && node.built === null;
  }

  /** A group that did not inflate whole (null) is read record by record, which says what is wrong where. */
  #takeInflated(group: readonly Node[], texts: readonly Uint8Array[] | null): void {
    for (let i = 0; i < group.length; i++) {
      const member = group[i] as Node;
      if (texts === null) member.alone = true;
      else member.inflated = texts[i] as Uint8Array;
    }
  }

  #node(key: Key): Node {
    const node = this.#nodes.get(key);
    if (node === undefined) throw new KnitCorrupt('a record needed to build a text is missing', { key, file: this.file });
    return node;
  }

  /**
   * The built text of `node`, in `form`. A text is kept only while deltas
   * not yet built apply to it, so a batch holds about one chain's worth of
   * texts, not all of them; asking again rebuilds.
   */
  #build<T extends Built>(node: Node, form: BuildForm<T>): T {
    if (node.built !== null && form.fits(node.built)) return node.built;
    // Walk back to a fulltext or a text already built. A chain longer than
    // the records there are must pass one of them twice.
    const chain: Node[] = [];
    let cursor: Node | undefined = node;
    let base: T | null = null;
    let baseNode: Node | null = null;
    while (cursor !== undefined) {
      if (cursor.built !== null && form.fits(cursor.built)) {
        base = cursor.built;
        baseNode = cursor;
        break;
      }
      if (chain.length >= this.#nodes.size) throw new KnitCorrupt('delta chain loops', { key: node.key, file: this.file });
      chain.push(cursor);
      const component: RawComponent = cursor.component;
      if (component.method === 'fulltext') break;
      if (component.next === null) throw new KnitCorrupt('line-delta without a basis', { key: cursor.key, file: this.file });
      if (cursor.basis === undefined) {
        throw new KnitCorrupt(`missing basis ${JSON.stringify(component.next)} for a line-delta`, { key: cursor.key, file: this.file });
      }
      cursor = cursor.basis;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const at = chain[i] as Node;
      const component = at.component;
      const record = this.#decode(at, form.keepsRecords);
      const where = { key: at.key, file: this.file };
      let built: T;
      if (component.method === 'fulltext') {
        built = form.fulltext(record, component.noeol, where);
      } else {
        if (base === null || baseNode === null) throw new KnitCorrupt('line-delta without a basis', where);
        const applied = form.delta(base, record, component.noeol, where);
        built = applied.text;
        at.shape = { basis: baseNode.key, spans: applied.spans, basisLines: builtLines(base), basisNoeol: base.noeol, lines: builtLines(built), noeol: built.noeol };
        baseNode.waiting -= 1;
        this.#release(baseNode);
      }
      if (at.waiting > 0 || (at !== node && at.wanted)) {
        at.built = built;
        this.#release(at);
      }
      base = built;
      baseNode = at;
    }
    return base as T;
  }

  /**
   * Keeps a built text while a delta still to be built starts from it, or
   * (within the budget of lines) while it is still to be asked for; drops it
   * otherwise.
   */
  #release(node: Node): void {
    if (node.waiting > 0) return;
    const kept = node.built;
    if (kept === null) return;
    const lines = builtLines(kept);
    if (node.wanted) {
      if (node.keptForAsking) return;
      if (this.#wantedLinesKept + lines <= KEEP_WANTED_LINES) {
        node.keptForAsking = true;
        this.#wantedLinesKept += lines;
        return;
      }
    }
    node.built = null;
    if (node.keptForAsking) {
      node.keptForAsking = false;
      this.#wantedLinesKept -= lines;
    }
  }

  /** `node` was asked for: it need not be kept for that any more. */
  #asked(node: Node): void {
    if (!node.wanted) return;
    node.wanted = false;
    this.#release(node);
  }

  /** The content of `key` (every line with its stored newline). */
  content(key: Key): KnitContent {
    return asContent(this.#build(this.#node(key), this.#contentForm));
  }

  /** The content of `key`, its text checked against its record's sha1 (once). */
  checkedContent(key: Key): KnitContent {
    const node = this.#node(key);
    const built = this.#build(node, this.#contentForm);
    this.#check(node, built);
    this.#asked(node);
    return asContent(built);
  }

  /**
   * The text of `key` as lines, checked against its record's sha1. Built flat
   * where it can be: the lines are then views of one buffer, and the check
   * hashes that buffer instead of a join of the lines.
   */
  text(key: Key): readonly Uint8Array[] {
    const built = this.#checkedFlat(key).built;
    return textLines(built);
  }

  /**
   * The text of `key` for an annotator: its line count and line ids (of
   * `interner`) now, its lines only if asked (built then, and checked against
   * its record's sha1). An annotator walking a history needs the lines of few
   * texts: it matches the rest on their ids, or takes the matching blocks
   * their deltas leave, as Breezy's knit annotator does; each of their records
   * still passed its gzip CRC check.
   */
  deferredText(key: Key, interner: LineInterner): DeferredLines {
    const node = this.#node(key);
    if (this.#interned?.interner !== interner) this.#interned = { interner, form: this.#internedForm(interner) };
    const built = this.#build(node, this.#interned.form);
    this.#asked(node);
    let lines: readonly Uint8Array[] | null = null;
    return {
      count: builtLines(built),
      interned: { ids: textIds(built), interner },
      lines: () => {
        if (lines === null) {
          const text = this.#build(node, this.#flatForm);
          this.#check(node, text);
          lines = textLines(text);
        }
        return lines;
      },
    };
  }

  /** The text of `key` in one piece, checked against its record's sha1. */
  fulltext(key: Key): Uint8Array {
    const checked = this.#checkedFlat(key);
    return checked.joined ?? joined(checked.built);
  }

  /** Builds `key` (flat where it can), checks it once, and gives the join the check made, if any. */
  #checkedFlat(key: Key): { built: TextBuilt; joined: Uint8Array | null } {
    const node = this.#node(key);
    const built = this.#build(node, this.#flatForm);
    let text: Uint8Array | null = null;
    if (this.verifySha1 && !node.verified) this.#verify(node, (text = joined(built)));
    this.#asked(node);
    return { built, joined: text };
  }

  #check(node: Node, built: TextBuilt): void {
    if (this.verifySha1 && !node.verified) this.#verify(node, joined(built));
  }

  #verify(node: Node, text: Uint8Array): void {
    const expected = node.sha1 ?? this.#decode(node).sha1;
    // One digest over the joined text: far cheaper than one update per line.
    const actual = sha1Hex(text);
    if (actual !== expected) {
      throw new KnitCorrupt(`sha1 mismatch: text is ${actual}, record says ${expected}`, { key: node.key, file: this.file });
    }
    node.verified = true;
  }

  /**
   * The matching blocks between the text of `parent` and that of `key`, when
   * `key` was built here from a delta on `parent`; null otherwise. Given once.
   */
  takeMatchingBlocks(key: Key, parent: Key): readonly MatchingBlock[] | null {
    const node = this.#nodes.get(key);
    const shape = node?.shape;
    if (node === undefined || shape === null || shape === undefined || !keysEqual(shape.basis, parent)) return null;
    node.shape = null;
    return spanMatchingBlocks(shape.spans, shape.basisLines, shape.basisNoeol, shape.lines, shape.noeol);
  }

  /** The sha1 the record of `key` claims for its text. */
  sha1(key: Key): string {
    const node = this.#node(key);
    return node.sha1 ?? this.#decode(node).sha1;
  }
}

/** The text's lines as the user gave them: views of a flat text's buffer, or a content's lines. */
function textLines(built: TextBuilt): readonly Uint8Array[] {
  return isFlat(built) ? flatLines(built) : contentText(built);
}

/** Flat texts as line arrays: a view per line. */
function asContent(built: TextBuilt): KnitContent {
  return isFlat(built) ? { lines: lineViews(built.bytes, built.starts), origins: null, noeol: built.noeol } : built;
}

function joined(built: TextBuilt): Uint8Array {
  return isFlat(built) ? flatJoined(built) : concatBytes(contentText(built));
}

function hunkSpans(hunks: readonly DeltaHunk[]): HunkSpan[] {
  return hunks.map((h) => ({ start: h.start, end: h.end, count: h.lines.length }));
}

/**
 * The matching blocks between two texts that a line delta implies: the basis
 * lines it copies. A copied run ending at a last line one side stores without
 * its newline (noeol) and the other with it does not match there (the texts'
 * lines differ), so that line is left out, as Breezy's `get_line_delta_blocks`.
 */
export function deltaMatchingBlocks(hunks: readonly DeltaHunk[], basis: KnitContent, target: KnitContent): MatchingBlock[] {
  return spanMatchingBlocks(hunkSpans(hunks), basis.lines.length, basis.noeol, target.lines.length, target.noeol);
}

/** `deltaMatchingBlocks` from where the hunks were and the two texts' line counts. */
export function spanMatchingBlocks(
  spans: readonly HunkSpan[],
  basisLength: number,
  basisNoeol: boolean,
  targetLength: number,
  targetNoeol: boolean,
): MatchingBlock[] {
  const blocks: MatchingBlock[] = [];
  let s = 0;
  let t = 0;
  const run = (n: number): void => {
    const basisStripped = basisNoeol && s + n === basisLength;
    const targetStripped = targetNoeol && t + n === targetLength;
    const length = n > 0 && basisStripped !== targetStripped ? n - 1 : n;
    if (length > 0) blocks.push([s, t, length]);
  };
  for (const span of spans) {
    const n = span.start - s;
    run(n);
    t += n + span.count;
    s = span.end;
  }
  run(basisLength - s);
  return blocks;
}
