// Knit records written behind: `addLines` returns while a worker deflates
// the record, and the record reaches the pack and the index once its gzip
// member is back (see record-deflater.ts for why and how it is deflated).
//
// Records queue in the order they were added and are appended in that order,
// so a pack holds the same bytes, in the same places, as when every record
// is deflated on the calling thread. A queued record is not in the index yet,
// so the store sees its index and access only through the views here
// (`index`, `access`): every question about a queued key first waits until that
// key, and every record before it, is written; anything else that needs the
// whole store (listing keys, adding records another way) waits for all of
// them. The next version of a file asks for its parent's build details
// (for the delta-or-fulltext choice), which is where a writer usually waits.
//
// `close()` writes every queued record and ends the worker; a pack must not
// be finished before. Writes and the questions that wait on them run one at
// a time, so each record is appended once and in order.
//
// Entry points: `WriteBehind` (`forPack`, `add`, `flush`, `close`).

import { KeyMap, KeySet, gzipChunks } from '@versionedfiles/core';
import type { Key, Parents, ZlibCodec } from '@versionedfiles/core';
import { RecordDeflater } from './record-deflater.js';
import type { RecordDeflaterOptions } from './record-deflater.js';
import type { AddRecordsOptions, BuildDetails, IndexMemo, IndexRecord, KnitAccess, KnitIndex } from './types.js';

/** A record waiting for its member: its index entry but the memo, and the member once made. */
interface Queued {
  readonly record: Omit<IndexRecord, 'memo'>;
  readonly addOptions: AddRecordsOptions;
  /** The deflater's id, or null when it was deflated here. */
  readonly id: number | null;
  /** Its place in the order records were added (its queue position is this less `#shifted`). */
  readonly seq: number;
  member: Uint8Array | null;
}

export class WriteBehind {
  readonly #index: KnitIndex;
  readonly #access: KnitAccess;
  readonly #codec: ZlibCodec;
  /** Where records are deflated (exposed to start its worker early, or count what it did). */
  readonly deflater: RecordDeflater;
  /** Oldest first. */
  readonly #queue: Queued[] = [];
  readonly #queued = new KeyMap<Queued>();
  readonly #byId = new Map<number, Queued>();
  /** Records added so far, and taken off the queue's front so far. */
  #added = 0;
  #shifted = 0;
  /** The write or wait under way: the next one runs after it. */
  #turn: Promise<void> = Promise.resolve();
  /** What the store reads and writes through. */
  readonly index: KnitIndex;
  readonly access: KnitAccess;

  private constructor(index: KnitIndex, access: KnitAccess, codec: ZlibCodec, deflater: RecordDeflater) {
    this.#index = index;
    this.#access = access;
    this.#codec = codec;
    this.deflater = deflater;
    this.index = this.#indexView();
    this.access = this.#accessView();
  }

  /** Write-behind over a knit pack's index and access; null for a codec no worker can run. */
  static forPack(index: KnitIndex, access: KnitAccess, codec: ZlibCodec, options: RecordDeflaterOptions = {}): WriteBehind | null {
    const deflater = RecordDeflater.forCodec(codec, options);
    return deflater === null ? null : new WriteBehind(index, access, codec, deflater);
  }

