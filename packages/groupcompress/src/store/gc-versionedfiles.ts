// The groupcompress store (Breezy's `GroupCompressVersionedFiles`) on
// `VersionedFilesBase`: texts in blocks (GroupAccess), one index node per
// text (GroupIndex).
//
// Writes. `mode: 'compat'` does what Breezy does: every `addLines` writes its
// own group (one block per text), and `insertRecordStream` fills groups across
// the stream, so the pack bytes are Breezy's. `mode: 'default'` buffers texts
// (`BatchWriter`: one-at-a-time adds and streams alike), plans groups per
// file before compressing them, compresses them on worker threads when there
// are several (`workers`), and writes them in order, when the buffer is full,
// on `flush()`, at the end of a stream and on `close()`; until then texts are
// read from the buffer. A failed stream leaves none of its texts buffered.
// `insertRecordStream` keeps an incoming block as it is when it is well used
// (`GroupContentManager.isWellUtilized`) and recompresses its texts otherwise.
//
// Reads. `getRecordStream` reads the blocks a request needs in batches of
// about 64 KiB, inflates each once (and only as far as needed) through a
// cache of blocks bounded in bytes (a block too big for it is not cached, as
// in Breezy, and an evicted one drops its content), and yields per block a
// `groupcompress-block` record followed by `groupcompress-block-ref` ones.
// The batches after the one being extracted are read and their blocks
// inflated on libuv's thread pool meanwhile (`ReadAhead`, within 512 KiB of
// compressed bytes); every stream starts its largest block at once, since it
// takes longest to inflate, and an unordered one gives its texts last. A
// stream applies its deltas in WebAssembly (`WasmDeltaApplier`) run by run
// where copying the block in pays.
//
// Entry points: `GroupCompressVersionedFiles`, `GroupCompressStoreOptions`,
// `makePackFactory(graph, delta, keyLength)`, `cleanupPackGroup(vf)`,
// `openPackFile(transport, {pack, index})`.

import {
  AbsentContentFactory,
  ChunkedContentFactory,
  DependencyBuffer,
  KeyMap,
  KeySet,
  ReadOnlyError,
  RevisionNotPresent,
  VersionedFilesBase,
  checkMaxTextOption,
  compatZlib,
  fastZlib,
  isAbsent,
  sha1OfChunks,
  throwIfAborted,
} from '@versionedfiles/core';
import type {
  AddOptions,
  ContentFactory,
  Key,
  LocalStreamRequest,
  Parents,
  Transport,
  ValidatedText,
  VersionedFiles,
  WorkOptions,
  ZlibCodec,
} from '@versionedfiles/core';
import { BTreeGraphIndex, transportRangeReader } from '@versionedfiles/pack';
import { parseBlock } from '../format/block.js';
import { GroupCompressCorrupt } from '../format/errors.js';
import type { GroupCompressBlock } from '../format/block.js';
import { DEFAULT_MAX_BYTES_TO_INDEX } from '../compressor.js';
import { PackFileAccess } from './access.js';
import { ReadAhead } from './read-ahead.js';
import { WasmDeltaApplier } from '../format/wasm-applier.js';
import type { BlockMemo, GroupAccess } from './access.js';
import { GroupContentManager, GroupCompressRecord } from './content-manager.js';
import type { CompressorSettings } from './content-manager.js';
import { MemoryGroupIndex, ReaderGroupIndex } from './gc-index.js';
import type { GroupIndex, GroupIndexEntry } from './gc-index.js';
import { GroupWriter } from './writer.js';
import type { BlockSink, PendingTexts, TextWriter } from './writer.js';
import { BatchWriter } from './batch-writer.js';
import { defaultWorkerCount } from './parallel-compress.js';

export type GroupCompressMode = 'default' | 'compat';

export interface GroupCompressStoreOptions {
  readonly keyLength: number;
  /** False: a "nograph" store (no parents kept). Default true. */
  readonly graph?: boolean;
  readonly index: GroupIndex;
  readonly access: GroupAccess;
  /** Default 'default' (buffered adds); 'compat' writes Breezy's bytes. */
  readonly mode?: GroupCompressMode;
  /** Block compression: default compatZlib (Breezy's bytes) in compat mode, fastZlib (native) in default mode. */
  readonly zlib?: ZlibCodec;
  /** Delta index density per source (default 1 MiB, as Breezy's stores). */
  readonly maxBytesToIndex?: number;
  /** Largest text accepted (default and maximum: core's `MAX_TEXT_BYTES`); larger ones get `LimitExceeded` before anything is written. */
  readonly maxTextBytes?: number;
  /** Bytes of blocks kept in the cache (default 50 MiB, as Breezy). */
  readonly cacheBytes?: number;
  /**
   * Default mode: worker threads that compress the groups of a large write
   * side by side with this thread (default `min(2, availableParallelism()) - 1`,
   * so both cores of a two-core machine; 0: all in this thread). The bytes
   * written are the same either way; a write of one group stays in this
   * thread. Compat mode compresses in this thread.
   */
  readonly workers?: number;
  /** Default mode: the group size aimed at (default `GROUP_BYTES`, 4 MiB); a tuning knob, and small groups for tests. */
  readonly groupBytes?: number;
  /** Default mode: texts this long and longer may go to open groups (default `LARGE_TEXT_BYTES`, 256 KiB). */
  readonly largeTextBytes?: number;
  readonly name?: string;
}

