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
// Entry points: `RawComponent` (one stored record and how to read it),
// `TextBuilder` (`content(key)`, `checkedContent(key)`, `text(key)`,
// `fulltext(key)`, `sha1(key)`, `takeMatchingBlocks(key, parent)`),
// `deltaMatchingBlocks(hunks, basis, target)`.

import { KeyMap, concatBytes, keysEqual, sha1Hex } from '@versionedfiles/core';
import type { Key, MatchingBlock } from '@versionedfiles/core';
import { applyDelta, contentText, parseFulltext, parseLineDelta, type DeltaHunk, type KnitContent } from './content.js';
import { KnitCorrupt } from './errors.js';
import type { KnitMethod } from './kndx.js';
import { decodeRecord, type KnitRecord } from './record.js';

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

export class TextBuilder {
  /** Built contents that deltas still to be built may start from. */
  readonly #contents = new KeyMap<KnitContent>();
  /** Per record, how many line-delta records apply to it and have not been built yet (filled on first build). */
  #waitingChildren: KeyMap<number> | null = null;
  /** Texts still to be asked for (each once), and the lines kept for them ahead of their turn. */
  readonly #wanted = new KeyMap<true>();
  readonly #keptForAsking = new KeyMap<true>();
  #wantedLinesKept = 0;
  readonly #sha1s = new KeyMap<string>();
  readonly #verified = new KeyMap<string>();
  /** Per text built from a delta: its basis and their matching blocks, until taken. */
  readonly #blocks = new KeyMap<{ readonly basis: Key; readonly blocks: readonly MatchingBlock[] }>();

  /**
   * `verifySha1: false` trusts the records: texts are not checked against
   * their sha1s. `wanted`: the texts the caller will ask for, once each.
   */
  constructor(
    private readonly annotated: boolean,
    private readonly components: KeyMap<RawComponent>,
    private readonly file = '',
    private readonly verifySha1 = true,
    wanted: Iterable<Key> = [],
  ) {
    for (const key of wanted) this.#wanted.set(key, true);
  }

  has(key: Key): boolean {
    return this.components.has(key);
  }

