// A read-only pack store that follows its writer: the `vf` pack layouts'
// writer switches `pack-name` to a new pack and then deletes the old one, so a
// reader that opened the old pack can find it gone (`NoSuchFile`). As Breezy's
// pack readers do (reload the pack list, retry), this store then asks `reopen`
// for the store `pack-name` names now and repeats the call, a bounded number
// of times; when the name has not changed, the `NoSuchFile` is real and escapes.
//
// Entry point: `ReloadingVersionedFiles` (`new ReloadingVersionedFiles(first, reopen)`;
// `current` is the store it reads now). Streams resume where they stopped: a
// record stream asks the new store only for the keys it has not yielded yet.

import {
  Annotator,
  KeySet,
  NoSuchFile,
  type AddOptions,
  type AddResult,
  type AnnotatedLine,
  type CheckOptions,
  type ContentFactory,
  type Key,
  type KeyMap,
  type KnownGraph,
  type MpdiffRecord,
  type MultiParent,
  type Ordering,
  type Parents,
  type PendingKey,
  type StreamOptions,
  type VersionedFiles,
  type WorkOptions,
} from '@versionedfiles/core';

/** Reopens the store; `name` tells whether it is another pack than before. */
export type Reopen = () => Promise<{ readonly vf: VersionedFiles; readonly name: string | null }>;

/** Reloads after which a `NoSuchFile` escapes (each needs a writer to finish a whole pack meanwhile). */
export const MAX_RELOADS = 8;

export class ReloadingVersionedFiles implements VersionedFiles {
  #current: VersionedFiles;
  #name: string | null;
  readonly #reopen: Reopen;
  readonly #fallbacks: VersionedFiles[] = [];

  constructor(first: { readonly vf: VersionedFiles; readonly name: string | null }, reopen: Reopen) {
    this.#current = first.vf;
    this.#name = first.name;
    this.#reopen = reopen;
  }

  get keyLength(): number {
    return this.#current.keyLength;
  }

  /** The store this one reads now (it changes after a reload). */
  get current(): VersionedFiles {
    return this.#current;
  }

  /** Called with a `NoSuchFile` from a read: reopens if `pack-name` moved on, else rethrows. */
  async #reload(err: unknown, reloads: number): Promise<void> {
    if (!(err instanceof NoSuchFile) || reloads >= MAX_RELOADS) throw err;
    const next = await this.#reopen();
    if (next.name === this.#name) throw err;
    for (const fallback of this.#fallbacks) next.vf.addFallbackVersionedFiles(fallback);
    this.#current = next.vf;
    this.#name = next.name;
  }

  async #retry<T>(read: (vf: VersionedFiles) => Promise<T>): Promise<T> {
    for (let reloads = 0; ; reloads++) {
      try {
        return await read(this.#current);
      } catch (err) {
        await this.#reload(err, reloads);
      }
    }
  }

  /** Yields what `read` yields (telling `seen`); after a reload, `read` runs again on the new store. */
  async *#retryStream<T>(read: (vf: VersionedFiles) => AsyncIterable<T>, seen: (item: T) => void = () => {}): AsyncIterable<T> {
    for (let reloads = 0; ; reloads++) {
      try {
        for await (const item of read(this.#current)) {
          seen(item);
          yield item;
        }
        return;
      } catch (err) {
        await this.#reload(err, reloads);
      }
    }
  }

  getRecordStream(keys: Iterable<Key>, ordering: Ordering, includeDeltaClosure: boolean, options?: StreamOptions): AsyncIterable<ContentFactory> {
    const wanted = [...keys];
    // Only keys are remembered, not records: a stream is never collected.
    const done = new KeySet();
    return this.#retryStream(
      (vf) => vf.getRecordStream(done.size === 0 ? wanted : wanted.filter((key) => !done.has(key)), ordering, includeDeltaClosure, options),
      (record) => done.add(record.key),
    );
  }

  iterLinesAddedOrPresentInKeys(keys: Iterable<Key>, options?: WorkOptions): AsyncIterable<readonly [Uint8Array, Key]> {
    // Lines may repeat by contract, so a retry starts over.
    const wanted = [...keys];
    return this.#retryStream((vf) => vf.iterLinesAddedOrPresentInKeys(wanted, options));
  }

  getParentMap(keys: Iterable<Key>): Promise<KeyMap<Parents>> {
    const wanted = [...keys];
    return this.#retry((vf) => vf.getParentMap(wanted));
  }

  getSha1s(keys: Iterable<Key>): Promise<KeyMap<string>> {
    const wanted = [...keys];
    return this.#retry((vf) => vf.getSha1s(wanted));
  }

  keys(): Promise<KeySet> {
    return this.#retry((vf) => vf.keys());
  }

  annotate(key: Key): Promise<readonly AnnotatedLine[]> {
    return this.#retry((vf) => vf.annotate(key));
  }

  getAnnotator(): Annotator {
    return new Annotator(this);
  }

  check(options?: CheckOptions): Promise<void> {
    return this.#retry((vf) => vf.check(options));
  }

  getKnownGraphAncestry(keys: Iterable<Key>): Promise<KnownGraph> {
    const wanted = [...keys];
    return this.#retry((vf) => vf.getKnownGraphAncestry(wanted));
  }

  makeMpdiffs(keys: readonly Key[]): Promise<MultiParent[]> {
    return this.#retry((vf) => vf.makeMpdiffs(keys));
  }

  getMissingCompressionParentKeys(): Promise<KeySet> {
    return this.#retry((vf) => vf.getMissingCompressionParentKeys());
  }

  // Writes go to the store as it is (a read-only one refuses them); they are not retried.
  addLines(key: PendingKey, parents: readonly Key[] | null, lines: readonly Uint8Array[], options?: AddOptions): Promise<AddResult> {
    return this.#current.addLines(key, parents, lines, options);
  }

  addContent(factory: ContentFactory, options?: AddOptions): Promise<AddResult> {
    return this.#current.addContent(factory, options);
  }

  addChunks(key: PendingKey, parents: readonly Key[] | null, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AddOptions): Promise<AddResult> {
    return this.#current.addChunks(key, parents, chunks, options);
  }

  insertRecordStream(stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>, options?: WorkOptions): Promise<void> {
    return this.#current.insertRecordStream(stream, options);
  }

  addMpdiffs(records: Iterable<MpdiffRecord>): Promise<void> {
    return this.#current.addMpdiffs(records);
  }

  clearCache(): void {
    this.#current.clearCache();
  }

  addFallbackVersionedFiles(fallback: VersionedFiles): void {
    this.#current.addFallbackVersionedFiles(fallback);
    this.#fallbacks.push(fallback);
  }

  get fallbacks(): readonly VersionedFiles[] {
    return this.#current.fallbacks;
  }

  withoutFallbacks(): VersionedFiles {
    return this.#current.withoutFallbacks();
  }
}
