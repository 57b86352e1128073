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
// Such a record may also defer its lines: most texts of a knit history are
// then annotated from their line counts, and only the texts a diff reads, and
// the one asked for, are made into lines (and checked against their sha1s).
//
// A ghost in the ancestry raises `RevisionNotPresent`, as in Breezy. Where
// Breezy annotates held special texts in set order, we take them as their
// parents become ready; the answers do not depend on that order.

import { RevisionNotPresent, throwIfAborted } from '../errors.js';
import { KeyMap, keyToId } from '../keys.js';
import type { Key } from '../keys.js';
import { splitLines } from '../bytes.js';
import { isAbsent } from '../content/factory.js';
import { KnownGraph } from '../graph/known-graph.js';
import type { AnnotatedLine, VersionedFiles, WorkOptions } from '../versionedfiles.js';
import { FulltextInterner, TextAnnotator, flattenAnnotations, internedPatienceMatcher, linesOf } from './annotate-texts.js';
import type { AnnotatedParentIds, AnnotatedText, AnnotatorLines, DeferredLines, TextAnnotatorOptions } from './annotate-texts.js';
import type { MatchingBlock } from '../diff/patience.js';

/**
 * A record that can say, without diffing, how its text matches one parent's:
 * the matching blocks (parent line, text line, length), or null for any other
 * parent. Blocks are given once: the annotator asks each pair once.
 */
export interface KnownMatchingBlocks {
  takeMatchingBlocks(parent: Key): readonly MatchingBlock[] | null;
  /** Its text's line count, and its lines only when asked for (instead of `getBytesAs('lines')`). */
  deferredLines?(): DeferredLines;
}

function knowsMatchingBlocks(record: object): record is KnownMatchingBlocks {
  return typeof (record as Partial<KnownMatchingBlocks>).takeMatchingBlocks === 'function';
}

/**
 * What the annotator holds of one text of the ancestry it has walked: its
 * parents (undefined until looked up), and while needed its lines and
 * annotations. One entry per text, found by one id per lookup.
 */
interface Entry {
  readonly key: Key;
  parents: readonly Key[] | undefined;
  lines: AnnotatorLines | undefined;
  /** As ids of the annotator's `TextAnnotator` (tuples only for the texts given out). */
  annotations: Int32Array | undefined;
  /** How many texts still to annotate need this one as a parent (or asked for it). */
  neededBy: number;
  /** Its record, when it knows its blocks against a parent and is not annotated yet. */
  knownBlocks: KnownMatchingBlocks | undefined;
}

export class Annotator {
  readonly #vf: VersionedFiles;
  readonly #texts: TextAnnotator;
  readonly #entries = new Map<string, Entry>();
  #heads: KnownGraph | null = null;
  /** Interns the texts of records without known blocks; null when the caller gave its own matcher, which takes lines. */
  readonly #fulltexts: FulltextInterner | null;

