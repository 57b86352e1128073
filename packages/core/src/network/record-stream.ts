// `NetworkRecordStream`: wire records back into a record stream (Breezy's
// `versionedfile.NetworkRecordStream`), and `networkBytesOf`, the other way.
//
// The input is one byte string per wire record, as `recordToNetworkBytes`
// made them; the output is the records they hold, decoded one wire record at
// a time, so a consumer that stops pulling stops the decoding too.
//
// Entry points: `NetworkRecordStream`, `networkBytesOf`.

import { throwIfAborted } from '../errors.js';
import type { ContentFactory } from '../content/factory.js';
import { defaultNetworkKinds, recordToNetworkBytes, type NetworkKindRegistry } from './wire.js';

export interface NetworkRecordStreamOptions {
  /** Decoders to use (default: `defaultNetworkKinds`, which backends fill). */
  readonly registry?: NetworkKindRegistry;
  readonly signal?: AbortSignal;
}

export class NetworkRecordStream {
  readonly #wire: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  readonly #registry: NetworkKindRegistry;
  readonly #signal: AbortSignal | undefined;

  constructor(wireRecords: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: NetworkRecordStreamOptions = {}) {
    this.#wire = wireRecords;
    this.#registry = options.registry ?? defaultNetworkKinds;
    this.#signal = options.signal;
  }

  async *read(): AsyncGenerator<ContentFactory> {
    for await (const bytes of this.#wire) {
      throwIfAborted(this.#signal);
      yield* this.#registry.decode(bytes);
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<ContentFactory> {
    return this.read();
  }
}

/** The wire records of a record stream, skipping the empty ones (records carried by an earlier one). */
export async function* networkBytesOf(
  stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>,
  options: { readonly signal?: AbortSignal } = {},
): AsyncGenerator<Uint8Array> {
  for await (const record of stream) {
    throwIfAborted(options.signal);
    const bytes = recordToNetworkBytes(record);
    if (bytes.length > 0) yield bytes;
  }
}