/** Read at least this many new block bytes at once (Breezy's BATCH_SIZE). */
const BATCH_SIZE = 1 << 16;
/**
 * Read and inflate the batches within this many compressed bytes past the
 * one being extracted (at least one). A stream is short of CPU, not of
 * reads, on two cores: 512 KiB against 2 MiB left less inflating to
 * contend with the largest block's and held less ahead (npm-large, ten
 * interleaved runs: groupcompress order 352 -> 321 ms median, the others
 * alike; the bench's peak 449 -> 428-435 MB). 256 KiB measured the same.
 */
const READ_AHEAD_BYTES = 512 * 1024;
/**
 * A stream's largest block this size and up is read and inflated first,
 * whenever its texts come (an unordered stream gives them last). On
 * npm-large in topological order this took 75 ms off a 430 ms stream: the
 * 57 MB block no longer inflated while the stream waited for it.
 */
const EARLY_BLOCK_BYTES = 1024 * 1024;
/**
 * A run's deltas go to the stream's WebAssembly applier when what it must
 * copy of the block into its memory (the block's front, unless the applier
 * holds it already) is at most this many times the run's stored bytes. In
 * one process on npm-large (groupcompress order: 553 runs over 30 blocks)
 * 16, 64 and 256 measured alike, and even always loading beat JavaScript
 * (335 against 423 ms); the bound keeps a one-record run at the end of a big
 * block in JavaScript.
 */
const LOAD_PER_RUN_BYTE = 64;
/** A block read ahead is inflated on the thread pool from this much content up. */
const POOL_INFLATE_MIN_BYTES = 64 * 1024;
/** Runs of fewer stored bytes are applied in JavaScript (a fresh applier memory's pages fault in at first touch, about 0.8 ms a MiB). */
const MIN_APPLIER_RUN_BYTES = 16 * 1024;
/** While a read ahead is under way, let the event loop run after this many records. */
const YIELD_EVERY = 16;

/** A batch of a stream's steps, `[from, to)`, and the blocks to read for it. */
interface StreamBatch {
  readonly from: number;
  readonly to: number;
  readonly memos: readonly BlockMemo[];
  readonly bytes: number;
  /** Named in errors of the batch's reads. */
  readonly firstKey: Key | null;
}

/**
 * Blocks by memo, least recently used dropped first past a byte budget. A
 * block grows after it is cached (inflated content, scratch for deltas), so
 * its size is measured again on each `set`. As in Breezy's LRUSizeCache, a
 * block that would take 80% of the budget or more once inflated is not
 * cached: it would push out every other block, for a read that is inflated
 * again anyway (its big text is handed over, see `GroupCompressBlock`).
 */
class BlockCache {
  readonly #blocks = new Map<string, GroupCompressBlock>();
  constructor(private readonly budget: number) {}

  static id(memo: BlockMemo): string {
    return `${memo.pack}\0${memo.offset}\0${memo.length}`;
  }

  /** Whether `id` is cached (without marking it used). */
  has(id: string): boolean {
    return this.#blocks.has(id);
  }

  get(id: string): GroupCompressBlock | undefined {
    const block = this.#blocks.get(id);
    if (block) {
      this.#blocks.delete(id);
      this.#blocks.set(id, block);
    }
    return block;
  }