  constructor(vf: VersionedFiles, options: TextAnnotatorOptions = {}) {
    this.#vf = vf;
    this.#fulltexts = options.matcher === undefined ? new FulltextInterner() : null;
    this.#texts = new TextAnnotator({
      matcher: options.matcher ?? internedPatienceMatcher(),
      knownBlocks: (keys) => this.#entry(keys.key).knownBlocks?.takeMatchingBlocks(keys.parentKey) ?? options.knownBlocks?.(keys) ?? null,
    });
  }

  #entry(key: Key): Entry {
    const id = keyToId(key);
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      entry = { key, parents: undefined, lines: undefined, annotations: undefined, neededBy: 0, knownBlocks: undefined };
      this.#entries.set(id, entry);
    }
    return entry;
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
    const waiting = new Set<Entry>(held);
    const total = fetch.length + held.length;
    let done = 0;
    const ready = (entry: Entry): boolean => (entry.parents ?? []).every((p) => this.#entry(p).annotations !== undefined);
    const drain = (): void => {
      for (let progressed = true; progressed; ) {
        progressed = false;
        for (const entry of waiting) {
          if (!ready(entry)) continue;
          waiting.delete(entry);
          this.#annotateOne(entry);
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
      const entry = this.#entry(record.key);
      if (knowsMatchingBlocks(record)) {
        entry.knownBlocks = record;
        entry.lines = record.deferredLines?.() ?? record.getBytesAs('lines');
      } else if (this.#fulltexts !== null) {
        const first = entry.parents?.[0];
        entry.lines = this.#fulltexts.intern(record.getBytesAs('fulltext'), first === undefined ? undefined : this.#entry(first).lines);
      } else {
        entry.lines = record.getBytesAs('lines');
      }
      // In topological order a text's parents are done before it comes.
      if (waiting.size === 0 && ready(entry)) {
        this.#annotateOne(entry);
        options.progress?.({ phase: 'annotating', done: ++done, total });
      } else {
        waiting.add(entry);
        drain();
      }
    }
    for (const entry of waiting) {
      const missing = (entry.parents ?? []).find((p) => this.#entry(p).annotations === undefined);
      throw new RevisionNotPresent(missing ?? entry.key);
    }
    const entry = this.#entry(key);
    const { annotations, lines } = entry;
    if (annotations === undefined || lines === undefined) throw new RevisionNotPresent(key);
    // Made now if deferred, and kept for later calls.
    entry.lines = linesOf(lines);
    return { annotations: this.#texts.tuplesOf(annotations), lines: entry.lines };
  }

  /** One origin per line, as Breezy's `annotate_flat`. */
  async annotateFlat(key: Key, options: WorkOptions = {}): Promise<AnnotatedLine[]> {
    const text = await this.annotate(key, options);
    // Only ties (merges) need the graph.
    return flattenAnnotations(text, (keys) => this.#graph().heads(keys));
  }

  #graph(): KnownGraph {
    this.#heads ??= new KnownGraph(new KeyMap([...this.#entries.values()].flatMap((e) => (e.parents === undefined ? [] : [[e.key, e.parents] as const]))));
    return this.#heads;
  }

  /** Makes `text` annotatable as `key` with these parents, without storing it. */
  addSpecialText(key: Key, parents: readonly Key[], text: Uint8Array): void {
    const entry = this.#entry(key);
    entry.parents = [...parents];
    entry.lines = splitLines(text);
    this.#heads = null;
  }

  /**
   * Walks the ancestry of `key` down to texts already annotated. `fetch`: texts
   * to stream from the store (missing ones come back absent); `held`: special
   * texts, held but not annotated yet. Counts how many of the texts to annotate
   * need each parent, so that it can be dropped after its last child.
   */
  async #neededKeys(key: Key): Promise<{ fetch: Key[]; held: Entry[] }> {
    const fetch: Key[] = [];
    const held: Entry[] = [];
    const start = this.#entry(key);
    // The asked-for text stays cached for the caller (and later calls).
    start.neededBy += 1;
    if (start.annotations !== undefined) return { fetch, held };
    const visited = new Set<Entry>([start]);
    let needed: Entry[] = [start];
    while (needed.length > 0) {
      const lookup = needed.filter((e) => e.parents === undefined).map((e) => e.key);
      if (lookup.length > 0) {
        // A store without a graph gives null parents: annotate such texts on their own.
        for (const [k, parents] of await this.#vf.getParentMap(lookup)) this.#entry(k).parents = parents ?? [];
        this.#heads = null;
      }
      const next: Entry[] = [];
      for (const entry of needed) {
        if (entry.parents === undefined || entry.lines === undefined) fetch.push(entry.key);
        else held.push(entry);
        for (const parentKey of entry.parents ?? []) {
          const parent = this.#entry(parentKey);
          parent.neededBy += 1;
          if (parent.annotations !== undefined || visited.has(parent)) continue;
          visited.add(parent);
          next.push(parent);
        }
      }
      needed = next;
    }
    return { fetch, held };
  }

  #annotateOne(entry: Entry): void {
    const parentEntries = (entry.parents ?? []).map((p) => this.#entry(p));
    const parents = parentEntries.map((parent): AnnotatedParentIds => {
      const { annotations, lines } = parent;
      if (annotations === undefined || lines === undefined) throw new RevisionNotPresent(parent.key);
      return { key: parent.key, ids: annotations, lines };
    });
    entry.annotations = this.#texts.annotateIds(entry.key, entry.lines as AnnotatorLines, parents);
    entry.knownBlocks = undefined;
    // Drop what no remaining child needs.
    for (const parent of parentEntries) {
      parent.neededBy -= 1;
      if (parent.neededBy <= 0) {
        parent.lines = undefined;
        parent.annotations = undefined;
      }
    }
  }
}
