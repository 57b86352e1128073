// Compressing independent groups on worker threads.
//
// A task is one group: its texts and how to compress them. When a worker
// takes it, it becomes a job: the texts concatenated into one buffer with
// their lengths. That buffer is a SharedArrayBuffer the worker reads in
// place, one per worker, kept for its next jobs (below 16 MiB): a message
// would copy an ordinary buffer twice more (out, and into a fresh buffer
// there), and moving one would detach it here (the first detach in a
// process turns off V8's fast typed-array access for good; see
// docs/formats/groupcompress.md §7). The worker runs `compressGroup`, the
// same code the calling thread runs on the tasks it takes itself, in one
// delta index it keeps from group to group, and moves the block back (a move
// out of the worker detaches only there): a fresh index and a fresh buffer
// per group were garbage that piled up between the rare full collections of
// a worker's small heap, and a thread's malloc arena keeps its high-water
// mark for good. The pool hands jobs to idle workers and answers each job's
// promise, so the writer decides the order in which blocks reach the pack,
// whatever order the workers finish in.
//
// The calling thread takes queued groups too (`runQueuedHere`). A group takes
// it a few hundred milliseconds, and a worker's answer waiting in the event
// loop meanwhile would leave that worker idle until the group ends; so each
// worker answers on a port of its own, which this thread also reads between
// the texts of its group (`receiveMessageOnPort`) and gives the worker its
// next job at once.
//
// Workers are started on first use, take jobs once loaded (a job waits in
// the queue meanwhile, where the calling thread may take it), do not keep
// the process alive while idle (`unref`), and are ended by `close()` (or,
// the pool never closed, held off at process exit until their group is
// done: core's `JobGate`). A
// worker that fails or dies rejects its job with `GroupCompressWorkerError`;
// the pool is then closed.
//
// Entry points: `GroupTask`, `GroupJob`, `BlockCodecSpec`, `codecFor`,
// `makeJob`, `runJobInThread`, `compressHere`, `GroupCompressPool` (`run`,
// `runQueuedHere`, `start`, `close`), `GroupCompressWorkerError`,
// `defaultWorkerCount`.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { VersionedFilesError, compatZlib, endWorker, fastZlib, startGatedWorker } from '@versionedfiles/core';
import type { ZlibCodec } from '@versionedfiles/core';
import { compressGroup, compressGroupOnThreadPool } from '../compressor.js';
import type { CompressedGroup } from '../compressor.js';
import type { DeltaIndex } from '../format/delta-index.js';

/** Which of core's codecs deflates a block, and at which level (a worker cannot be sent a codec object). */
export interface BlockCodecSpec {
  readonly name: 'compat' | 'fast';
  readonly level: number;
}

/** One group to compress, as the writer hands it over. */
export interface GroupTask {
  readonly texts: readonly Uint8Array[];
  readonly maxBytesToIndex: number;
  readonly codec: BlockCodecSpec;
}

/**
 * A task as a worker is sent it: `texts` holds the texts back to back (from
 * the start of its buffer, which may be longer), `lengths` their sizes.
 */
export interface GroupJob {
  readonly texts: Uint8Array;
  readonly lengths: Int32Array;
  readonly maxBytesToIndex: number;
  readonly codec: BlockCodecSpec;
}

/** What a worker sends back for job `id`. */
export type WorkerReply =
  | { readonly id: number; readonly block: Uint8Array[]; readonly ranges: Int32Array }
  | { readonly id: number; readonly error: string };

/** What a worker sends once it has loaded, before any reply: it takes jobs from then on. */
export const WORKER_READY = 'ready';
/** What the pool sends a worker to make it leave once its job is done. */
export const WORKER_STOP = 'stop';

/** A job buffer this large and up is not kept for the next job (a large file's group of its own). */
const KEEP_JOB_BYTES = 16 * 1024 * 1024;

export class GroupCompressWorkerError extends VersionedFilesError {
  readonly code = 'GroupCompressWorkerError' as const;
  declare readonly data: { readonly reason: string };
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`groupcompress worker failed: ${reason}`, { reason }, options);
  }
}

/** The codec a spec names. */
export function codecFor(spec: BlockCodecSpec): ZlibCodec {
  const base = spec.name === 'compat' ? compatZlib : fastZlib;
  return { ...base, deflate: (data, options = {}) => base.deflate(data, { ...options, level: spec.level }) };
}

