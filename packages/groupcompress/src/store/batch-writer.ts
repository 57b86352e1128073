// Default-mode writes: texts are buffered, then cut into groups chosen before
// any compression, so the groups are independent and can be compressed on
// worker threads; blocks reach the pack in group order, so the bytes written
// do not depend on how many workers ran or which finished first.
//
// The plan (`planGroups`): texts are taken per prefix (the key's first
// element, for keys of 2+ elements), prefixes in order of first arrival,
// each prefix's texts newest first (the reverse of arrival: a stream comes
// parents first), so a file's latest and usually longest version is the one
// stored whole and its history is deltas against it. A group is closed at a
// prefix boundary once it holds `GROUP_BYTES` of text, inside a prefix at
// twice that, and always before its content could pass what a reader accepts.
// Blocks are deflated at zlib's default level (level 9 saves 1% more on the
// npm corpus of bench/, for twice the deflate time). On that corpus this
// stores 0.86x of what Breezy's stream insert stores.
//
// The buffer is written when it holds 4 groups' worth, on `flush()` and on
// `close()`; until its blocks are written its texts are read from it.
// `discardFrom(mark)` drops texts still buffered (an insert stream that
// failed). A batch of 3 or more groups (2, once workers are started) is
// compressed by the workers (taking groups from the front) and this thread
// (from the back) together, and goes on in the background while the next
// batch fills, so the workers are not left idle at the end of each batch;
// at most 2 are under way, and batches write in order. Smaller batches are
// compressed here, since starting a worker costs about as much as
// compressing a group. This thread deflates its groups on libuv's thread
// pool (`compressHere`), going on to its next group meanwhile.
//
// Large texts (`LARGE_TEXT_BYTES` and up) of a file whose versions keep
// coming skip the buffer: planned by raw size, batch after batch, each would
// be a group of its own (a 10 MiB file's 1,000 versions took 419 MiB on
// disk, against 2.3 MiB in a knit). Once a batch has taken a large text of a
// prefix, that prefix's next large texts go to a group of their own filled
// by Breezy's stream rule (`GroupWriter`: fill to twice the largest text,
// then close past 4 MiB of content), which stays open across batches until
// that rule closes it or `flush()` / `close()` is called, so a file's later
// versions are deltas against its earlier ones however they arrive (one
// `addLines` at a time, or streams). A large text whose file has none in a
// written batch yet stays in the buffer, where newest-first planning stores
// a few versions better (and a stream's big, rarely changed files cost no
// open group). Once a prefix has an open group, its smaller texts join it
// too (keys of one element have no prefix: only their large texts do). At
// most `OPEN_LARGE_GROUPS` are open at once; opening another writes the one
// used least recently.
//
// Entry points: `BatchWriter`, `planGroups`, `GROUP_BYTES`, `LARGE_TEXT_BYTES`.

import { KeyMap, checkTextSize, compatZlib, concatBytes, fastZlib, readerLimitFor, throwIfAborted } from '@versionedfiles/core';
import type { Key, Parents, ZlibCodec } from '@versionedfiles/core';
import { compressGroup } from '../compressor.js';
import type { CompressedGroup } from '../compressor.js';
import { DeltaIndex } from '../format/delta-index.js';
import type { CompressorSettings } from './content-manager.js';
import { GroupCompressPool, codecFor, compressHere } from './parallel-compress.js';
import type { BlockCodecSpec } from './parallel-compress.js';
import { GroupWriter, prefixOf } from './writer.js';
import type { BlockSink, TextWriter } from './writer.js';

/** Close a group at a prefix boundary past this many bytes of text. */
export const GROUP_BYTES = 4 * 1024 * 1024;
/** Write the buffer once it holds this many groups' worth of text. */
const BATCH_GROUPS = 4;
/**
 * Start workers for a batch of at least this many groups. A worker costs
 * about 150 ms of CPU to start and warm up, about what compressing 4 MiB of
 * text costs, so a batch of one or two groups is done sooner in this thread;
 * once they are started, a batch of two groups uses them too.
 */
