// Annotation without a store: which ancestor introduced each line of a text.
//
// The algorithm of Breezy's Annotator (`_annotator_py.py`; its C twin answers
// the same): a text starts with every line attributed to itself; its first
// parent's annotations are copied over the lines that parent's patience
// matching blocks cover; each further parent then claims the lines it matches
// that are still the text's own, and where the two sides disagree the line
// gets the sorted union of both candidate sets (a tie, resolved later).
//
// Entry points:
//   - `TextAnnotator`: `annotate(key, lines, parents)` for one text whose
//     parents are already annotated; one instance shares annotation tuples
//     across texts (identity then means equality, as Breezy's cache intends).
//     Inside, each distinct tuple has an integer id and a text's annotations
//     are an `Int32Array` (`annotateIds`, `tuplesOf`, `idsOf`), so a parent's
//     annotations over a matching block are one native copy.
//   - `annotateFromTexts(parentMap, texts)`: a whole history, texts given
//     parents first; the pure core that stores holding texts can reuse.
//   - `flattenAnnotations(text, heads)`: one origin per line, as Breezy's
//     `annotate_flat`: a tie keeps only its heads, then the smallest key.
//   - `internedPatienceMatcher()`: the default `BlockMatcher`.
//   - `DeferredLines`, `linesOf`: a text given by its line count, its lines
//     made only if a matcher needs them (`knownBlocks` answered first; two
//     texts a store interned with one `LineInterner` are matched on their ids).
//   - `FulltextInterner`: texts given as bytes interned for annotation, each
//     against its first parent's bytes (`InternedFulltext`, a `DeferredLines`
//     whose ids two such texts are matched on), with no line views made.

import { CorruptData, RevisionNotPresent } from '../errors.js';
import { lineStarts, splitLines } from '../bytes.js';
import { KeyMap, compareKeys, keyToId } from '../keys.js';
import type { Key, KeySet } from '../keys.js';
import { LineInterner, matchingBlocksIds } from '../diff/patience.js';
import type { InternedText, MatchingBlock } from '../diff/patience.js';
import type { AnnotatedLine } from '../versionedfiles.js';

/** The candidate origins of one line, sorted by key; one key unless a merge tied. */
export type Annotation = readonly Key[];

export interface AnnotatedText {
  readonly annotations: readonly Annotation[];
  readonly lines: readonly Uint8Array[];
}

/**
 * A text's line count now and its lines when first asked for. A text whose
 * matching blocks against its parents are known (a knit's line delta) is
 * annotated from its line count alone, so its lines need never be made.
 */
export interface DeferredLines {
  readonly count: number;
  /** May be called more than once: makes the lines the first time, then gives the same ones. */
  lines(): readonly Uint8Array[];
  /**
   * The text's lines as ids of `interner` (equal lines, equal ids), when its
   * store built them so: two texts with ids from one interner are matched on
   * those, and neither's lines need be made.
   */
  readonly interned?: { readonly ids: Int32Array; readonly interner: LineInterner };
}

/** A text's lines, given now or deferred. */
export type AnnotatorLines = readonly Uint8Array[] | DeferredLines;

function lineCountOf(lines: AnnotatorLines): number {
  return isDeferred(lines) ? lines.count : lines.length;
}

/** The lines themselves, made now if they were deferred. */
export function linesOf(lines: AnnotatorLines): readonly Uint8Array[] {
  return isDeferred(lines) ? lines.lines() : lines;
}

function isDeferred(lines: AnnotatorLines): lines is DeferredLines {
  return !Array.isArray(lines);
}

/** A parent's annotated text, as `TextAnnotator.annotate` takes it. */
export interface AnnotatedParent {
  readonly key: Key;
  readonly annotations: readonly Annotation[];
  readonly lines: AnnotatorLines;
}

/**
 * Matching blocks between a parent's lines and a text's (sentinel allowed).
 * The keys let a store answer from what it already knows (a knit's line delta
 * against its left parent) instead of diffing.
 */
export type BlockMatcher = (
  parentLines: readonly Uint8Array[],
  lines: readonly Uint8Array[],
  keys: { readonly key: Key; readonly parentKey: Key },
) => readonly MatchingBlock[];

/** The matching blocks between a parent's text and a text, when known without their lines; else null. */
export type KnownBlocks = (keys: { readonly key: Key; readonly parentKey: Key }) => readonly MatchingBlock[] | null;

export interface TextAnnotatorOptions {
  /** Defaults to Breezy's patience matcher, which annotation results depend on. */
  readonly matcher?: BlockMatcher;
  /** Asked first for each parent; the matcher (and the lines) only when it knows nothing. */
  readonly knownBlocks?: KnownBlocks;
}

/** Past this many distinct lines an annotation interner starts afresh (bounds its memory). */
const MAX_INTERNED_LINES = 1 << 20;

/** `interner` while it holds at most `MAX_INTERNED_LINES` distinct lines, else a fresh one. */
function boundedInterner(interner: LineInterner | null): LineInterner {
  return interner !== null && interner.size <= MAX_INTERNED_LINES ? interner : new LineInterner({ copyLines: true });
}