  set(id: string, block: GroupCompressBlock): void {
    if (this.#blocks.has(id)) return;
    if (block.zContent.length + block.contentLength >= 0.8 * this.budget) return;
    this.#blocks.set(id, block);
    let bytes = 0;
    for (const b of this.#blocks.values()) bytes += b.heldBytes;
    for (const [oldId, old] of this.#blocks) {
      if (bytes <= this.budget || oldId === id) break;
      this.#blocks.delete(oldId);
      bytes -= old.heldBytes;
      // Its memory goes now, not at the next full GC; a stream still reading
      // this block inflates it again.
      old.release();
    }
  }

  clear(): void {
    for (const block of this.#blocks.values()) block.release();
    this.#blocks.clear();
  }

  /** Drops `id`'s block and its memory now (a stream is done with it). */
  drop(id: string): void {
    const block = this.#blocks.get(id);
    if (block === undefined) return;
    this.#blocks.delete(id);
    block.release();
  }

  /** Whether blocks of `bytes` in all, inflated, would not fit together. */
  outgrownBy(bytes: number): boolean {
    return bytes > this.budget;
  }
}

/** What a store and its `withoutFallbacks()` views share. */
interface Shared {
  readonly index: GroupIndex;
  readonly access: GroupAccess;
  readonly cache: BlockCache;
  readonly settings: CompressorSettings;
  readonly mode: GroupCompressMode;
  readonly workers: number;
  /** Default mode's sizes, as given (the writer's defaults otherwise). */
  readonly batching: { readonly groupBytes?: number; readonly largeTextBytes?: number };
  /** The texts of buffered adds (default mode), or of the stream being inserted (compat). */
  writer: TextWriter | null;
}

/** A run of keys read from one block. */
interface BlockRun {
  readonly memo: BlockMemo;
  /** `BlockCache.id(memo)`, made once per run: the stream and its plan look blocks up by it many times. */
  readonly id: string;
  readonly entries: GroupIndexEntry[];
}

/** What a stream gives next: a run of a block's records, or one record (pending or absent). */
type Step = { readonly run: BlockRun } | { readonly single: ContentFactory };

export class GroupCompressVersionedFiles extends VersionedFilesBase {
  readonly #shared: Shared;

  constructor(options: GroupCompressStoreOptions, shared?: Shared) {
    super({ keyLength: options.keyLength, graph: options.graph ?? true, name: options.name ?? 'GroupCompressVersionedFiles' });
    this.#shared = shared ?? {
      index: options.index,
      access: options.access,
      cache: new BlockCache(options.cacheBytes ?? 50 * 1024 * 1024),
      settings: {
        zlib: options.zlib ?? (options.mode === 'compat' ? compatZlib : fastZlib),
        maxBytesToIndex: options.maxBytesToIndex ?? DEFAULT_MAX_BYTES_TO_INDEX,
        maxTextBytes: checkMaxTextOption(options.maxTextBytes),
      },
      mode: options.mode ?? 'default',
      workers: checkWorkers(options.workers),
      batching: {
        ...(options.groupBytes !== undefined ? { groupBytes: checkSize('groupBytes', options.groupBytes) } : {}),
        ...(options.largeTextBytes !== undefined ? { largeTextBytes: checkSize('largeTextBytes', options.largeTextBytes) } : {}),
      },
      writer: null,
    };
    this.#options = options;
  }

  readonly #options: GroupCompressStoreOptions;

  /** The index of this store's texts. */
  get index(): GroupIndex {
    return this.#shared.index;
  }

  get mode(): GroupCompressMode {
    return this.#shared.mode;
  }

  withoutFallbacks(): VersionedFiles {
    return new GroupCompressVersionedFiles(this.#options, this.#shared);
  }

  // -- writing ---------------------------------------------------------------

  /** A writer filling groups by Breezy's rule (compat mode). */
  #newWriter(randomId: boolean): GroupWriter {
    return new GroupWriter(this.#shared.settings, this.#blockSink(randomId));
  }

  #blockSink(randomId: boolean): BlockSink {
    const { access, index } = this.#shared;
    return async (chunks, texts) => {
      const block = await access.addRawRecord(chunks);
      const entries = texts.map((t) => ({ key: t.key, parents: t.parents, block, start: t.start, end: t.end }));
      await index.addEntries(entries, randomId);
    };
  }

  /** The writer of buffered adds (default mode), made on first use. */
  #bufferedWriter(): TextWriter {
    const { settings, workers, batching } = this.#shared;
    this.#shared.writer ??= new BatchWriter({ settings, workers, ...batching, sink: this.#blockSink(false) });
    return this.#shared.writer;
  }

  /** Refuses writes to a closed or read-only store before anything is buffered. */
  #checkWritable(): void {
    if (!this.#shared.access.writable) throw new ReadOnlyError(this.storeName);
  }

  protected async storeText(text: ValidatedText, options: AddOptions): Promise<void> {
    this.#checkWritable();
    if (this.#shared.mode === 'compat') {
      const writer = this.#newWriter(options.randomId ?? false);
      await writer.add(text.key, text.parents, [text.text], text.text.length, text.sha1);
      await writer.flush();
      return;
    }
    await this.#bufferedWriter().add(text.key, text.parents, [text.text], text.text.length, text.sha1);
  }

  /** Writes the group being filled by buffered adds, and puts every written block on disk. */
  flush(): Promise<void> {
    return this.exclusive(async () => {
      await this.#shared.writer?.flush();
      await this.#shared.access.flush?.();
    });
  }

  /** Flushes, ends the worker threads, then ends the pack container; the store is read only afterwards. */
  close(): Promise<void> {
    return this.exclusive(async () => {
      const writer = this.#shared.writer;
      this.#shared.writer = null;
      await (writer instanceof BatchWriter ? writer.close() : writer?.flush());
      await this.#shared.access.finish();
    });
  }

  /**
   * Breezy's `_insert_record_stream`: groupcompress records of a well-used
   * block are indexed against a copy of that block; every other record is
   * recompressed into groups. Keys already present are skipped (the text is
   * still compressed in compat mode, as Breezy does).
   */
  override insertRecordStream(stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>, options: WorkOptions = {}): Promise<void> {
    return this.exclusive(async () => {
      this.#checkWritable();
      const compat = this.#shared.mode === 'compat';
      // Compat mode fills groups for this stream only; they are shared while
      // it runs so a delta's basis earlier in the stream can be read back.
      if (compat) this.#shared.writer = this.#newWriter(false);
      const writer = this.#bufferedWriter();
      // A failed stream leaves no text of its own buffered (default mode).
      const mark = writer instanceof BatchWriter ? writer.mark() : 0;
      try {
        await this.#insertStream(stream, writer, compat, options);
      } catch (err) {
        if (writer instanceof BatchWriter) writer.discardFrom(mark);
        throw err;
      } finally {
        if (compat) this.#shared.writer = null;
      }
    });
  }

  /** The stream loop of `insertRecordStream`, under the write lock. */
  async #insertStream(
    stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>,
    writer: TextWriter,
    compat: boolean,
    options: WorkOptions,
  ): Promise<void> {
    const waiting = new DependencyBuffer<ContentFactory>();
    let reusing: { manager: GroupContentManager; block: BlockMemo } | null = null;
    let done = 0;
    for await (const record of stream) {
      throwIfAborted(options.signal);
      this.checkRecordKeys(record);
      if (isAbsent(record)) throw new RevisionNotPresent(record.key, this.storeName);
      if (record instanceof GroupCompressRecord) {
        if (record.first) {
          reusing = null;
          if (record.manager.isWellUtilized()) {
            const block = await this.#shared.access.addRawRecord(record.manager.block.toChunks());
            reusing = { manager: record.manager, block };
          }
        }
        if (reusing !== null && reusing.manager === record.manager) {
          const parents = await this.checkParents(record.parents);
          await this.#shared.index.addEntries([{ key: record.key, parents, block: reusing.block, start: record.start, end: record.end }], false);
          options.progress?.({ phase: 'insert', done: ++done, total: null });
          continue;
        }
      }
      const basis = this.adapters.compressionParentOf(record);
      if (basis && !(await this.getParentMap([basis])).has(basis)) {
        waiting.hold(basis, record.key, record);
        continue;
      }
      await this.#insertText(writer, record, compat);
      for (const [, held] of waiting.release(record.key)) await this.#insertText(writer, held, compat);
      options.progress?.({ phase: 'insert', done: ++done, total: null });
    }
    const missing = waiting.waitingFor();
    if (missing.size > 0) throw new RevisionNotPresent([...missing][0] as Key, this.storeName);
    await writer.flush(options.signal);
  }