  /** Decodes the record of `key`, keeping only its sha1 (the body is used once, to build). */
  #decode(key: Key, component: RawComponent = this.#component(key)): KnitRecord {
    const record = decodeRecord(component.bytes, { key, file: this.file }, { versionId: key[key.length - 1] as string });
    this.#sha1s.set(key, record.sha1);
    return record;
  }

  #component(key: Key): RawComponent {
    const component = this.components.get(key);
    if (component === undefined) throw new KnitCorrupt('a record needed to build a text is missing', { key, file: this.file });
    return component;
  }

  #children(): KeyMap<number> {
    if (this.#waitingChildren === null) {
      const counts = new KeyMap<number>();
      for (const c of this.components.values()) {
        if (c.method === 'line-delta' && c.next !== null) counts.set(c.next, (counts.get(c.next) ?? 0) + 1);
      }
      this.#waitingChildren = counts;
    }
    return this.#waitingChildren;
  }

  /**
   * The content of `key` (every line with its stored newline). A content is
   * kept only while deltas not yet built apply to it, so a batch holds about
   * one chain's worth of texts, not all of them; asking again rebuilds.
   */
  content(key: Key): KnitContent {
    const cached = this.#contents.get(key);
    if (cached !== undefined) return cached;
    const children = this.#children();
    // Walk back to a fulltext or a content already built. A chain longer than
    // the records there are must pass one of them twice.
    const chain: [Key, RawComponent][] = [];
    let cursor: Key | null = key;
    let base: KnitContent | undefined;
    let baseKey: Key | null = null;
    while (cursor !== null) {
      base = this.#contents.get(cursor);
      if (base !== undefined) {
        baseKey = cursor;
        break;
      }
      if (chain.length >= this.components.size) throw new KnitCorrupt('delta chain loops', { key, file: this.file });
      const component = this.#component(cursor);
      chain.push([cursor, component]);
      if (component.method === 'fulltext') break;
      if (component.next === null) throw new KnitCorrupt('line-delta without a basis', { key: cursor, file: this.file });
      if (!this.components.has(component.next)) {
        throw new KnitCorrupt(`missing basis ${JSON.stringify(component.next)} for a line-delta`, { key: cursor, file: this.file });
      }
      cursor = component.next;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const [at, component] = chain[i] as [Key, RawComponent];
      const record = this.#decode(at, component);
      const where = { key: at, file: this.file };
      const origin = at[at.length - 1] as string;
      let content: KnitContent;
      if (component.method === 'fulltext') {
        content = parseFulltext(record.body, this.annotated, component.noeol, where);
      } else {
        if (base === undefined || baseKey === null) throw new KnitCorrupt('line-delta without a basis', where);
        const hunks = parseLineDelta(record.body, this.annotated, where);
        content = applyDelta(base, hunks, component.noeol, origin, where);
        this.#blocks.set(at, { basis: baseKey, blocks: deltaMatchingBlocks(hunks, base, content) });
        children.set(baseKey, (children.get(baseKey) ?? 1) - 1);
        this.#release(baseKey);
      }
      if ((children.get(at) ?? 0) > 0 || (at !== key && this.#wanted.has(at))) {
        this.#contents.set(at, content);
        this.#release(at);
      }
      base = content;
      baseKey = at;
    }
    return base as KnitContent;
  }

  /**
   * Keeps a built content while a delta still to be built starts from it,
   * or (within the budget of lines) while it is still to be asked for;
   * drops it otherwise.
   */
  #release(key: Key): void {
    if ((this.#children().get(key) ?? 0) > 0) return;
    const kept = this.#contents.get(key);
    if (kept === undefined) return;
    if (this.#wanted.has(key)) {
      if (this.#keptForAsking.has(key)) return;
      if (this.#wantedLinesKept + kept.lines.length <= KEEP_WANTED_LINES) {
        this.#keptForAsking.set(key, true);
        this.#wantedLinesKept += kept.lines.length;
        return;
      }
    }
    this.#contents.delete(key);
    if (this.#keptForAsking.delete(key)) this.#wantedLinesKept -= kept.lines.length;
  }

  /** `key` was asked for: it need not be kept for that any more. */
  #asked(key: Key): void {
    if (this.#wanted.delete(key)) this.#release(key);
  }

  /** The content of `key`, its text checked against its record's sha1 (once). */
  checkedContent(key: Key): KnitContent {
    const content = this.content(key);
    if (this.verifySha1 && !this.#verified.has(key)) this.#verify(key, concatBytes(contentText(content)));
    this.#asked(key);
    return content;
  }

  /** The text of `key` as lines, checked against its record's sha1. */
  text(key: Key): readonly Uint8Array[] {
    return contentText(this.checkedContent(key));
  }

  /** The text of `key` in one piece, checked against its record's sha1. */
  fulltext(key: Key): Uint8Array {
    const text = concatBytes(contentText(this.content(key)));
    if (this.verifySha1 && !this.#verified.has(key)) this.#verify(key, text);
    this.#asked(key);
    return text;
  }

  #verify(key: Key, text: Uint8Array): void {
    const expected = this.#sha1s.get(key) ?? this.#decode(key).sha1;
    // One digest over the joined text: far cheaper than one update per line.
    const actual = sha1Hex(text);
    if (actual !== expected) {
      throw new KnitCorrupt(`sha1 mismatch: text is ${actual}, record says ${expected}`, { key, file: this.file });
    }
    this.#verified.set(key, actual);
  }

  /**
   * The matching blocks between the text of `parent` and that of `key`, when
   * `key` was built here from a delta on `parent`; null otherwise. Given once.
   */
  takeMatchingBlocks(key: Key, parent: Key): readonly MatchingBlock[] | null {
    const known = this.#blocks.get(key);
    if (known === undefined || !keysEqual(known.basis, parent)) return null;
    this.#blocks.delete(key);
    return known.blocks;
  }

  /** The sha1 the record of `key` claims for its text. */
  sha1(key: Key): string {
    return this.#sha1s.get(key) ?? this.#decode(key).sha1;
  }
}

/**
 * The matching blocks between two texts that a line delta implies: the basis
 * lines it copies. A copied run ending at a last line one side stores without
 * its newline (noeol) and the other with it does not match there (the texts'
 * lines differ), so that line is left out, as Breezy's `get_line_delta_blocks`.
 */
export function deltaMatchingBlocks(hunks: readonly DeltaHunk[], basis: KnitContent, target: KnitContent): MatchingBlock[] {
  const blocks: MatchingBlock[] = [];
  const basisLength = basis.lines.length;
  const targetLength = target.lines.length;
  let s = 0;
  let t = 0;
  const run = (n: number): void => {
    const basisStripped = basis.noeol && s + n === basisLength;
    const targetStripped = target.noeol && t + n === targetLength;
    const length = n > 0 && basisStripped !== targetStripped ? n - 1 : n;
    if (length > 0) blocks.push([s, t, length]);
  };
  for (const hunk of hunks) {
    const n = hunk.start - s;
    run(n);
    t += n + hunk.lines.length;
    s = hunk.end;
  }
  run(basisLength - s);
  return blocks;
}
