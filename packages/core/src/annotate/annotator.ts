// Annotator: annotation of texts held in a VersionedFiles, Breezy's `Annotator`.
//
// It asks the store for the ancestry of a key (`getParentMap`, level by level),
// streams the texts it lacks in topological order (`getRecordStream(...,
// 'topological', true)`), and annotates each with `TextAnnotator` as it
// arrives. Texts and annotations are cached between calls and dropped once
// every child that needs them is done, as Breezy does, so annotating many
// keys of one file with one Annotator reuses the work.
//
// Entry points: `new Annotator(vf)`, `annotate(key)` (every line's candidate
// origins), `annotateFlat(key)` (one origin per line, ties narrowed with
// `KnownGraph.heads`), `addSpecialText(key, parents, text)` (a text the store
// does not hold, e.g. a working copy, annotated against the store's).
//
// A record that knows how its text matches a parent's (`KnownMatchingBlocks`:
// a knit's line delta against its compression parent) gives those blocks
// instead of a diff, as Breezy's knit annotator takes them from the delta.
//
// A ghost in the ancestry raises `RevisionNotPresent`, as in Breezy. Where
// Breezy annotates held special texts in set order, we take them as their
// parents become ready; the answers do not depend on that order.

import { RevisionNotPresent, throwIfAborted } from '../errors.js';
import { KeyMap, KeySet } from '../keys.js';
import type { Key } from '../keys.js';
import { splitLines } from '../bytes.js';
import { isAbsent } from '../content/factory.js';
import { KnownGraph } from '../graph/known-graph.js';
import type { AnnotatedLine, VersionedFiles, WorkOptions } from '../versionedfiles.js';
import { TextAnnotator, flattenAnnotations, internedPatienceMatcher } from './annotate-texts.js';
import type { AnnotatedParent, AnnotatedText, Annotation, TextAnnotatorOptions } from './annotate-texts.js';
import type { MatchingBlock } from '../diff/patience.js';

/**
 * A record that can say, without diffing, how its text matches one parent's:
 * the matching blocks (parent line, text line, length), or null for any other
 * parent. Blocks are given once: the annotator asks each pair once.
 */
export interface KnownMatchingBlocks {
  takeMatchingBlocks(parent: Key): readonly MatchingBlock[] | null;
}

function knowsMatchingBlocks(record: object): record is KnownMatchingBlocks {
  return typeof (record as Partial<KnownMatchingBlocks>).takeMatchingBlocks === 'function';
}

export class Annotator {
  readonly #vf: VersionedFiles;
  readonly #texts: TextAnnotator;
  readonly #parentMap = new KeyMap<readonly Key[]>();
  readonly #textCache = new KeyMap<readonly Uint8Array[]>();
  readonly #annotationsCache = new KeyMap<readonly Annotation[]>();
  /** How many texts still to annotate need each cached text as a parent. */
  readonly #neededByChildren = new KeyMap<number>();
  /** Records of texts not yet annotated that know their blocks against a parent. */
  readonly #knownBlocks = new KeyMap<KnownMatchingBlocks>();
  #heads: KnownGraph | null = null;