  async #insertText(writer: TextWriter, record: ContentFactory, compat: boolean): Promise<void> {
    if (!compat && (await this.localParentMap([record.key])).has(record.key)) return;
    const parents = await this.checkParents(record.parents);
    const chunks = await this.adapters.adaptRecord(record, 'chunked', { basis: this });
    let length = 0;
    for (const c of chunks) length += c.length;
    await writer.add(record.key, parents, chunks, length, record.sha1);
  }

  // -- reading ---------------------------------------------------------------

  #pending(): PendingTexts {
    return this.#shared.writer?.pending ?? NOTHING_PENDING;
  }

  protected async localParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>> {
    const pending = this.#pending();
    const out = new KeyMap<Parents>();
    let rest = keys;
    if (pending.size > 0) {
      const unwritten: Key[] = [];
      for (const k of keys) {
        const p = pending.get(k);
        if (p) out.set(k, this.hasGraph ? p.parents : null);
        else unwritten.push(k);
      }
      rest = unwritten;
    }
    if (rest.length > 0) for (const [k, e] of await this.#shared.index.getEntries(rest)) out.set(k, this.hasGraph ? e.parents : null);
    return out;
  }

  /** As Breezy: the sha1 of each text, computed from the text. */
  protected async localSha1s(keys: readonly Key[]): Promise<KeyMap<string>> {
    const out = new KeyMap<string>();
    for await (const record of this.localRecordStream(keys, { ordered: false, includeDeltaClosure: true })) {
      if (!isAbsent(record)) out.set(record.key, record.sha1 ?? sha1OfChunks(record.getBytesAs('chunked')));
    }
    return out;
  }

  async keys(): Promise<KeySet> {
    // Taken before awaiting the index: a batch under way may move texts from one to the other meanwhile.
    const pending = [...this.#pending().keys()];
    const out = await this.#shared.index.keys();
    for (const k of pending) out.add(k);
    return out;
  }

  override clearCache(): void {
    this.#shared.cache.clear();
  }

  protected localRecordStream(keys: readonly Key[], request: LocalStreamRequest): AsyncIterable<ContentFactory> {
    // The records of texts not yet written are made now, before any await: a
    // batch under way may be written (and leave `pending`) meanwhile.
    const pending = new KeyMap<ContentFactory>();
    const unwritten = this.#pending();
    if (unwritten.size > 0) {
      for (const k of keys) {
        const p = unwritten.get(k);
        if (p !== undefined && !pending.has(k)) pending.set(k, this.#pendingRecord(p));
      }
    }
    return this.#streamRecords(keys, request, pending);
  }

  /**
   * The stream itself, planned at its first record. This generator holds the
   * per-record loop and nothing else; the planning and each step's work live
   * in methods of their own. V8 optimizes the generator for its loop, and a
   * generator holding more took longer to compile (on two cores that time is
   * taken from inflating) and was compiled again whenever a stream took
   * another of its branches: on npm-large about 60 ms of a compiler thread
   * per stream.
   */
  async *#streamRecords(keys: readonly Key[], request: LocalStreamRequest, pending: KeyMap<ContentFactory>): AsyncIterable<ContentFactory> {
    const cursor: StreamCursor = { plan: await this.#planStream(keys, request.ordered, pending), appliers: new RunAppliers(), nextBatch: 0, fetched: new Map() };
    const steps = cursor.plan.steps.length;
    try {
      let yielded = 0;
      for (let i = 0; i < steps; i++) {
        for (const record of await this.#stepRecords(cursor, i, request.signal)) {
          yield record;
          // Each text is let go once the consumer moves on (it can still ask
          // the record again), so a run never holds all its texts at once.
          if (record instanceof GroupCompressRecord) record.release();
          if (cursor.plan.ahead.reading && ++yielded % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }
      this.#dropIfDone(cursor, steps - 1);
    } finally {
      cursor.appliers.release();
    }
  }

  /**
   * The records of step `i`. Its batch is taken first if it starts one, and
   * the step before (its records all given) drops its block if it was the
   * block's last.
   */
  async #stepRecords(cursor: StreamCursor, i: number, signal: AbortSignal | undefined): Promise<readonly ContentFactory[]> {
    throwIfAborted(signal);
    this.#dropIfDone(cursor, i - 1);
    const { steps, batches, ahead } = cursor.plan;
    if (batches[cursor.nextBatch]?.from === i) cursor.fetched = await ahead.take(cursor.nextBatch++);
    const step = steps[i] as Step;
    return 'single' in step ? [step.single] : this.#runRecords(step.run, cursor);
  }

  /** Drops the block of step `i` from the cache if the stream reads it no further. */
  #dropIfDone(cursor: StreamCursor, i: number): void {
    const step = cursor.plan.steps[i];
    if (step === undefined || !('run' in step)) return;
    if (cursor.plan.lastStepOf.get(step.run.id) === i) this.#shared.cache.drop(step.run.id);
  }

  /** What a stream of `keys` reads and gives, in order, with its reads started. */
  async #planStream(keys: readonly Key[], ordered: boolean, pending: KeyMap<ContentFactory>): Promise<StreamPlan> {
    const entries = await this.#shared.index.getEntries(pending.size === 0 ? keys : keys.filter((k) => !pending.has(k)));
    const steps = streamSteps(streamOrder(keys, entries, pending, ordered), pending);
    const lastByteOf = lastBytesRead(steps);
    // A stream reading more than the cache holds would push each block out
    // with the ones after it anyway: it drops each block once past its last
    // run, so the cache does not hold a budget's worth of blocks it is done
    // with. A smaller stream leaves its blocks cached for the next.
    let inflated = 0;
    for (const bytes of lastByteOf.values()) inflated += bytes;
    const lastStepOf = this.#shared.cache.outgrownBy(inflated) ? lastStepsOf(steps) : new Map<string, number>();
    const batches = streamBatches(steps, (id) => this.#shared.cache.has(id));
    const ahead = new ReadAhead(
      batches,
      {
        read: (batch) => this.#readBlocks(batch.memos, batch.firstKey),
        // Not small blocks: a thread-pool call costs more than inflating them
        // here. Nor a batch the stream already waits for: this thread has
        // nothing else to do, and the pool may be busy with blocks read ahead
        // (npm-large: the first batch came 30-50 ms later through it).
        prepare: async (blocks, _batch, wanted) => {
          if (wanted) return;
          await Promise.all([...blocks].map(([id, block]) => inflateOffThread(block, lastByteOf.get(id) ?? 0, POOL_INFLATE_MIN_BYTES)));
        },
      },
      READ_AHEAD_BYTES,
    );
    // The largest block starts now, whatever its turn: it takes longest to inflate
    // (an unordered stream gives its texts last, see `inFileOrder`).
    const early = largestBlockBatch(batches);
    if (early > 0) ahead.startEarly(early);
    return { steps, batches, ahead, lastByteOf, lastStepOf };
  }

  /** The records of one run, its block fetched (or cached, or read now) and inflated as far as the stream needs. */
  async #runRecords(run: BlockRun, cursor: StreamCursor): Promise<readonly GroupCompressRecord[]> {
    const id = run.id;
    const lastByte = cursor.plan.lastByteOf.get(id);
    let block = cursor.fetched.get(id);
    if (block !== undefined) this.#shared.cache.set(id, block);
    else block = this.#shared.cache.get(id) ?? ((await this.#blocks([run.memo], run.entries[0]?.key ?? null)).get(id) as GroupCompressBlock);
    await inflateOffThread(block, lastByte ?? 0, THREAD_POOL_INFLATE_BYTES);
    const manager = new GroupContentManager(block, this.#shared.settings, lastByte, cursor.appliers.forRun(block, run.entries));
    for (const e of run.entries) manager.addRecord(e.key, this.hasGraph ? e.parents : null, e.start, e.end);
    return manager.records();
  }

  /** A text not yet written; its sha1 is computed from the text, as Breezy's compressor does. */
  #pendingRecord(p: PendingKey): ContentFactory {
    const text = (this.#shared.writer as TextWriter).pendingText(p.key);
    return new ChunkedContentFactory(p.key, this.hasGraph ? p.parents : null, sha1OfChunks([text]), [text]);
  }

  /** The blocks for memos: from the cache, else read (duplicates once) and cached; errors name `key`. */
  async #blocks(memos: readonly BlockMemo[], key: Key | null): Promise<Map<string, GroupCompressBlock>> {
    const out = new Map<string, GroupCompressBlock>();
    const toRead: BlockMemo[] = [];
    for (const m of memos) {
      const id = BlockCache.id(m);
      const cached = this.#shared.cache.get(id);
      if (cached) out.set(id, cached);
      else if (!out.has(id) && !toRead.some((r) => BlockCache.id(r) === id)) toRead.push(m);
    }
    for (const [id, block] of await this.#readBlocks(toRead, key)) {
      this.#shared.cache.set(id, block);
      out.set(id, block);
    }
    return out;
  }

  /** Reads and parses the blocks of `memos` (not cached); errors name `key`. */
  async #readBlocks(memos: readonly BlockMemo[], key: Key | null): Promise<Map<string, GroupCompressBlock>> {
    const out = new Map<string, GroupCompressBlock>();
    if (memos.length === 0) return out;
    try {
      const raw = await this.#shared.access.getRawRecords(memos);
      memos.forEach((m, i) => {
        out.set(BlockCache.id(m), parseBlock(ownBuffer(raw[i] as Uint8Array), { source: `block at ${m.offset} of ${m.pack}` }));
      });
    } catch (err) {
      if (err instanceof GroupCompressCorrupt && err.key === null && key !== null) {
        throw new GroupCompressCorrupt(err.data.how, { key, source: err.source }, { cause: err });
      }
      throw err;
    }
    return out;
  }
}

