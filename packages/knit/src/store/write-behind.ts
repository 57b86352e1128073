// Knit records written behind: `addLines` returns while a worker deflates
// the record, and the record reaches the pack and the index once its gzip
// member is back (see record-deflater.ts for why and how it is deflated).
// A text too big for the worker (a bundled file of megabytes) is deflated on
// libuv's thread pool in fast mode (`gzipOnThreadPool`, in pieces at once,
// the bytes `gzipChunks` makes), and here in compat mode (pako runs here).
//
// Records queue in the order they were added and are appended in that order,
// so a pack holds the same bytes, in the same places, as when every record
// is deflated on the calling thread. A queued record is not in the index yet,
// so the store sees its index and access only through the views here
// (`index`, `access`). What writing asks answers from the queue: whether a
// key is present and its parents (`getParentMap`), and a record's basis and
// stored size for the delta-or-fulltext choice: as far as known now
// (`queuedLinkNow`: bounds while its member is being made), or exactly
// (`queuedLink`), waiting for that record's member alone, which is made
// here if the worker has not started it and has more text before it. The
// next version of a file asks that of its parent, usually a dozen texts
// later, which is where a writer may wait; a big text on the thread pool
// holds back the writes after it, not the writer. Questions that need where a record lies (reads) wait until
// that key, and every record before it, is written; anything else that
// needs the whole store (listing keys, adding records another way) waits
// for all of them.
//
// `close()` writes every queued record and ends the worker; a pack must not
// be finished before. Writes and the questions that wait on them run one at
// a time, so each record is appended once and in order.
//
// Entry points: `WriteBehind` (`forPack`, `add`, `queuedLink`, `queuedLinkNow`,
// `flush`, `close`).

import { KeyMap, KeySet, concatBytes, fastZlib, gzipChunks, gzipMemberBounds, gzipOnThreadPool } from '@versionedfiles/core';
import type { Key, Parents, ZlibCodec } from '@versionedfiles/core';
import { RecordDeflater } from './record-deflater.js';
import type { RecordDeflaterOptions } from './record-deflater.js';
import type { AddRecordsOptions, BoundedChainLink, BuildDetails, ChainLink, IndexMemo, IndexRecord, KnitAccess, KnitIndex } from './types.js';