/**
 * A job for `texts`: copies them into one buffer, `reuse` when it is big
 * enough (a worker's SharedArrayBuffer), else one of its own.
 */
export function makeJob(texts: readonly Uint8Array[], maxBytesToIndex: number, codec: BlockCodecSpec, reuse: ArrayBufferLike | null = null): GroupJob {
  let total = 0;
  for (const t of texts) total += t.length;
  let all: Uint8Array;
  if (reuse !== null && reuse.byteLength >= total) all = new Uint8Array(reuse, 0, total);
  else all = new Uint8Array(total);
  const lengths = new Int32Array(texts.length);
  let at = 0;
  texts.forEach((t, i) => {
    all.set(t, at);
    at += t.length;
    lengths[i] = t.length;
  });
  return { texts: all, lengths, maxBytesToIndex, codec };
}

/** Runs a job where it is called: what a worker does with it (`index`: the worker's, see `compressGroup`). */
export function runJobInThread(job: GroupJob, index?: DeltaIndex): CompressedGroup {
  const texts: Uint8Array[] = [];
  let at = 0;
  for (const length of job.lengths) {
    texts.push(job.texts.subarray(at, at + length));
    at += length;
  }
  return compressGroup(texts, job.maxBytesToIndex, codecFor(job.codec), index);
}

/**
 * Compresses a task in this thread. With core's native codec the block is
 * deflated on libuv's thread pool (`compressGroupOnThreadPool`, the same
 * bytes), so this thread goes on to its next group meanwhile; pako's
 * (compat) deflates here. `index`: this thread's, used when its density
 * matches; `afterText` as for `compressGroup`.
 */