/** What `#planStream` hands the stream: its steps, its batches and their reads, and how far each block is read. */
interface StreamPlan {
  readonly steps: readonly Step[];
  readonly batches: readonly StreamBatch[];
  readonly ahead: ReadAhead<StreamBatch, Map<string, GroupCompressBlock>>;
  readonly lastByteOf: ReadonlyMap<string, number>;
  readonly lastStepOf: ReadonlyMap<string, number>;
}

/** Where a stream is: its plan, its applier, the batch to take next and the blocks of the one taken. */
interface StreamCursor {
  readonly plan: StreamPlan;
  readonly appliers: RunAppliers;
  nextBatch: number;
  fetched: ReadonlyMap<string, GroupCompressBlock>;
}

/** What to stream, in order: index entries, or keys pending or absent. */
function streamOrder(
  keys: readonly Key[],
  entries: KeyMap<GroupIndexEntry>,
  pending: KeyMap<ContentFactory>,
  ordered: boolean,
): readonly (GroupIndexEntry | Key)[] {
  if (ordered) return keys.map((k) => entries.get(k) ?? k);
  // Absent first, then the group being built, then blocks in file order.
  const unstored = entries.size === keys.length ? [] : keys.filter((k) => !entries.has(k));
  return [...unstored.filter((k) => !pending.has(k)), ...unstored.filter((k) => pending.has(k)), ...inFileOrder(entries.values())];
}

