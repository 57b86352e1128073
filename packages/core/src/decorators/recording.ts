// `RecordingVersionedFilesDecorator`: Breezy's test double that notes the
// calls made on a store, then lets the store answer them.
//
// The calls recorded, and their arguments, are Breezy's: addLines,
// addContent, getParentMap, getRecordStream, getSha1s,
// iterLinesAddedOrPresentInKeys and keys. Iterable arguments are copied into
// arrays so the record stays valid after the caller's iterator is spent.
// Reset with `decorator.calls.length = 0`.
//
// Entry points: `RecordingVersionedFilesDecorator`, `RecordedCall`.

import type { ContentFactory, Parents } from '../content/factory.js';
import type { Key, KeyMap, KeySet, PendingKey } from '../keys.js';
import type { AddOptions, AddResult, Ordering, StreamOptions, VersionedFiles, WorkOptions } from '../versionedfiles.js';
import { DelegatingVersionedFiles } from './delegating.js';

export type RecordedCall =
  | readonly ['addLines', PendingKey, readonly Key[] | null, readonly Uint8Array[], AddOptions]
  | readonly ['addContent', ContentFactory, AddOptions]
  | readonly ['getParentMap', readonly Key[]]
  | readonly ['getRecordStream', readonly Key[], Ordering, boolean]
  | readonly ['getSha1s', readonly Key[]]
  | readonly ['iterLinesAddedOrPresentInKeys', readonly Key[]]
  | readonly ['keys'];

export class RecordingVersionedFilesDecorator extends DelegatingVersionedFiles {
  readonly calls: RecordedCall[] = [];

  constructor(backing: VersionedFiles) {
    super(backing);
  }

  override addLines(
    key: PendingKey,
    parents: readonly Key[] | null,
    lines: readonly Uint8Array[],
    options: AddOptions = {},
  ): Promise<AddResult> {
    this.calls.push(['addLines', key, parents, lines, options]);
    return super.addLines(key, parents, lines, options);
  }

  override addContent(factory: ContentFactory, options: AddOptions = {}): Promise<AddResult> {
    this.calls.push(['addContent', factory, options]);
    return super.addContent(factory, options);
  }

  override getParentMap(keys: Iterable<Key>): Promise<KeyMap<Parents>> {
    const list = [...keys];
    this.calls.push(['getParentMap', list]);
    return super.getParentMap(list);
  }

  override getRecordStream(
    keys: Iterable<Key>,
    ordering: Ordering,
    includeDeltaClosure: boolean,
    options?: StreamOptions,
  ): AsyncIterable<ContentFactory> {
    const list = [...keys];
    this.calls.push(['getRecordStream', list, ordering, includeDeltaClosure]);
    return super.getRecordStream(list, ordering, includeDeltaClosure, options);
  }

  override getSha1s(keys: Iterable<Key>): Promise<KeyMap<string>> {
    const list = [...keys];
    this.calls.push(['getSha1s', list]);
    return super.getSha1s(list);
  }

  override iterLinesAddedOrPresentInKeys(keys: Iterable<Key>, options?: WorkOptions): AsyncIterable<readonly [Uint8Array, Key]> {
    const list = [...keys];
    this.calls.push(['iterLinesAddedOrPresentInKeys', list]);
    return super.iterLinesAddedOrPresentInKeys(list, options);
  }

  override keys(): Promise<KeySet> {
    this.calls.push(['keys']);
    return super.keys();
  }
}
