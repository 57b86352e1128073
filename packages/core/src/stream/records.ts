// Record-stream helpers: small async generators over `ContentFactory` streams.
// Each consumes its input one record at a time; only `collect` gathers a whole
// stream, and only because a caller (usually a test) asked it to.
//
// Entry points: `filterAbsent`, `recordsToFulltexts`, `collect`, `toAsync`.

import { FulltextContentFactory, isAbsent, type ContentFactory } from '../content/factory.js';
import { defaultAdapters, type AdapterContext, type AdapterRegistry } from '../content/adapters.js';
import { throwIfAborted } from '../errors.js';

export type RecordSource = AsyncIterable<ContentFactory> | Iterable<ContentFactory>;

/** Lets every helper take sync and async iterables alike. */
export async function* toAsync<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* source;
}

/** The stream without its `absent` placeholders. */
export async function* filterAbsent(stream: RecordSource): AsyncGenerator<ContentFactory> {
  for await (const record of stream) {
    if (!isAbsent(record)) yield record;
  }
}

export interface ToFulltextOptions extends AdapterContext {
  /** Registry to convert native kinds with (default: `defaultAdapters`). */
  readonly adapters?: AdapterRegistry;
}

/**
 * Each present record as a `fulltext` record with the same key, parents and
 * sha1, converted through the adapter registry when its native kind is not a
 * text; absent records pass through untouched so the caller decides about them.
 */
export async function* recordsToFulltexts(
  stream: RecordSource,
  options: ToFulltextOptions = {},
): AsyncGenerator<ContentFactory> {
  const adapters = options.adapters ?? defaultAdapters;
  for await (const record of stream) {
    throwIfAborted(options.signal);
    if (isAbsent(record) || record.storageKind === 'fulltext') {
      yield record;
      continue;
    }
    const text = await adapters.adaptRecord(record, 'fulltext', options);
    yield new FulltextContentFactory(record.key, record.parents, record.sha1, text);
  }
}

/** Every record of the stream, in order. */
export async function collect<T>(stream: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}