/**
 * Entries by block in file order (pack, then offset), each block's by start,
 * with those of the largest block (by stored bytes, if at least
 * `EARLY_BLOCK_BYTES`) moved to the end: an unordered stream reads and
 * inflates that block first, while it extracts the others' texts. On the
 * bench's large corpus one 5.7 MB block inflates to 57 MB, about 150 ms of
 * inflating that the stream otherwise waited through. Grouped, not sorted as
 * one list: a first stream sorted npm-large's 7,412 entries in 10-15 ms of
 * code not yet optimized.
 */
function inFileOrder(entries: Iterable<GroupIndexEntry>): GroupIndexEntry[] {
  const byPack = new Map<string, Map<number, GroupIndexEntry[]>>();
  for (const e of entries) {
    let blocks = byPack.get(e.block.pack);
    if (blocks === undefined) byPack.set(e.block.pack, (blocks = new Map()));
    let run = blocks.get(e.block.offset);
    if (run === undefined) blocks.set(e.block.offset, (run = []));
    run.push(e);
  }
  const runs: GroupIndexEntry[][] = [];
  for (const pack of [...byPack.keys()].sort(cmp)) {
    const blocks = byPack.get(pack) as Map<number, GroupIndexEntry[]>;
    for (const offset of [...blocks.keys()].sort((a, b) => a - b)) runs.push((blocks.get(offset) as GroupIndexEntry[]).sort((a, b) => a.start - b.start));
  }
  const largest = largestBlock(runs.map((run) => (run[0] as GroupIndexEntry).block));
  const out: GroupIndexEntry[] = [];
  let last: GroupIndexEntry[] = [];
  for (const run of runs) {
    if (largest !== null && sameBlock((run[0] as GroupIndexEntry).block, largest)) last = run;
    else for (const e of run) out.push(e);
  }
  for (const e of last) out.push(e);
  return out;
}