/**
 * The patience matcher over line ids: each text is interned once, keyed by
 * the identity of its lines array (a text is diffed again as the parent of
 * its children), and against the parent it is first diffed with, so its
 * unchanged lines cost a compare each instead of a hash.
 */
export function internedPatienceMatcher(): BlockMatcher {
  let interner = boundedInterner(null);
  let ids = new WeakMap<readonly Uint8Array[], Int32Array>();
  const idsOf = (lines: readonly Uint8Array[], base?: InternedText): Int32Array => {
    let known = ids.get(lines);
    if (known === undefined) {
      known = interner.internAll(lines, base);
      ids.set(lines, known);
    }
    return known;
  };
  return (parentLines, lines) => {
    const current = boundedInterner(interner);
    if (current !== interner) {
      interner = current;
      ids = new WeakMap();
    }
    const parentIds = idsOf(parentLines);
    return matchingBlocksIds(parentIds, idsOf(lines, { lines: parentLines, ids: parentIds }));
  };
}

/**
 * A text interned from its bytes by a `FulltextInterner`: its line
 * boundaries and ids, its lines made only if asked for.
 */
export class InternedFulltext implements DeferredLines {
  readonly count: number;
  readonly interned: { readonly ids: Int32Array; readonly interner: LineInterner };
  #lines: readonly Uint8Array[] | undefined;

  constructor(
    readonly text: Uint8Array,
    /** `lineStarts(text)`. */
    readonly bounds: Int32Array,
    ids: Int32Array,
    interner: LineInterner,
  ) {
    this.count = ids.length;
    this.interned = { ids, interner };
  }

  lines(): readonly Uint8Array[] {
    this.#lines ??= splitLines(this.text);
    return this.#lines;
  }
}

/**
 * Interns whole texts for annotation, each against its first parent's when
 * this interner interned that one too: the lines they share cost a compare
 * of bytes rather than a hash, and no text is split into line views (on
 * npm-large's React history splitting was about a sixth of the work).
 * Starts afresh past `MAX_INTERNED_LINES`; texts interned before then are
 * matched on their lines.
 */
export class FulltextInterner {
  #interner = boundedInterner(null);

  /** `text` interned; `base` is its first parent's lines, if held. */
  intern(text: Uint8Array, base: AnnotatorLines | undefined): InternedFulltext {
    const interner = (this.#interner = boundedInterner(this.#interner));
    const bounds = lineStarts(text);
    const spans = base instanceof InternedFulltext && base.interned.interner === interner ? { text: base.text, bounds: base.bounds, ids: base.interned.ids } : undefined;
    return new InternedFulltext(text, bounds, interner.internText(text, bounds, spans), interner);
  }
}

/**
 * A parent's annotated text with its annotations as ids of the
 * `TextAnnotator` that made them (`annotateIds`): each id one shared tuple.
 */
export interface AnnotatedParentIds {
  readonly key: Key;
  readonly ids: Int32Array;
  readonly lines: AnnotatorLines;
}

export class TextAnnotator {
  readonly #matcher: BlockMatcher;
  readonly #knownBlocks: KnownBlocks;
  /**
   * Each distinct annotation once, as a frozen tuple, found by its id: an
   * annotated text is an array of ids, so copying a parent's annotations over
   * a matching block is one native copy.
   */
  readonly #tuples: Annotation[] = [];
  readonly #idOfTuple = new WeakMap<Annotation, number>();
  readonly #byValue = new Map<string, number>();
  /** The id of each single origin, by key id; of each union, by the two ids it joins. */
  readonly #singles = new Map<string, number>();
  readonly #unions = new Map<number, Map<number, number>>();

  constructor(options: TextAnnotatorOptions = {}) {
    this.#matcher = options.matcher ?? internedPatienceMatcher();
    this.#knownBlocks = options.knownBlocks ?? (() => null);
  }

  /** The annotation of `lines` (text `key`), given its parents' annotated texts in parent order. */
  annotate(key: Key, lines: AnnotatorLines, parents: readonly AnnotatedParent[]): Annotation[] {
    const ids = this.annotateIds(
      key,
      lines,
      parents.map((p) => ({ key: p.key, lines: p.lines, ids: this.idsOf(p.annotations) })),
    );
    return this.tuplesOf(ids);
  }

  /**
   * `annotate` with annotations as this annotator's ids: what a caller that
   * keeps a whole history's annotations (`Annotator`) works in, turning only
   * the texts it gives out into tuples (`tuplesOf`).
   */
  annotateIds(key: Key, lines: AnnotatorLines, parents: readonly AnnotatedParentIds[]): Int32Array {
    const own = this.#single(key);
    const count = lineCountOf(lines);
    const blocks = (parent: AnnotatedParentIds): readonly MatchingBlock[] => {
      const keys = { key, parentKey: parent.key };
      return this.#knownBlocks(keys) ?? sharedIdBlocks(parent.lines, lines) ?? this.#matcher(linesOf(parent.lines), linesOf(lines), keys);
    };
    const annotations = new Int32Array(count).fill(own);
    parents.forEach((parent, p) => {
      const theirs = parent.ids;
      for (const [parentStart, start, length] of blocks(parent)) {
        // Checked here: a copy of a subarray would clamp a block that runs past either end.
        if (start + length > count || parentStart + length > theirs.length) {
          throw new CorruptData('matching blocks', `they cover lines past the end of a ${count}-line text or its ${theirs.length}-line parent`);
        }
        // The first parent's annotations are copied whole over its blocks.
        if (p === 0) {
          annotations.set(theirs.subarray(parentStart, parentStart + length), start);
          continue;
        }
        for (let i = 0; i < length; i++) {
          const mine = annotations[start + i] as number;
          const other = theirs[parentStart + i] as number;
          if (mine !== other) annotations[start + i] = mine === own ? other : this.#union(mine, other);
        }
      }
    });
    return annotations;
  }