  constructor(vf: VersionedFiles, options: TextAnnotatorOptions = {}) {
    this.#vf = vf;
    const diff = options.matcher ?? internedPatienceMatcher();
    this.#texts = new TextAnnotator({
      matcher: (parentLines, lines, keys) => this.#knownBlocks.get(keys.key)?.takeMatchingBlocks(keys.parentKey) ?? diff(parentLines, lines, keys),
    });
  }

  /**
   * Every line of `key` with its candidate origins. Throws `RevisionNotPresent`
   * when `key` or a text in its ancestry is missing. Progress: `annotating`,
   * one step per text annotated.
   */
  async annotate(key: Key, options: WorkOptions = {}): Promise<AnnotatedText> {
    const { fetch, held } = await this.#neededKeys(key);
    throwIfAborted(options.signal);
    // Texts wait here until their parents are annotated; a topological stream
    // leaves nothing waiting, special texts may wait for fetched parents.
    const waiting = new KeyMap<readonly Uint8Array[]>();
    for (const k of held) waiting.set(k, this.#textCache.get(k) as readonly Uint8Array[]);
    const total = fetch.size + held.size;
    let done = 0;
    const drain = (): void => {
      for (let progressed = true; progressed; ) {
        progressed = false;
        for (const [k, lines] of waiting) {
          if (!(this.#parentMap.get(k) ?? []).every((p) => this.#annotationsCache.has(p))) continue;
          waiting.delete(k);
          this.#annotateOne(k, lines);
          options.progress?.({ phase: 'annotating', done: ++done, total });
          progressed = true;
        }
      }
    };
    drain();
    const streamOptions = options.signal === undefined ? {} : { signal: options.signal };
    for await (const record of this.#vf.getRecordStream(fetch, 'topological', true, streamOptions)) {
      throwIfAborted(options.signal);
      if (isAbsent(record)) throw new RevisionNotPresent(record.key);
      const lines = record.getBytesAs('lines');
      if (knowsMatchingBlocks(record)) this.#knownBlocks.set(record.key, record);
      this.#textCache.set(record.key, lines);
      waiting.set(record.key, lines);
      drain();
    }
    for (const k of waiting.keys()) {
      const missing = (this.#parentMap.get(k) ?? []).find((p) => !this.#annotationsCache.has(p));
      throw new RevisionNotPresent(missing ?? k);
    }
    const annotations = this.#annotationsCache.get(key);
    const lines = this.#textCache.get(key);
    if (annotations === undefined || lines === undefined) throw new RevisionNotPresent(key);
    return { annotations, lines };
  }

  /** One origin per line, as Breezy's `annotate_flat`. */
  async annotateFlat(key: Key, options: WorkOptions = {}): Promise<AnnotatedLine[]> {
    const text = await this.annotate(key, options);
    this.#heads ??= new KnownGraph(this.#parentMap);
    const graph = this.#heads;
    return flattenAnnotations(text, (keys) => graph.heads(keys));
  }

  /** Makes `text` annotatable as `key` with these parents, without storing it. */
  addSpecialText(key: Key, parents: readonly Key[], text: Uint8Array): void {
    this.#parentMap.set(key, [...parents]);
    this.#textCache.set(key, splitLines(text));
    this.#heads = null;
  }

  /**
   * Walks the ancestry of `key` down to texts already annotated. `fetch`: texts
   * to stream from the store (missing ones come back absent); `held`: special
   * texts, held but not annotated yet. Counts how many of the texts to annotate
   * need each parent, so that it can be dropped after its last child.
   */
  async #neededKeys(key: Key): Promise<{ fetch: KeySet; held: KeySet }> {
    const fetch = new KeySet();
    const held = new KeySet();
    // The asked-for text stays cached for the caller (and later calls).
    this.#neededByChildren.set(key, (this.#neededByChildren.get(key) ?? 0) + 1);
    if (this.#annotationsCache.has(key)) return { fetch, held };
    const visited = new KeySet([key]);
    let needed: Key[] = [key];
    while (needed.length > 0) {
      const lookup = needed.filter((k) => !this.#parentMap.has(k));
      if (lookup.length > 0) {
        // A store without a graph gives null parents: annotate such texts on their own.
        for (const [k, parents] of await this.#vf.getParentMap(lookup)) this.#parentMap.set(k, parents ?? []);
        this.#heads = null;
      }
      const next: Key[] = [];
      for (const k of needed) {
        const parents = this.#parentMap.get(k);
        if (parents === undefined || !this.#textCache.has(k)) fetch.add(k);
        else held.add(k);
        for (const parent of parents ?? []) {
          this.#neededByChildren.set(parent, (this.#neededByChildren.get(parent) ?? 0) + 1);
          if (this.#annotationsCache.has(parent) || visited.has(parent)) continue;
          visited.add(parent);
          next.push(parent);
        }
      }
      needed = next;
    }
    return { fetch, held };
  }

  #annotateOne(key: Key, lines: readonly Uint8Array[]): void {
    const parentKeys = this.#parentMap.get(key) ?? [];
    const parents = parentKeys.map((parent): AnnotatedParent => {
      const annotations = this.#annotationsCache.get(parent);
      const parentLines = this.#textCache.get(parent);
      if (annotations === undefined || parentLines === undefined) throw new RevisionNotPresent(parent);
      return { key: parent, annotations, lines: parentLines };
    });
    this.#annotationsCache.set(key, this.#texts.annotate(key, lines, parents));
    this.#knownBlocks.delete(key);
    // Drop what no remaining child needs.
    for (const parent of parentKeys) {
      const left = (this.#neededByChildren.get(parent) ?? 1) - 1;
      this.#neededByChildren.set(parent, left);
      if (left <= 0) {
        this.#textCache.delete(parent);
        this.#annotationsCache.delete(parent);
      }
    }
  }
}
