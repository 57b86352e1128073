// Breezy's smart-protocol byte stream (`smart/repository.py`
// `_stream_to_byte_stream` / `_byte_stream_to_stream`): a whole repository
// stream as one self-delimited pack container.
//
//   container begin
//   B record, no names:            the source repository format's network name
//   B record named (SUBSTREAM,):   one network record (`recordToNetworkBytes`)
//   ...                            SUBSTREAM is texts, inventories, revisions,
//   container end                  signatures, chk_bytes, ...
//
// Both directions stream: `encodeByteStream` yields bytes as it pulls records,
// and `ByteStreamReader` pulls bytes only as its records are consumed, so a
// slow consumer slows the producer and memory holds about one record. Untrusted
// input is bounded: no record may exceed `maxRecordBytes`, nor the whole stream
// `maxStreamBytes` (`LimitExceeded`); bad framing is a pack error, bad records
// a `NetworkRecordCorrupt`.
//
// Entry points: `encodeByteStream`, `ByteStreamReader` (`open`, `records`,
// `rawRecords`, `substreams`), `SUBSTREAMS`, the format names `FORMAT_2A`,
// `FORMAT_KNITPACK`, `FORMAT_KNIT`, `FORMAT_WEAVE`,
// `coalesce`, `toReadableStream`.

import {
  LimitExceeded,
  NetworkRecordCorrupt,
  NetworkRecordStream,
  concatBytes,
  defaultNetworkKinds,
  fromUtf8,
  recordToNetworkBytes,
  throwIfAborted,
  utf8,
  type ContentFactory,
  type NetworkKindRegistry,
} from '@versionedfiles/core';
import { ReadableStream } from 'node:stream/web';
import { ContainerPushParser, bytesRecordHeader, containerBegin, containerEnd, type ContainerRecord } from '@versionedfiles/pack';

/** The substream names Breezy's repository streams use. */
export const SUBSTREAMS = ['texts', 'inventories', 'inventory-deltas', 'revisions', 'signatures', 'chk_bytes'] as const;

/** Network names of Breezy repository formats (`RepositoryFormat.network_name()`, some without a newline). */
export const FORMAT_2A = 'Bazaar repository format 2a (needs bzr 1.16 or later)\n';
export const FORMAT_KNITPACK = 'Bazaar pack repository format 1 (needs bzr 0.92)\n';
/** Knit files (`RepositoryFormatKnit1`). */
export const FORMAT_KNIT = 'Bazaar-NG Knit Repository Format 1';
/** Weave files in a meta directory (`RepositoryFormat7`). */
export const FORMAT_WEAVE = 'Bazaar-NG Repository format 7';

type Source<T> = AsyncIterable<T> | Iterable<T>;

/** One record of a byte stream and the substream it belongs to. */
export interface SubstreamRecord {
  readonly substream: string;
  readonly record: ContentFactory;
}

/** One wire record of a byte stream, undecoded bytes and decoded records side by side. */
export interface RawWireRecord {
  readonly substream: string;
  readonly bytes: Uint8Array;
  readonly records: Iterable<ContentFactory>;
}

export interface EncodeOptions {
  readonly signal?: AbortSignal;
}

/**
 * The byte stream for `substreams` (pairs of substream name and records),
 * headed by `formatName`. Absent records throw `AbsentContent`.
 */
export async function* encodeByteStream(
  substreams: Source<readonly [substream: string, records: Source<ContentFactory>]>,
  formatName: string,
  options: EncodeOptions = {},
): AsyncGenerator<Uint8Array> {
  yield containerBegin();
  const name = utf8(formatName);
  yield bytesRecordHeader(name.length, []);
  yield name;
  for await (const [substream, records] of substreams) {
    for await (const record of records) {
      throwIfAborted(options.signal);
      const wire = recordToNetworkBytes(record);
      // A record whose bytes an earlier one carried has none of its own.
      if (wire.length === 0) continue;
      yield bytesRecordHeader(wire.length, [[substream]]);
      yield wire;
    }
  }
  yield containerEnd();
}

export interface ByteStreamLimits {
  /** Largest single record (header and body) accepted. Default 64 MiB. */
  readonly maxRecordBytes?: number;
  /** Largest whole stream accepted. Default: unlimited. */
  readonly maxStreamBytes?: number;
  readonly registry?: NetworkKindRegistry;
  readonly signal?: AbortSignal;
}

const DEFAULT_MAX_RECORD = 64 * 1024 * 1024;

/** Reads a byte stream one record at a time. Call `open()` first for the format name. */
export class ByteStreamReader {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #parser = new ContainerPushParser();
  readonly #maxRecord: number;
  readonly #maxStream: number;
  readonly #registry: NetworkKindRegistry;
  readonly #signal: AbortSignal | undefined;
  /** Bytes of the container's format line not yet seen. */
  #preludeLeft = containerBegin().length;
  /** Bytes the parser holds of the record it is still reading. */
  #partial = 0;
  #total = 0;
  #queue: ContainerRecord[] = [];
  #formatName: string | null = null;
  #started = false;

  constructor(bytes: Source<Uint8Array>, limits: ByteStreamLimits = {}) {
    this.#source = toAsyncIterator(bytes);
    this.#maxRecord = limits.maxRecordBytes ?? DEFAULT_MAX_RECORD;
    this.#maxStream = limits.maxStreamBytes ?? Number.POSITIVE_INFINITY;
    this.#registry = limits.registry ?? defaultNetworkKinds;
    this.#signal = limits.signal;
  }