const PARALLEL_GROUPS = 3;
/** Level of the deflate of default-mode blocks (zlib's default). */
const BLOCK_LEVEL = 6;
/** A record header is at most this long (kind byte, base-128 length). */
const RECORD_HEADER_MAX = 6;
/**
 * Texts at least this long go to an open group of their prefix once a batch
 * has taken one of that prefix's. Planned by raw size, a prefix's texts share
 * groups of about 8 MiB of text: at 256 KiB a text, a fulltext for every 32
 * versions.
 */
export const LARGE_TEXT_BYTES = 256 * 1024;
/** Open groups of large texts at most (each holds twice its largest text, and a delta index). */
const OPEN_LARGE_GROUPS = 4;

/** Batches for the workers under way at most (each holds its texts until written). */
const INFLIGHT_BATCHES = 2;

/** Buffered texts taken out to be written, and their groups (indices into `texts`). */
interface Batch {
  readonly texts: readonly Buffered[];
  readonly groups: readonly number[][];
}

/** A text not yet written: buffered (`text`), or in the open group `group`. */
type Pending = Buffered | InOpenGroup;

interface PendingBase {
  readonly key: Key;
  readonly parents: Parents;
  /** Its place among every text ever added (for `discardFrom`). */
  readonly seq: number;
}

interface Buffered extends PendingBase {
  readonly text: Uint8Array;
}

interface InOpenGroup extends PendingBase {
  readonly group: GroupWriter;
}

export interface BatchWriterOptions {
  readonly settings: CompressorSettings;
  /** Worker threads besides this one for batches of several groups (0: all in this thread). */
  readonly workers: number;
  readonly sink: BlockSink;
  /** Group size aimed at (default `GROUP_BYTES`); the buffer is written at `BATCH_GROUPS` groups' worth. */
  readonly groupBytes?: number;
  /** Texts this long and longer go to an open group of their prefix, once a batch has taken one of its (default `LARGE_TEXT_BYTES`). */
  readonly largeTextBytes?: number;
}

/**
 * The groups of a batch, as indices into `texts`, in the order they are
 * written. Groups aim at an even share of the batch, about `groupBytes` each.
 */