/** A record waiting for its member: its index entry but the memo, and the member once made. */
interface Queued {
  readonly record: Omit<IndexRecord, 'memo'>;
  readonly addOptions: AddRecordsOptions;
  /** The deflater's id, or null when the worker did not take it. */
  readonly id: number | null;
  /** The member being made on libuv's thread pool (in `member` once made); null for any other. */
  deflating: Promise<Uint8Array> | null;
  /** Its place in the order records were added (its queue position is this less `#shifted`). */
  readonly seq: number;
  /** The uncompressed record's length. */
  readonly size: number;
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
   * sent to the worker, to libuv's thread pool, or deflated here when
   * neither can take it. `owned`: the chunks never change (the store's own
   * bytes); else they may once this returns. Writes the records whose
   * members are back.
   */
  add(record: Omit<IndexRecord, 'memo'>, addOptions: AddRecordsOptions, chunks: readonly Uint8Array[], size: number, owned = false): Promise<void> {
    const queued = this.#deflate(record, addOptions, chunks, size, owned);
    this.#queue.push(queued);
    this.#queued.set(record.key, queued);
    if (queued.id !== null) this.#byId.set(queued.id, queued);
    return this.#inTurn(async () => {
      await this.#writeReady(false);
    });
  }

  /**
   * A record queued with its member on the way: from the worker, from
   * libuv's thread pool (a fast-mode text the worker does not take for its
   * size), or made here. The worker's ring and this thread read `chunks`
   * before `add` returns; the pool reads them later, so it gets a copy
   * unless they are `owned` (the store's own bytes, which never change: a
   * delta's lines may be views of the caller's).
   */
  #deflate(record: Omit<IndexRecord, 'memo'>, addOptions: AddRecordsOptions, chunks: readonly Uint8Array[], size: number, owned: boolean): Queued {
    const seq = this.#added++;
    if (this.#codec === fastZlib && size > this.deflater.largestText) {
      const queued: Queued = { record, addOptions, id: null, seq, size, member: null, deflating: null };
      const input = owned ? chunks : [concatBytes(chunks)];
      queued.deflating = gzipOnThreadPool(input)
        // The pool failing is no reason to lose the record: make it here.
        .catch(() => gzipChunks(input, this.#codec))
        .then((member) => (queued.member = member));
      return queued;
    }
    const id = this.deflater.submit(chunks, size);
    return { record, addOptions, id, seq, size, deflating: null, member: id === null ? gzipChunks(chunks, this.#codec) : null };
  }

  /**
   * A queued record's basis and stored size, once its member is back (no
   * record before it need be written); undefined for a key not queued.
   */
  async queuedLink(key: Key): Promise<ChainLink | undefined> {
    const queued = this.#queued.get(key);
    if (queued === undefined) return undefined;
    const member = await this.#memberOf(queued, true);
    return { compressionParent: this.#basisOf(queued), size: this.#access.storedSize(member.length) };
  }

  /**
   * A queued record's basis and stored size as far as known now, without
   * waiting: exact once its member is back, else the bounds of any member
   * of its length (`gzipMemberBounds`); undefined for a key not queued.
   */
  queuedLinkNow(key: Key): BoundedChainLink | undefined {
    const queued = this.#queued.get(key);
    if (queued === undefined) return undefined;
    if (queued.member === null) this.#settleReplies();
    const compressionParent = this.#basisOf(queued);
    if (queued.member !== null) {
      const size = this.#access.storedSize(queued.member.length);
      return { compressionParent, least: size, most: size };
    }
    const { least, most } = gzipMemberBounds(queued.size);
    return { compressionParent, least: this.#access.storedSize(least), most: this.#access.storedSize(most) };
  }

  #basisOf(queued: Queued): Key | null {
    const { options, parents } = queued.record;
    return options.includes('line-delta') ? (parents?.[0] ?? null) : null;
  }

  /**
   * `queued`'s member, waiting for it if need be. With `takeBack`, one the
   * worker has not started is made here instead: the writer wants it now,
   * and the worker may be hundreds of records behind (its first ones, while
   * V8 still compiles both threads' code: 40-70 ms waits on npm-large).
   */
  async #memberOf(queued: Queued, takeBack = false): Promise<Uint8Array> {
    if (queued.deflating !== null) return queued.member ?? queued.deflating;
    if (takeBack && queued.member === null && queued.id !== null) {
      const reply = this.deflater.takeBack(queued.id);
      if (reply !== null) this.#settle(reply.id, reply.member);
    }
    while (queued.member === null) {
      // Replies come in the order records were sent: settle each until this one's.
      const reply = this.deflater.wait();
      if (reply === null) throw new Error(`unreachable: every record sent has its reply (${JSON.stringify(queued.record.key)})`);
      this.#settle(reply.id, reply.member);
    }
    return queued.member;
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
    this.#settleReplies();
    const head = this.#queue[0];
    if (wait && head !== undefined) await this.#memberOf(head);
    let written = 0;
    for (let run = this.#readyRun(); run.length > 0; run = this.#readyRun()) {
      // One call each for a run of records (thousands of them behind a big text's member at the end).
      try {
        const memos = await this.#access.addRawRecords(run.map((queued) => ({ key: queued.record.key, bytes: queued.member as Uint8Array })));
        const records = run.map((queued, i) => ({ ...queued.record, memo: memos[i] as IndexMemo }));
        await this.#index.addRecords(records, (run[0] as Queued).addOptions);
      } finally {
        for (const queued of run) this.#queued.delete(queued.record.key);
      }
      written += run.length;
    }
    return written;
  }

  /** Takes off the queue's front the records whose members are back and that were added with the same options. */
  #readyRun(): Queued[] {
    const run: Queued[] = [];
    const first = this.#queue[0];
    if (first === undefined) return run;
    const { randomId, missingCompressionParents } = first.addOptions;
    for (let next: Queued | undefined = first; next !== undefined && next.member !== null; next = this.#queue[0]) {
      if (next.addOptions.randomId !== randomId || next.addOptions.missingCompressionParents !== missingCompressionParents) break;
      run.push(next);
      this.#queue.shift();
    }
    this.#shifted += run.length;
    return run;
  }

  /** Takes every member the worker has sent back, without waiting. */
  #settleReplies(): void {
    for (let reply = this.deflater.take(); reply !== null; reply = this.deflater.take()) this.#settle(reply.id, reply.member);
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
      // Queued keys are answered from the queue, before anything is awaited
      // (a key written meanwhile leaves the queue): nothing need be written first.
      getParentMap: async (keys: readonly Key[]): Promise<KeyMap<Parents>> => {
        const out = new KeyMap<Parents>();
        const stored: Key[] = [];
        for (const key of keys) {
          const queued = this.#queued.get(key);
          if (queued === undefined) stored.push(key);
          else out.set(key, index.hasGraph ? (queued.record.parents ?? []) : null);
        }
        if (stored.length > 0) for (const [key, parents] of await index.getParentMap(stored)) out.set(key, parents);
        return out;
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
      storedSize: (length) => access.storedSize(length),
      // Memos come from build details, which wait for their records.
      getRawRecords: (memos) => access.getRawRecords(memos),
    };
  }
}