/** Runs of keys per block, in order; pending and absent keys break runs. */
function streamSteps(order: readonly (GroupIndexEntry | Key)[], pending: KeyMap<ContentFactory>): Step[] {
  const steps: Step[] = [];
  let run: BlockRun | null = null;
  for (const e of order) {
    if (isKey(e)) {
      run = null;
      steps.push({ single: pending.get(e) ?? new AbsentContentFactory(e) });
      continue;
    }
    if (run === null || !sameBlock(run.memo, e.block)) {
      run = { memo: e.block, id: BlockCache.id(e.block), entries: [] };
      steps.push({ run });
    }
    run.entries.push(e);
  }
  return steps;
}

/** How far a stream reads into each block, over all its runs, so a block is inflated once that far rather than run by run. */
function lastBytesRead(steps: readonly Step[]): Map<string, number> {
  const lastByteOf = new Map<string, number>();
  for (const step of steps) {
    if (!('run' in step)) continue;
    let last = lastByteOf.get(step.run.id) ?? 0;
    for (const e of step.run.entries) if (e.end > last) last = e.end;
    lastByteOf.set(step.run.id, last);
  }
  return lastByteOf;
}

/** The last step that reads each block. */
function lastStepsOf(steps: readonly Step[]): Map<string, number> {
  const lastStepOf = new Map<string, number>();
  steps.forEach((step, i) => {
    if ('run' in step) lastStepOf.set(step.run.id, i);
  });
  return lastStepOf;
}

/**
 * Batches of about BATCH_SIZE bytes of blocks to read, each read once (a
 * block used again later comes from the cache, or is read again); blocks
 * `cached` already are not read.
 */
function streamBatches(steps: readonly Step[], cached: (id: string) => boolean): StreamBatch[] {
  const batches: StreamBatch[] = [];
  const planned = new Set<string>();
  for (let i = 0; i < steps.length; ) {
    const memos: BlockMemo[] = [];
    let bytes = 0;
    let firstKey: Key | null = null;
    let j = i;
    for (; j < steps.length && bytes <= BATCH_SIZE; j++) {
      const step = steps[j] as Step;
      if (!('run' in step)) continue;
      firstKey ??= step.run.entries[0]?.key ?? null;
      const id = step.run.id;
      if (planned.has(id) || cached(id)) continue;
      planned.add(id);
      memos.push(step.run.memo);
      bytes += step.run.memo.length;
    }
    batches.push({ from: i, to: j, memos, bytes, firstKey });
    i = j;
  }
  return batches;
}

/** The largest of `memos` (by stored bytes) if it has `EARLY_BLOCK_BYTES` or more, else null. */
function largestBlock(memos: readonly BlockMemo[]): BlockMemo | null {
  let largest: BlockMemo | null = null;
  for (const memo of memos) if (memo.length >= EARLY_BLOCK_BYTES && memo.length > (largest?.length ?? 0)) largest = memo;
  return largest;
}

/** The batch that reads the stream's largest block of `EARLY_BLOCK_BYTES` or more, or -1. */
function largestBlockBatch(batches: readonly StreamBatch[]): number {
  const largest = largestBlock(batches.flatMap((batch) => batch.memos));
  return largest === null ? -1 : batches.findIndex((batch) => batch.memos.includes(largest));
}

/**
 * A stream's WebAssembly applier, asked for at the first run worth it (see
 * `LOAD_PER_RUN_BYTE`, `MIN_APPLIER_RUN_BYTES`), and which runs use it.
 */
class RunAppliers {
  /** Undefined until asked for; null when none was free. */
  #applier: WasmDeltaApplier | null | undefined;