  /** Records added and not yet written. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Queues a record, its uncompressed text being `chunks` (`size` bytes):
   * sent to the worker, or deflated here when the worker cannot take it.
   * Writes the records whose members are back.
   */
  add(record: Omit<IndexRecord, 'memo'>, addOptions: AddRecordsOptions, chunks: readonly Uint8Array[], size: number): Promise<void> {
    const id = this.deflater.submit(chunks, size);
    const queued: Queued = { record, addOptions, id, seq: this.#added++, member: id === null ? gzipChunks(chunks, this.#codec) : null };
    this.#queue.push(queued);
    this.#queued.set(record.key, queued);
    if (id !== null) this.#byId.set(id, queued);
    return this.#inTurn(async () => {
      await this.#writeReady(false);
    });
  }

  /** Writes every queued record. */
  flush(): Promise<void> {
    return this.#inTurn(() => this.#writeUntil(this.#queue.length));
  }

  /** Writes every queued record and ends the worker. */
  async close(): Promise<void> {
    await this.flush();
    await this.deflater.close();
  }

  /** Runs `work` after the write or wait under way (a failure is the caller's, not the next one's). */
  #inTurn(work: () => Promise<void>): Promise<void> {
    const run = this.#turn.then(work);
    this.#turn = run.catch(() => {});
    return run;
  }

  /** Waits until `keys` (those queued) and every record before them are written. */
  #through(keys: readonly Key[]): Promise<void> {
    let last = -1;
    let writing = false;
    for (const key of keys) {
      const queued = this.#queued.get(key);
      if (queued === undefined) continue;
      const at = queued.seq - this.#shifted;
      // Out of the queue but still listed: its write is under way; wait for that turn to end.
      if (at < 0) writing = true;
      last = Math.max(last, at);
    }
    if (last < 0) return writing ? this.#inTurn(async () => {}) : Promise.resolve();
    const target = this.#queue[last] as Queued;
    return this.#inTurn(() => this.#writeUntil(target.seq - this.#shifted + 1));
  }

  /** Writes the first `count` queued records (fewer if some were written meanwhile), waiting for their members. */
  async #writeUntil(count: number): Promise<void> {
    let left = count - (await this.#writeReady(false));
    while (left > 0 && this.#queue.length > 0) left -= await this.#writeReady(true);
  }

  /**
   * Takes the members that are back and writes the records at the front of
   * the queue that have theirs; with `wait`, waits for the first one's member
   * if need be. Returns how many were written.
   */
  async #writeReady(wait: boolean): Promise<number> {
    for (let reply = this.deflater.take(); reply !== null; reply = this.deflater.take()) this.#settle(reply.id, reply.member);
    const head = this.#queue[0];
    if (wait && head !== undefined && head.member === null) {
      const reply = this.deflater.wait();
      if (reply !== null) this.#settle(reply.id, reply.member);
    }
    let written = 0;
    while (this.#queue.length > 0 && (this.#queue[0] as Queued).member !== null) {
      const queued = this.#queue.shift() as Queued;
      this.#shifted++;
      try {
        const [memo] = await this.#access.addRawRecords([{ key: queued.record.key, bytes: queued.member as Uint8Array }]);
        await this.#index.addRecords([{ ...queued.record, memo: memo as IndexMemo }], queued.addOptions);
      } finally {
        this.#queued.delete(queued.record.key);
      }
      written++;
    }
    return written;
  }

  #settle(id: number, member: Uint8Array): void {
    const queued = this.#byId.get(id);
    if (queued === undefined) return;
    this.#byId.delete(id);
    queued.member = member;
  }

  #indexView(): KnitIndex {
    const index = this.#index;
    return {
      hasGraph: index.hasGraph,
      getBuildDetails: async (keys: readonly Key[]): Promise<KeyMap<BuildDetails>> => {
        await this.#through(keys);
        return index.getBuildDetails(keys);
      },
      getParentMap: async (keys: readonly Key[]): Promise<KeyMap<Parents>> => {
        await this.#through(keys);
        return index.getParentMap(keys);
      },
      keys: async (): Promise<KeySet> => {
        await this.flush();
        return index.keys();
      },
      addRecords: async (records: readonly IndexRecord[], options?: AddRecordsOptions): Promise<void> => {
        await this.flush();
        return index.addRecords(records, options);
      },
      // A queued record's key is present already: it is no longer missing.
      missingCompressionParents: (): KeySet => new KeySet([...index.missingCompressionParents()].filter((key) => !this.#queued.has(key))),
    };
  }

  #accessView(): KnitAccess {
    const access = this.#access;
    return {
      addRawRecords: async (records) => {
        await this.flush();
        return access.addRawRecords(records);
      },
      // Memos come from build details, which wait for their records.
      getRawRecords: (memos) => access.getRawRecords(memos),
    };
  }
}
