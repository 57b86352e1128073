// `OrderingVersionedFilesDecorator`: Breezy's test double that records calls
// and answers `unordered` record streams in a chosen order.
//
// Keys are sorted by (priority, key): a key missing from `keyPriority` has
// priority 0, ties go by Python's tuple order, and each key is then asked of
// the backing store on its own so the order is exactly that. Other orderings
// go straight to the backing store.
//
// Entry point: `OrderingVersionedFilesDecorator`.

import type { ContentFactory } from '../content/factory.js';
import { compareKeys, type Key, type KeyMap } from '../keys.js';
import type { Ordering, StreamOptions, VersionedFiles } from '../versionedfiles.js';
import { RecordingVersionedFilesDecorator } from './recording.js';

export class OrderingVersionedFilesDecorator extends RecordingVersionedFilesDecorator {
  constructor(
    backing: VersionedFiles,
    readonly keyPriority: KeyMap<number>,
  ) {
    super(backing);
  }

  override getRecordStream(
    keys: Iterable<Key>,
    ordering: Ordering,
    includeDeltaClosure: boolean,
    options?: StreamOptions,
  ): AsyncIterable<ContentFactory> {
    if (ordering !== 'unordered') return super.getRecordStream(keys, ordering, includeDeltaClosure, options);
    const list = [...keys];
    this.calls.push(['getRecordStream', list, ordering, includeDeltaClosure]);
    const priority = (k: Key): number => this.keyPriority.get(k) ?? 0;
    const sorted = [...list].sort((a, b) => priority(a) - priority(b) || compareKeys(a, b));
    const backing = this.backing;
    return (async function* () {
      for (const key of sorted) yield* backing.getRecordStream([key], 'unordered', includeDeltaClosure, options);
    })();
  }
}
