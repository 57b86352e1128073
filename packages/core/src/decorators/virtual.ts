// `VirtualVersionedFiles`: a read-only VersionedFiles over two functions.
//
// Breezy uses it to present texts that live elsewhere (a working tree, a
// revision tree) to code that wants a VersionedFiles: `getParentMap(ids)` and
// `getLines(id)` (null when the text is unknown). Keys have one element; the
// store sits at the bottom of any stack (no fallbacks) and refuses writes with
// `UnsupportedOperation`. Reads, annotation, ancestry and mpdiffs come from
// `VersionedFilesBase`. Records are `chunked` (the lines as given); unlike
// Breezy's, they carry the parents `getParentMap` reports instead of null.
//
// Entry points: `VirtualVersionedFiles`, `VirtualParentMap`, `VirtualLines`.

import {
  AbsentContentFactory,
  ChunkedContentFactory,
  type ContentFactory,
  type Parents,
} from '../content/factory.js';
import { sha1OfChunks } from '../codecs/sha1.js';
import { UnsupportedOperation, throwIfAborted } from '../errors.js';
import { KeyMap, KeySet, type Key, type PendingKey } from '../keys.js';
import type { AddOptions, AddResult, CheckOptions, MpdiffRecord, VersionedFiles, WorkOptions } from '../versionedfiles.js';
import { VersionedFilesBase, type LocalStreamRequest, type ValidatedText } from '../vf/base.js';

type MaybePromise<T> = T | Promise<T>;

/** Parents (as ids) of the ids it knows; unknown ids are left out. */
export type VirtualParentMap = (ids: readonly string[]) => MaybePromise<ReadonlyMap<string, readonly string[]>>;
/** The lines of a text, or null when it is not available. */
export type VirtualLines = (id: string) => MaybePromise<readonly Uint8Array[] | null>;

export class VirtualVersionedFiles extends VersionedFilesBase {
  constructor(
    private readonly parentsOf: VirtualParentMap,
    private readonly linesOf: VirtualLines,
  ) {
    super({ keyLength: 1, name: 'VirtualVersionedFiles' });
  }

  protected async storeText(_text: ValidatedText, _options: AddOptions): Promise<void> {
    throw this.#readOnly('storing texts');
  }

  override addLines(_key: PendingKey, _parents: readonly Key[] | null, _lines: readonly Uint8Array[]): Promise<AddResult> {
    return Promise.reject(this.#readOnly('addLines'));
  }

  override addChunks(
    _key: PendingKey,
    _parents: readonly Key[] | null,
    _chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  ): Promise<AddResult> {
    return Promise.reject(this.#readOnly('addChunks'));
  }

  override addContent(_factory: ContentFactory): Promise<AddResult> {
    return Promise.reject(this.#readOnly('addContent'));
  }

  override insertRecordStream(_stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>): Promise<void> {
    return Promise.reject(this.#readOnly('insertRecordStream'));
  }

  override addMpdiffs(_records: Iterable<MpdiffRecord>): Promise<void> {
    return Promise.reject(this.#readOnly('addMpdiffs'));
  }

  override addFallbackVersionedFiles(_fallback: VersionedFiles): void {
    throw this.#readOnly('fallbacks');
  }

  /** There is no list of every key behind the functions. */
  keys(): Promise<KeySet> {
    return Promise.reject(this.#readOnly('keys'));
  }

  /** Always passes, as in Breezy: there is nothing stored to check. */
  override async check(_options?: CheckOptions): Promise<void> {}

  withoutFallbacks(): VersionedFiles {
    return this;
  }

  protected async localParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>> {
    const out = new KeyMap<Parents>();
    const ids = keys.map((k) => k[0] as string);
    for (const [id, parents] of await this.parentsOf(ids)) out.set([id], parents.map((p) => [p]));
    return out;
  }

  protected async localSha1s(keys: readonly Key[]): Promise<KeyMap<string>> {
    const out = new KeyMap<string>();
    for (const key of keys) {
      const lines = await this.linesOf(key[0] as string);
      if (lines) out.set(key, sha1OfChunks(lines));
    }
    return out;
  }

  protected async *localRecordStream(keys: readonly Key[], request: LocalStreamRequest): AsyncGenerator<ContentFactory> {
    const parents = await this.localParentMap(keys);
    for (const key of keys) {
      throwIfAborted(request.signal);
      const lines = await this.linesOf(key[0] as string);
      yield lines
        ? new ChunkedContentFactory(key, parents.get(key) ?? null, sha1OfChunks(lines), lines, true)
        : new AbsentContentFactory(key);
    }
  }

  /** The lines exactly as `getLines` gives them, as Breezy's does (no newline added). */
  override async *iterLinesAddedOrPresentInKeys(
    keys: Iterable<Key>,
    options: WorkOptions = {},
  ): AsyncGenerator<readonly [Uint8Array, Key]> {
    const list = [...new KeySet(keys)];
    for (let i = 0; i < list.length; i++) {
      throwIfAborted(options.signal);
      options.progress?.({ phase: 'Finding changed lines', done: i, total: list.length });
      const key = list[i] as Key;
      for (const line of (await this.linesOf(key[0] as string)) ?? []) yield [line, key];
    }
  }

  #readOnly(operation: string): UnsupportedOperation {
    return new UnsupportedOperation(operation, this.storeName, 'it is a read-only view over functions');
  }
}
