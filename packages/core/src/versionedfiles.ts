// The `VersionedFiles` contract: many versions of many texts, each named by a
// key, linked by a parent DAG, read and written as record streams.
//
// Every backend (memory, knit, weave, groupcompress) implements this interface;
// the conformance suite (`@versionedfiles/conformance`) checks that they all
// behave alike, and like Breezy's `VersionedFiles`. Methods that may do IO return
// promises; record streams are `AsyncIterable<ContentFactory>`, consumed one
// record at a time.
//
// Entry points: `VersionedFiles`, `Ordering`, the options objects
// (`AddOptions`, `StreamOptions`, `WorkOptions`) and `Progress`.

import type { ContentFactory, Parents } from './content/factory.js';
import type { Key, KeyMap, KeySet, PendingKey } from './keys.js';
import type { KnownGraph } from './graph/known-graph.js';
import type { MultiParent } from './diff/multiparent.js';
import type { Annotator } from './annotate/annotator.js';

/**
 * `unordered`: whatever is fastest for the store. `topological`: every record
 * after its parents (and compression parents). `groupcompress`: reverse
 * topological, grouped by key prefix, as Breezy's `sort_groupcompress`.
 */
export type Ordering = 'unordered' | 'topological' | 'groupcompress';

export interface ProgressEvent {
  readonly phase: string;
  readonly done: number;
  /** null when the total is not known in advance. */
  readonly total: number | null;
}

export type Progress = (event: ProgressEvent) => void;

/** Options every long operation takes. */
export interface WorkOptions {
  readonly signal?: AbortSignal;
  readonly progress?: Progress;
}

export interface AddOptions extends WorkOptions {
  /**
   * Refuse to store (throw `ExistingContent`) when the text's sha1 equals this:
   * the caller already has this content elsewhere.
   */
  readonly nostoreSha?: string;
  /**
   * The key was chosen at random, so the store may skip its uniqueness check.
   */
  readonly randomId?: boolean;
  /** Verify the lines are bytes and well-formed lines (default true). */
  readonly checkContent?: boolean;
  /**
   * Matching blocks between the new text and its left parent, in
   * `[parentStart, newStart, length]` triples, as a hint for delta stores.
   */
  readonly leftMatchingBlocks?: readonly (readonly [number, number, number])[];
}

export interface AddResult {
  /** The key stored: for a pending key, the one with `sha1:<hex>` filled in. */
  readonly key: Key;
  readonly sha1: string;
  /** Length of the stored text in bytes. */
  readonly size: number;
}

export interface StreamOptions extends WorkOptions {}

export interface CheckOptions extends WorkOptions {
  /** Check only these keys (default: every key). */
  readonly keys?: Iterable<Key>;
}

/** One line of an annotated text: the key that introduced it, and the line. */
export type AnnotatedLine = readonly [origin: Key, line: Uint8Array];

/** An entry for `addMpdiffs`: a text given as a multi-parent diff against its parents. */
export interface MpdiffRecord {
  readonly key: Key;
  readonly parents: readonly Key[];
  readonly sha1: string;
  readonly diff: MultiParent;
}

export interface VersionedFiles {
  /** Elements per key; every key this store holds has this length. */
  readonly keyLength: number;

  /**
   * Store one text given as lines (each ending in `\n` but perhaps the last).
   * `parents` null: no graph information (stores with a graph record none).
   */
  addLines(key: PendingKey, parents: readonly Key[] | null, lines: readonly Uint8Array[], options?: AddOptions): Promise<AddResult>;
  /** Store one text given by a content factory (its key and parents are used). */
  addContent(factory: ContentFactory, options?: AddOptions): Promise<AddResult>;
  /** Store one text given as arbitrary chunks, possibly arriving asynchronously. */
  addChunks(
    key: PendingKey,
    parents: readonly Key[] | null,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: AddOptions,
  ): Promise<AddResult>;

  getRecordStream(
    keys: Iterable<Key>,
    ordering: Ordering,
    includeDeltaClosure: boolean,
    options?: StreamOptions,
  ): AsyncIterable<ContentFactory>;
  insertRecordStream(
    stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>,
    options?: WorkOptions,
  ): Promise<void>;

  /** Parents of the keys present (here or in a fallback); absent keys are left out. */
  getParentMap(keys: Iterable<Key>): Promise<KeyMap<Parents>>;
  getSha1s(keys: Iterable<Key>): Promise<KeyMap<string>>;
  /** Every key held by this store itself (not its fallbacks). */
  keys(): Promise<KeySet>;

  annotate(key: Key): Promise<readonly AnnotatedLine[]>;
  getAnnotator(): Annotator;
  check(options?: CheckOptions): Promise<void>;
  getKnownGraphAncestry(keys: Iterable<Key>): Promise<KnownGraph>;
  /**
   * Yields `[line, key]` for lines of the given texts (and perhaps others): each
   * line of each requested text at least once, with a key whose text holds it.
   */
  iterLinesAddedOrPresentInKeys(keys: Iterable<Key>, options?: WorkOptions): AsyncIterable<readonly [Uint8Array, Key]>;
  makeMpdiffs(keys: readonly Key[]): Promise<MultiParent[]>;
  addMpdiffs(records: Iterable<MpdiffRecord>): Promise<void>;
  /** Keys whose records arrived through `insertRecordStream` but whose delta basis did not. */
  getMissingCompressionParentKeys(): Promise<KeySet>;
  clearCache(): void;

  /** Adds a store consulted, in order, for keys this one lacks. Cycles throw `FallbackCycle`. */
  addFallbackVersionedFiles(fallback: VersionedFiles): void;
  /** This store on its own: same data, no fallbacks. */
  withoutFallbacks(): VersionedFiles;
  /** The immediate fallbacks, in lookup order. */
  readonly fallbacks: readonly VersionedFiles[];
}