export function compressHere(task: GroupTask, index?: DeltaIndex, afterText?: () => void): Promise<CompressedGroup> {
  const { texts, maxBytesToIndex, codec } = task;
  const here = index?.maxBytesToIndex === maxBytesToIndex ? index : undefined;
  try {
    if (codec.name === 'fast') return compressGroupOnThreadPool(texts, maxBytesToIndex, codec.level, here, afterText);
    return Promise.resolve(compressGroup(texts, maxBytesToIndex, codecFor(codec), here, afterText));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * A shared buffer of at least `length` bytes for a worker's next job: its
 * own when big enough; else a new one, kept as its own if under
 * `KEEP_JOB_BYTES` (a large file's group of its own is not kept).
 */
function jobBufferFor(slot: Slot, length: number): SharedArrayBuffer {
  if (slot.buffer !== null && slot.buffer.byteLength >= length) return slot.buffer;
  const buffer = new SharedArrayBuffer(length);
  if (length < KEEP_JOB_BYTES) slot.buffer = buffer;
  return buffer;
}

/**
 * Workers used when a store does not say: with the calling thread, both
 * cores of a two-core machine, no more (each worker costs about 150 ms of CPU
 * to start and warm up, so more threads than that rarely pay on a batch).
 */
export function defaultWorkerCount(): number {
  return Math.min(2, availableParallelism()) - 1;
}

/**
 * The worker script. From the built package it sits beside this module's
 * directory; when this module runs from its TypeScript source (tests), the
 * built one is used, so the package must be built first.
 */
function workerScript(): URL {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL('../../dist/worker/compress-worker.js', here)
    : new URL('../worker/compress-worker.js', here);
  if (!existsSync(fileURLToPath(url))) throw new GroupCompressWorkerError(`worker script ${fileURLToPath(url)} is missing (build the package)`);
  return url;
}

interface Pending {
  readonly resolve: (group: CompressedGroup) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Where the worker answers. */
  readonly replies: MessagePort;
  /** The job it runs, or null when idle. */
  job: number | null;
  /**
   * Whether it has loaded. A job waits in the queue until a worker is ready
   * rather than in a booting worker's inbox, where the calling thread could
   * not take it back: on a small store this thread is often done before a
   * worker has loaded, and the worker then gets nothing.
   */
  ready: boolean;
  /** Where its jobs' texts are written (it reads them there); free while it is idle. */
  buffer: SharedArrayBuffer | null;
}

export class GroupCompressPool {
  readonly #size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: { id: number; task: GroupTask }[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closed = false;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a worker pool needs at least one worker, got ${size}`);
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  /** Whether a worker has been started (and the pool not closed). */
  get started(): boolean {
    return this.#slots.length > 0;
  }

  /**
   * Compresses a group on a worker, or here if `runQueuedHere` takes it
   * first. Its texts are copied into a job (in that worker's shared buffer)
   * only when a worker takes it, so queued groups cost no copy.
   */
  run(task: GroupTask): Promise<CompressedGroup> {
    if (this.#closed) return Promise.reject(new GroupCompressWorkerError('the worker pool is closed'));
    const id = this.#nextId++;
    const done = new Promise<CompressedGroup>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#queue.push({ id, task });
    this.#dispatch();
    return done;
  }

  /**
   * Runs here the last job no worker has taken yet, and settles its promise;
   * false when there is none, or no more than `leave` jobs are queued. The
   * calling thread helps with the queue this way instead of waiting (workers
   * take from the front, it from the back). `index`: this thread's, see
   * `compressGroup`.
   */
  runQueuedHere(index?: DeltaIndex, leave = 0): boolean {
    if (this.#queue.length <= leave) return false;
    const queued = this.#queue.pop();
    if (queued === undefined) return false;
    const pending = this.#pending.get(queued.id);
    this.#pending.delete(queued.id);
    compressHere(queued.task, index, () => this.#takeReplies()).then(pending?.resolve, pending?.reject);
    return true;
  }

  /** Starts every worker now (they start on demand otherwise), so a coming job does not wait for one to boot. */
  start(): void {
    while (!this.#closed && this.#slots.length < this.#size) this.#spawn();
  }

  /** Ends every worker; jobs not finished are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new GroupCompressWorkerError('the worker pool was closed'));
    // Asked to stop, not terminated: a worker may be inside zlib (see core's endWorker).
    await Promise.all(
      this.#slots.map((s) => {
        s.replies.close();
        return endWorker(s.worker, () => s.worker.postMessage(WORKER_STOP));
      }),
    );
    this.#slots.length = 0;
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const slot = this.#slots.find((s) => s.ready && s.job === null);
      if (slot === undefined) {
        if (this.#slots.length < this.#size) this.#spawn();
        return;
      }
      const { id, task } = this.#queue.shift() as { id: number; task: GroupTask };
      let length = 0;
      for (const text of task.texts) length += text.length;
      const job = makeJob(task.texts, task.maxBytesToIndex, task.codec, jobBufferFor(slot, length));
      slot.job = id;
      slot.worker.ref();
      slot.worker.postMessage({ id, job });
    }
  }

  /** Answers now the replies workers have sent, and notes workers now ready (between the texts of a group this thread compresses). */
  #takeReplies(): void {
    for (const slot of this.#slots) {
      if (slot.ready && slot.job === null) continue;
      const received = receiveMessageOnPort(slot.replies);
      if (received !== undefined) this.#answer(slot, received.message as WorkerReply | typeof WORKER_READY);
    }
  }

  #answer(slot: Slot, reply: WorkerReply | typeof WORKER_READY): void {
    if (reply === WORKER_READY) {
      slot.ready = true;
      slot.worker.unref();
      this.#dispatch();
      return;
    }
    const pending = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    slot.job = null;
    slot.worker.unref();
    if ('error' in reply) {
      pending?.reject(new GroupCompressWorkerError(reply.error));
    } else {
      pending?.resolve({ block: reply.block, ranges: reply.ranges });
    }
    this.#dispatch();
  }

  #spawn(): Slot {
    const { port1: replies, port2 } = new MessageChannel();
    // Its gate is shut when the process exits: the worker then starts no group (see core's JobGate).
    const { worker } = startGatedWorker((gate) => new Worker(workerScript(), { workerData: { replies: port2, gate }, transferList: [port2] }));
    const slot: Slot = { worker, replies, job: null, ready: false, buffer: null };
    replies.on('message', (reply: WorkerReply | typeof WORKER_READY) => this.#answer(slot, reply));
    // The port alone does not keep the process alive: the worker's ref does, while it has a job.
    replies.unref();
    const fail = (err: Error): void => {
      if (this.#closed) return;
      this.#failAll(new GroupCompressWorkerError(err.message, { cause: err }));
      void this.close();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    // Kept alive until it is ready: a job may be waiting for it.
    this.#slots.push(slot);
    return slot;
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#queue.length = 0;
  }
}