  /** Reads up to the first record and returns the source format's network name. */
  async open(): Promise<string> {
    if (this.#formatName !== null) return this.#formatName;
    const first = await this.#nextContainerRecord();
    if (first === null) throw new NetworkRecordCorrupt('byte stream has no format record');
    if (first.names.length !== 0) throw new NetworkRecordCorrupt('the first record of a byte stream must be the format name');
    this.#formatName = fromUtf8(first.body);
    return this.#formatName;
  }

  /** Every content record with its substream, in stream order. */
  async *records(): AsyncGenerator<SubstreamRecord> {
    for await (const raw of this.rawRecords()) {
      for (const record of raw.records) yield { substream: raw.substream, record };
    }
  }

  /** Each wire record as it came (its substream and bytes) with the records it decodes to. */
  async *rawRecords(): AsyncGenerator<RawWireRecord> {
    if (this.#started) throw new Error('a byte stream can be read once');
    this.#started = true;
    await this.open();
    for (;;) {
      // Records already parsed are handed out without waiting on the source.
      const container = this.#queue.shift() ?? (await this.#nextContainerRecord());
      if (container === null) return;
      const [name] = container.names;
      if (container.names.length !== 1 || name === undefined || name.length !== 1) {
        throw new NetworkRecordCorrupt('a byte stream record must be named by exactly one substream');
      }
      yield { substream: name[0] as string, bytes: container.body, records: this.#registry.decode(container.body) };
    }
  }

  /**
   * Adjacent records of one substream as `[name, records]`, as Breezy's
   * `_byte_stream_to_stream` yields them: consume each before the next.
   */
  async *substreams(): AsyncGenerator<readonly [string, AsyncGenerator<ContentFactory>]> {
    const all = this.records();
    let next = await all.next();
    while (!next.done) {
      const name = next.value.substream;
      let drained = false;
      async function* run(): AsyncGenerator<ContentFactory> {
        while (!next.done && next.value.substream === name) {
          yield next.value.record;
          next = await all.next();
        }
        drained = true;
      }
      const records = run();
      yield [name, records] as const;
      if (!drained) for await (const _ of records) { /* skip what the consumer left */ }
    }
  }

  /** The next container record, pulling bytes only as needed; null at the end marker. */
  async #nextContainerRecord(): Promise<ContainerRecord | null> {
    for (;;) {
      const ready = this.#queue.shift();
      if (ready !== undefined) return ready;
      if (this.#parser.finished) return null;
      throwIfAborted(this.#signal);
      const step = await this.#source.next();
      if (step.done) {
        this.#parser.end();
        return null;
      }
      const chunk = step.value;
      this.#total += chunk.length;
      if (this.#total > this.#maxStream) throw new LimitExceeded('byte stream size', this.#maxStream, this.#total);
      const prelude = Math.min(this.#preludeLeft, chunk.length);
      this.#preludeLeft -= prelude;
      this.#partial += chunk.length - prelude;
      this.#parser.accept(chunk);
      for (const record of this.#parser.readPendingRecords()) {
        const size = recordSize(record);
        if (size > this.#maxRecord) throw new LimitExceeded('byte stream record size', this.#maxRecord, size);
        this.#partial -= size;
        this.#queue.push(record);
      }
      // What the parser holds of a record not yet complete (plus at most the end marker).
      if (this.#partial > this.#maxRecord) throw new LimitExceeded('byte stream record size', this.#maxRecord, this.#partial);
    }
  }
}

/** Bytes a record took in the container: "B" LENGTH "\n", each name line, "\n", the body. */
function recordSize(record: ContainerRecord): number {
  let size = 3 + String(record.body.length).length + record.body.length;
  for (const name of record.names) {
    size += name.length; // NUL separators and the newline
    for (const element of name) size += utf8Length(element);
  }
  return size;
}

function utf8Length(text: string): number {
  // Names are nearly always ASCII; only the others need encoding to be measured.
  return /^[\x00-\x7f]*$/.test(text) ? text.length : utf8(text).length;
}

function toAsyncIterator<T>(source: Source<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  const it = source[Symbol.iterator]();
  return { next: async () => it.next() };
}

/**
 * The same bytes in pieces of about `size` bytes: many small writes (a record
 * header, then its body) cost a syscall and a chunk frame each on a socket.
 * Holds at most one piece.
 */
export async function* coalesce(bytes: Source<Uint8Array>, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of bytes) {
    if (chunk.length >= size && length === 0) {
      yield chunk;
      continue;
    }
    pending.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield concatBytes(pending);
      pending = [];
      length = 0;
    }
  }
  if (length > 0) yield concatBytes(pending);
}

/** A byte stream as a Web `ReadableStream`, pulling from the generator only when the reader wants more. */
export function toReadableStream(bytes: Source<Uint8Array>): ReadableStream<Uint8Array> {
  const it = toAsyncIterator(bytes);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const step = await it.next();
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      },
      async cancel(reason) {
        await it.return?.(reason);
      },
    },
    { highWaterMark: 1 },
  );
}

/** Records read back from a network stream (`NetworkRecordStream`) re-exported for one import. */
export { NetworkRecordStream };