export function planGroups(texts: readonly { readonly key: Key; readonly text: Uint8Array }[], maxContent: number, groupBytes = GROUP_BYTES): number[][] {
  let total = 0;
  for (const { text } of texts) total += text.length + RECORD_HEADER_MAX;
  const target = total / Math.max(1, Math.round(total / groupBytes));
  const byPrefix = new Map<string, number[]>();
  texts.forEach(({ key }, i) => {
    const prefix = prefixOf(key) ?? '';
    const list = byPrefix.get(prefix);
    if (list) list.push(i);
    else byPrefix.set(prefix, [i]);
  });
  const groups: number[][] = [];
  let group: number[] = [];
  let bytes = 0;
  for (const members of byPrefix.values()) {
    for (let j = members.length - 1; j >= 0; j--) {
      const i = members[j] as number;
      const size = (texts[i] as { text: Uint8Array }).text.length + RECORD_HEADER_MAX;
      const newPrefix = j === members.length - 1;
      const full = bytes + size > target && (newPrefix || bytes > 2 * target);
      if (group.length > 0 && (full || bytes + size > maxContent)) {
        groups.push(group);
        group = [];
        bytes = 0;
      }
      group.push(i);
      bytes += size;
    }
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** core's codecs can be named to a worker; any other codec compresses in this thread. */
function specOf(zlib: ZlibCodec): BlockCodecSpec | null {
  if (zlib === compatZlib) return { name: 'compat', level: BLOCK_LEVEL };
  if (zlib === fastZlib) return { name: 'fast', level: BLOCK_LEVEL };
  return null;
}

export class BatchWriter implements TextWriter {
  #texts: Buffered[] = [];
  #pending = new KeyMap<Pending>();
  #bytes = 0;
  /** Texts ever added: the next one's `seq`. */
  #added = 0;
  /** Open groups of large texts by prefix, least recently used first. */
  #open = new Map<string, GroupWriter>();
  /** Prefixes of the large texts a batch has taken ('' for keys of one element). */
  readonly #largeWritten = new Set<string>();
  /**
   * Batches handed to the workers and not yet written, oldest first. Each
   * settles once its blocks are written; each writes after the one before.
   */
  #inflight: Promise<void>[] = [];
  #pool: GroupCompressPool | null = null;
  /**
   * The delta index this thread compresses its groups in, reused from group
   * to group (see `compressGroup`); made on first use, freed by `flush()`.
   */
  #index: DeltaIndex | null = null;
  readonly #spec: BlockCodecSpec | null;
  readonly #codec: ZlibCodec;
  readonly #groupBytes: number;
  readonly #largeTextBytes: number;

  constructor(private readonly options: BatchWriterOptions) {
    this.#groupBytes = options.groupBytes ?? GROUP_BYTES;
    this.#largeTextBytes = options.largeTextBytes ?? LARGE_TEXT_BYTES;
    this.#spec = specOf(options.settings.zlib);
    this.#codec = this.#spec ? codecFor(this.#spec) : options.settings.zlib;
  }

  get pending(): KeyMap<Pending> {
    return this.#pending;
  }

  /** Buffers one text, or adds it to its prefix's open group; writes the buffer when it is full. */
  async add(key: Key, parents: Parents, chunks: readonly Uint8Array[], length: number, sha1: string | null = null): Promise<void> {
    checkTextSize(length, this.options.settings.maxTextBytes);
    const prefix = prefixOf(key) ?? '';
    const large = length >= this.#largeTextBytes;
    if ((large && this.#largeWritten.has(prefix)) || (prefix !== '' && this.#open.has(prefix))) {
      const group = await this.#openGroup(prefix);
      this.#pending.set(key, { key, parents, seq: this.#added++, group });
      try {
        await group.add(key, parents, chunks, length, sha1);
      } catch (err) {
        this.#pending.delete(key);
        throw err;
      }
      return;
    }
    const text: Buffered = { key, parents, seq: this.#added++, text: chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(chunks) };
    this.#texts.push(text);
    this.#pending.set(key, text);
    this.#bytes += length;
    // Enough for a parallel batch: start the workers now, so their start-up
    // overlaps with the texts still coming.
    if (this.#bytes >= PARALLEL_GROUPS * this.#groupBytes) this.#startPool()?.start();
    if (this.#bytes >= BATCH_GROUPS * this.#groupBytes) await this.#startBatch();
  }

  /**
   * Starts writing the buffer. A batch for the workers goes on in the
   * background (this thread takes its share between the caller's adds), so
   * the workers get the next batch's groups while this one ends instead of
   * waiting; at most `INFLIGHT_BATCHES` are under way, and they write in
   * order. Any other batch is written before this returns.
   */
  async #startBatch(): Promise<void> {
    // Settled before the buffer is taken, so a failure reported here leaves it buffered.
    await this.#settle(INFLIGHT_BATCHES - 1);
    const batch = this.#planBatch();
    if (batch === null) return;
    this.#takeBatch(batch);
    const before = this.#inflight[this.#inflight.length - 1] ?? Promise.resolve();
    const pool = this.#poolFor(batch);
    const compressing = this.#compress(batch, pool, true);
    // Settled either way, so an early failure is not reported as unhandled;
    // it is thrown where the batch is awaited.
    compressing.catch(() => {});
    const written = before.then(
      () => this.#writeBatch(batch, compressing),
      (err: unknown) => {
        for (const t of batch.texts) this.#pending.delete(t.key);
        throw err;
      },
    );
    written.catch(() => {});
    this.#inflight.push(written);
    if (pool === null) await this.#settle();
  }

  /**
   * Waits for the oldest batches under way until at most `keep` are left. A
   * failure is thrown once every batch has settled: the batches after a
   * failed one wait on it and are not written (their texts are dropped, as
   * the failed one's are); the texts still buffered stay.
   */
  async #settle(keep = 0): Promise<void> {
    while (this.#inflight.length > keep) {
      // Nothing else for this thread to do until a batch is written: it takes queued groups, the last too.
      await this.#helpWorkers(0);
      try {
        await this.#inflight.shift();
      } catch (err) {
        const rest = this.#inflight;
        this.#inflight = [];
        await Promise.allSettled(rest);
        throw err;
      }
    }
  }

  /** The open group of `prefix`, made (and the least recently used one written, past the limit) if need be. */
  async #openGroup(prefix: string): Promise<GroupWriter> {
    let group = this.#open.get(prefix);
    if (group !== undefined) {
      this.#open.delete(prefix);
    } else {
      const oldest = this.#open.entries().next().value;
      if (oldest !== undefined && this.#open.size >= OPEN_LARGE_GROUPS) {
        this.#open.delete(oldest[0]);
        await oldest[1].flush();
      }
      // Written after the batches under way, so blocks reach the sink in the
      // same order whatever the workers' timing; the group's texts leave
      // `pending` once written (or failed: as the buffer's do).
      const sink: BlockSink = async (block, texts) => {
        try {
          await this.#settle();
          await this.options.sink(block, texts);
        } finally {
          for (const t of texts) this.#pending.delete(t.key);
        }
      };
      group = new GroupWriter({ ...this.options.settings, zlib: this.#codec }, sink);
    }
    this.#open.set(prefix, group);
    return group;
  }

  pendingText(key: Key): Uint8Array {
    const text = this.#pending.get(key);
    if (text === undefined) throw new RangeError('no such pending text');
    return 'text' in text ? text.text : text.group.pendingText(key);
  }

  /** How many texts were ever added: a mark for `discardFrom`. */
  mark(): number {
    return this.#added;
  }

  /**
   * Drops the texts added since `mark` that are not written yet, buffered or
   * in an open group (not those written meanwhile).
   */
  discardFrom(mark: number): void {
    const keep = this.#texts.findIndex((t) => t.seq >= mark);
    if (keep >= 0) {
      for (const t of this.#texts.splice(keep)) {
        this.#pending.delete(t.key);
        this.#bytes -= t.text.length;
      }
    }
    for (const group of this.#open.values()) {
      let kept = 0;
      for (const key of group.pending.keys()) {
        const entry = this.#pending.get(key);
        if (entry !== undefined && entry.seq < mark) kept++;
        else this.#pending.delete(key);
      }
      group.discardFrom(kept);
    }
  }

  /**
   * Writes the batches under way, the buffered texts and every open group.
   * Nothing of the buffer is written until all its groups are compressed;
   * `signal` is checked then.
   */
  async flush(signal?: AbortSignal): Promise<void> {
    await this.#settle();
    const batch = this.#planBatch();
    if (batch !== null) {
      const compressed = await this.#compress(batch, this.#poolFor(batch), false);
      // Aborted: the texts stay buffered (a stream's own are dropped by `discardFrom`).
      throwIfAborted(signal);
      this.#takeBatch(batch);
      await this.#writeBatch(batch, Promise.resolve(compressed));
    }
    const open = [...this.#open.values()];
    this.#open.clear();
    for (const group of open) await group.flush();
    // Nothing is being compressed now: the index's megabytes are not kept between writes.
    this.#index?.release();
    this.#index = null;
  }

  /** The buffered texts planned into groups; null when there are none. */
  #planBatch(): Batch | null {
    if (this.#texts.length === 0) return null;
    const texts = this.#texts;
    return { texts, groups: planGroups(texts, readerLimitFor(this.options.settings.maxTextBytes), this.#groupBytes) };
  }

  /** Takes the texts of `batch` (the front of the buffer) out of the buffer. */
  #takeBatch(batch: Batch): void {
    for (const t of batch.texts) if (t.text.length >= this.#largeTextBytes) this.#largeWritten.add(prefixOf(t.key) ?? '');
    this.#texts = this.#texts.slice(batch.texts.length);
    this.#bytes = 0;
    for (const t of this.#texts) this.#bytes += t.text.length;
  }

  /**
   * Writes a batch's blocks in group order once all are compressed; its
   * texts stay pending until then, and leave it whether or not the write
   * succeeds.
   */
  async #writeBatch({ texts, groups }: Batch, compressing: Promise<CompressedGroup[]>): Promise<void> {
    try {
      const compressed = await compressing;
      for (const [n, members] of groups.entries()) {
        const { block, ranges } = compressed[n] as CompressedGroup;
        const entries = members.map((i, j) => {
          const t = texts[i] as Buffered;
          return { key: t.key, parents: t.parents, start: ranges[2 * j] as number, end: ranges[2 * j + 1] as number };
        });
        await this.options.sink(block, entries);
      }
    } finally {
      for (const t of texts) this.#pending.delete(t.key);
    }
  }

  /**
   * Compresses queued groups here, from the back of the queue, until at most
   * `leave` are left, letting the event loop in between. While the caller
   * has texts to give, one group per worker is left queued, so no worker
   * waits for its next job while this thread is in a group (and the caller's
   * next batch, which queues more, is not held up behind this thread's share).
   */
  async #helpWorkers(leave: number): Promise<void> {
    const pool = this.#pool;
    if (pool === null) return;
    const index = this.#index ?? undefined;
    while (pool.runQueuedHere(index, leave)) await new Promise((resolve) => setImmediate(resolve));
  }

  /** The pool that compresses `batch` with this thread; null when this thread does it alone. */
  #poolFor(batch: Batch): GroupCompressPool | null {
    const groups = batch.groups.length;
    if (groups >= PARALLEL_GROUPS || (groups >= 2 && this.#pool?.started === true)) return this.#startPool();
    return null;
  }

  /** The worker pool, made on first use; null when this writer uses none. */
  #startPool(): GroupCompressPool | null {
    if (this.options.workers === 0 || this.#spec === null) return null;
    this.#pool ??= new GroupCompressPool(this.options.workers);
    return this.#pool;
  }

  /** Flushes, then ends the worker threads. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.#pool?.close();
      this.#pool = null;
    }
  }

  /**
   * Each group compressed. With workers and several groups, every group is
   * queued for the workers and this thread takes groups from the back of the
   * queue meanwhile (it would only wait otherwise), letting replies in
   * between; else all here. `moreToCome`: the caller goes on adding texts
   * meanwhile (see `#helpWorkers`); else this thread takes every group it can.
   */
  async #compress({ texts, groups: planned }: Batch, pool: GroupCompressPool | null, moreToCome: boolean): Promise<CompressedGroup[]> {
    const { settings } = this.options;
    const groups = planned.map((g) => g.map((i) => (texts[i] as Buffered).text));
    this.#index ??= new DeltaIndex({ maxBytesToIndex: settings.maxBytesToIndex });
    const index = this.#index;
    const codec = this.#spec;
    if (codec === null) return groups.map((group) => compressGroup(group, settings.maxBytesToIndex, this.#codec, index));
    if (pool === null) return Promise.all(groups.map((group) => compressHere({ texts: group, maxBytesToIndex: settings.maxBytesToIndex, codec }, index)));
    const runs = groups.map((group) => pool.run({ texts: group, maxBytesToIndex: settings.maxBytesToIndex, codec }));
    // Handled from the start: the pool may be closed (and reject them) while this thread takes its share.
    const settling = Promise.allSettled(runs);
    await this.#helpWorkers(moreToCome ? pool.size : 0);
    const settled = await settling;
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) {
      // A failed pool is closed; the next batch starts a new one.
      if (this.#pool === pool) this.#pool = null;
      await pool.close();
      throw (failed as PromiseRejectedResult).reason;
    }
    return settled.map((r) => (r as PromiseFulfilledResult<CompressedGroup>).value);
  }
}