  /** The applier for a run of `entries` from `block`, or null to apply them in JavaScript. */
  forRun(block: GroupCompressBlock, entries: readonly GroupIndexEntry[]): WasmDeltaApplier | null {
    let runEnd = 0;
    let runBytes = 0;
    for (const e of entries) {
      if (e.end > runEnd) runEnd = e.end;
      runBytes += e.end - e.start;
    }
    if (runBytes < MIN_APPLIER_RUN_BYTES) return null;
    if ((this.#applier?.loadCost(block, runEnd) ?? runEnd) > LOAD_PER_RUN_BYTE * runBytes) return null;
    this.#applier ??= WasmDeltaApplier.acquire();
    return this.#applier;
  }

  release(): void {
    this.#applier?.release();
  }
}

/** A text added but not yet indexed. */
type PendingKey = { readonly key: Key; readonly parents: Parents };

/** A block met without reading ahead is inflated on libuv's thread pool from this much content. */
const THREAD_POOL_INFLATE_BYTES = 4 * 1024 * 1024;

/**
 * Inflates a block of `fromBytes` of content or more that a read needs most
 * of (past the 1/8 that the block inflates at once anyway, see
 * `GroupCompressBlock.content`) on libuv's thread pool, so this thread is
 * free meanwhile: a 56 MB block took it over 100 ms. The event loop runs
 * then, and with it V8's garbage collection tasks, which free an earlier
 * read's big text (a full collection is what the allocation of this one
 * starts) before this one's bytes come in rather than after: the bench's
 * large extraction otherwise held two 56 MB texts at once now and then. Any
 * failure is left to the block's own inflation, which reports it.
 */
async function inflateOffThread(block: GroupCompressBlock, upTo: number, fromBytes: number): Promise<void> {
  if (block.contentLength < fromBytes || upTo * 8 <= block.contentLength) return;
  await block.inflateOnThreadPool();
}

/**
 * `bytes`, copied when it is a small part of its buffer: a read of
 * neighbouring blocks comes back as views of one buffer, and a cached block
 * would keep its neighbours' bytes too (a 5.7 MB block, not cached itself,
 * stayed in memory behind a small one on the bench's large corpus).
 */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.buffer.byteLength - bytes.byteLength > Math.max(4096, bytes.byteLength >> 3) ? bytes.slice() : bytes;
}

function checkSize(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1, got ${value}`);
  return value;
}

function checkWorkers(workers: number | undefined): number {
  if (workers === undefined) return defaultWorkerCount();
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`workers must be a whole number >= 0, got ${workers}`);
  return workers;
}

/** Read only: what `#pending()` gives while no writer buffers texts. */
const NOTHING_PENDING: PendingTexts = new KeyMap<PendingKey>();

function isKey(item: GroupIndexEntry | Key): item is Key {
  return Array.isArray(item);
}

function sameBlock(a: BlockMemo, b: BlockMemo): boolean {
  return a.offset === b.offset && a.length === b.length && a.pack === b.pack;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface PackFactoryOptions {
  readonly mode?: GroupCompressMode;
  readonly zlib?: ZlibCodec;
  readonly maxBytesToIndex?: number;
  /** Largest text accepted (default and maximum: core's `MAX_TEXT_BYTES`). */
  readonly maxTextBytes?: number;
  /** The pack file written (default `newpack`, as Breezy's). */
  readonly packName?: string;
  /** Worker threads (default mode; see `GroupCompressStoreOptions.workers`). */
  readonly workers?: number;
  /** Default mode's group size aimed at (see `GroupCompressStoreOptions.groupBytes`). */
  readonly groupBytes?: number;
  /** Default mode's large-text threshold (see `GroupCompressStoreOptions.largeTextBytes`). */
  readonly largeTextBytes?: number;
}

/**
 * Breezy's `make_pack_factory(graph, delta, keylength)`: a store writing one
 * pack container (`newpack`) on the transport, its index in memory (a
 * B+Tree builder, `index.builder`). `delta` is accepted and unused, as in
 * Breezy. Call `cleanupPackGroup(vf)` (or `vf.close()`) to end the pack.
 */
export function makePackFactory(
  graph: boolean,
  _delta: boolean,
  keyLength: number,
  options: PackFactoryOptions = {},
): (transport: Transport) => GroupCompressVersionedFiles {
  return (transport) =>
    new GroupCompressVersionedFiles({
      keyLength,
      graph,
      index: new MemoryGroupIndex(graph, keyLength),
      access: new PackFileAccess(transport, options.packName ?? 'newpack'),
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.zlib ? { zlib: options.zlib } : {}),
      ...(options.maxBytesToIndex !== undefined ? { maxBytesToIndex: options.maxBytesToIndex } : {}),
      ...(options.maxTextBytes !== undefined ? { maxTextBytes: options.maxTextBytes } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.groupBytes !== undefined ? { groupBytes: options.groupBytes } : {}),
      ...(options.largeTextBytes !== undefined ? { largeTextBytes: options.largeTextBytes } : {}),
    });
}

/** Ends the pack of a `makePackFactory` store (Breezy's cleanup_pack_group). */
export function cleanupPackGroup(vf: GroupCompressVersionedFiles): Promise<void> {
  return vf.close();
}

/**
 * Opens, read only, a pack a `makePackFactory` store wrote (ours or Breezy's)
 * with its B+Tree index saved beside it: key length and graph come from the
 * index.
 */
export async function openPackFile(
  transport: Transport,
  options: { readonly pack?: string; readonly index: string; readonly zlib?: ZlibCodec },
): Promise<GroupCompressVersionedFiles> {
  const pack = options.pack ?? 'newpack';
  const reader = new BTreeGraphIndex(transportRangeReader(transport, options.index, await transport.size(options.index)));
  const shape = await reader.options();
  const graph = shape.referenceLists > 0;
  return new GroupCompressVersionedFiles({
    keyLength: shape.keyElements,
    graph,
    index: new ReaderGroupIndex(reader, graph, () => pack),
    access: new PackFileAccess(transport, pack, { existing: true }),
    name: `groupcompress pack ${pack}`,
    ...(options.zlib ? { zlib: options.zlib } : {}),
  });
}