  /** The tuples of annotation ids this annotator made. */
  tuplesOf(ids: Int32Array): Annotation[] {
    const out = new Array<Annotation>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const tuple = this.#tuples[ids[i] as number];
      if (tuple === undefined) throw new RangeError(`annotation id ${ids[i]} is not this annotator's`);
      out[i] = tuple;
    }
    return out;
  }

  /** The ids of annotations (tuples this annotator made, or any equal ones). */
  idsOf(annotations: readonly Annotation[]): Int32Array {
    const out = new Int32Array(annotations.length);
    for (let i = 0; i < annotations.length; i++) {
      const tuple = annotations[i] as Annotation;
      out[i] = this.#idOfTuple.get(tuple) ?? this.#intern(tuple);
    }
    return out;
  }

  #single(key: Key): number {
    const keyId = keyToId(key);
    let id = this.#singles.get(keyId);
    if (id === undefined) {
      id = this.#intern([key]);
      this.#singles.set(keyId, id);
    }
    return id;
  }

  #union(a: number, b: number): number {
    let row = this.#unions.get(a);
    if (row === undefined) {
      row = new Map();
      this.#unions.set(a, row);
    }
    let union = row.get(b);
    if (union === undefined) {
      const byId = new Map<string, Key>();
      for (const key of [...(this.#tuples[a] as Annotation), ...(this.#tuples[b] as Annotation)]) byId.set(keyToId(key), key);
      union = this.#intern([...byId.values()].sort(compareKeys));
      row.set(b, union);
    }
    return union;
  }

  /** The id of the annotation `keys`: equal tuples get one id (and one frozen tuple). */
  #intern(keys: readonly Key[]): number {
    const value = JSON.stringify(keys.map(keyToId));
    let id = this.#byValue.get(value);
    if (id === undefined) {
      id = this.#tuples.length;
      const tuple = Object.freeze([...keys]);
      this.#tuples.push(tuple);
      this.#idOfTuple.set(tuple, id);
      this.#byValue.set(value, id);
    }
    return id;
  }
}

/** The patience blocks of two texts interned by one store interner; null unless both were. */
function sharedIdBlocks(parent: AnnotatorLines, text: AnnotatorLines): readonly MatchingBlock[] | null {
  if (!isDeferred(parent) || !isDeferred(text)) return null;
  const a = parent.interned;
  const b = text.interned;
  return a !== undefined && b !== undefined && a.interner === b.interner ? matchingBlocksIds(a.ids, b.ids) : null;
}

/**
 * Annotates a whole history. `texts` must come parents first; a parent that is
 * neither given before its child nor absent from `parentMap` throws
 * `RevisionNotPresent`, as Breezy's annotator does for ghosts.
 */
export function annotateFromTexts(
  parentMap: Iterable<readonly [Key, readonly Key[] | null]>,
  texts: Iterable<readonly [Key, readonly Uint8Array[]]>,
  options: TextAnnotatorOptions = {},
): KeyMap<AnnotatedText> {
  const parentsOf = new KeyMap<readonly Key[] | null>(parentMap);
  const annotator = new TextAnnotator(options);
  const done = new KeyMap<AnnotatedText>();
  for (const [key, lines] of texts) {
    const parents = (parentsOf.get(key) ?? []).map((parent): AnnotatedParent => {
      const annotated = done.get(parent);
      if (annotated === undefined) throw new RevisionNotPresent(parent);
      return { key: parent, ...annotated };
    });
    done.set(key, { annotations: annotator.annotate(key, lines, parents), lines });
  }
  return done;
}

/**
 * One origin per line: a single candidate is kept; a tie is narrowed to its
 * heads (`heads` is usually `KnownGraph.heads` over the text's ancestry) and,
 * if several remain, the smallest key wins (Breezy's default tie-breaker).
 */
export function flattenAnnotations(text: AnnotatedText, heads: (keys: Annotation) => KeySet): AnnotatedLine[] {
  const out: AnnotatedLine[] = [];
  text.annotations.forEach((annotation, i) => {
    const line = text.lines[i] as Uint8Array;
    if (annotation.length === 1) {
      out.push([annotation[0] as Key, line]);
      return;
    }
    const winners = [...heads(annotation)].sort(compareKeys);
    out.push([winners[0] as Key, line]);
  });
  return out;
}
