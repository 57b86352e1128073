// `DelegatingVersionedFiles`: a VersionedFiles that forwards every call to
// another one. The decorators below extend it and override only what they
// change, as Breezy's decorators rely on `__getattr__` for the rest.
//
// Entry point: `DelegatingVersionedFiles` (its `backing` is the decorated store).

import type { Annotator } from '../annotate/annotator.js';
import type { ContentFactory, Parents } from '../content/factory.js';
import type { MultiParent } from '../diff/multiparent.js';
import type { KnownGraph } from '../graph/known-graph.js';
import type { Key, KeyMap, KeySet, PendingKey } from '../keys.js';
import type {
  AddOptions,
  AddResult,
  AnnotatedLine,
  CheckOptions,
  MpdiffRecord,
  Ordering,
  StreamOptions,
  VersionedFiles,
  WorkOptions,
} from '../versionedfiles.js';

export class DelegatingVersionedFiles implements VersionedFiles {
  constructor(readonly backing: VersionedFiles) {}

  get keyLength(): number {
    return this.backing.keyLength;
  }

  get fallbacks(): readonly VersionedFiles[] {
    return this.backing.fallbacks;
  }

  addLines(key: PendingKey, parents: readonly Key[] | null, lines: readonly Uint8Array[], options?: AddOptions): Promise<AddResult> {
    return this.backing.addLines(key, parents, lines, options);
  }

  addContent(factory: ContentFactory, options?: AddOptions): Promise<AddResult> {
    return this.backing.addContent(factory, options);
  }

  addChunks(
    key: PendingKey,
    parents: readonly Key[] | null,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: AddOptions,
  ): Promise<AddResult> {
    return this.backing.addChunks(key, parents, chunks, options);
  }

  getRecordStream(
    keys: Iterable<Key>,
    ordering: Ordering,
    includeDeltaClosure: boolean,
    options?: StreamOptions,
  ): AsyncIterable<ContentFactory> {
    return this.backing.getRecordStream(keys, ordering, includeDeltaClosure, options);
  }

  insertRecordStream(stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>, options?: WorkOptions): Promise<void> {
    return this.backing.insertRecordStream(stream, options);
  }

  getParentMap(keys: Iterable<Key>): Promise<KeyMap<Parents>> {
    return this.backing.getParentMap(keys);
  }

  getSha1s(keys: Iterable<Key>): Promise<KeyMap<string>> {
    return this.backing.getSha1s(keys);
  }

  keys(): Promise<KeySet> {
    return this.backing.keys();
  }

  annotate(key: Key): Promise<readonly AnnotatedLine[]> {
    return this.backing.annotate(key);
  }

  getAnnotator(): Annotator {
    return this.backing.getAnnotator();
  }

  check(options?: CheckOptions): Promise<void> {
    return this.backing.check(options);
  }

  getKnownGraphAncestry(keys: Iterable<Key>): Promise<KnownGraph> {
    return this.backing.getKnownGraphAncestry(keys);
  }

  iterLinesAddedOrPresentInKeys(keys: Iterable<Key>, options?: WorkOptions): AsyncIterable<readonly [Uint8Array, Key]> {
    return this.backing.iterLinesAddedOrPresentInKeys(keys, options);
  }

  makeMpdiffs(keys: readonly Key[]): Promise<MultiParent[]> {
    return this.backing.makeMpdiffs(keys);
  }

  addMpdiffs(records: Iterable<MpdiffRecord>): Promise<void> {
    return this.backing.addMpdiffs(records);
  }

  getMissingCompressionParentKeys(): Promise<KeySet> {
    return this.backing.getMissingCompressionParentKeys();
  }

  clearCache(): void {
    this.backing.clearCache();
  }

  addFallbackVersionedFiles(fallback: VersionedFiles): void {
    this.backing.addFallbackVersionedFiles(fallback);
  }

  withoutFallbacks(): VersionedFiles {
    return this.backing.withoutFallbacks();
  }
}
