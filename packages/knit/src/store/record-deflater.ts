// Compressing knit records on a worker thread while this one goes on.
//
// Deflating each record is about a third of a knit insert's time on the
// calling thread (npm-large: 2.4 s of 7 s), and nothing but the record's own
// size waits for it: the next version of the same file, usually a dozen
// texts later. So a store hands each record's text to one worker and reads
// the gzip member back when it needs it (see write-behind.ts).
//
// The text goes through a ring in a SharedArrayBuffer the worker reads in
// place (one copy, no message of megabytes, no buffer detached here), and the
// member comes back moved. Replies come in the order records were sent (one
// worker, one queue), and are read synchronously: `take` polls the reply
// port, `wait` sleeps on a shared counter the worker bumps after each reply
// (`Atomics.wait`), so an `addLines` never has to give the event loop a turn.
//
// The worker does what `gzipChunks` does here, with the same codec (core's
// `fastZlib` or `compatZlib`, named to it), so its bytes are the bytes this
// thread would have made. If it fails, dies or stops answering, the deflater
// is done: the records it held are deflated here from the ring, and later
// ones are refused (`submit` gives null and the caller deflates). Nothing is
// lost either way. The worker starts once `startAfterBytes` of records have
// been offered (a few small inserts never pay for a thread), takes records
// once it has loaded, and never keeps the process alive (`unref`) but
// while it is being ended: it is asked to leave between jobs by shutting
// its gate (core's `JobGate`), never terminated inside zlib (core's
// `endWorker`); the same gate, shut at process exit, has a process that
// never closed the deflater wait for the record the worker is on.
//
// Entry points: `RecordDeflater` (`forCodec`, `submit`, `take`, `wait`,
// `takeBack`, `start`, `close`), `DeflateReply`.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { compatZlib, endWorker, fastZlib, gzipChunks, startGatedWorker } from '@versionedfiles/core';
import type { JobGate } from '@versionedfiles/core';
import type { ZlibCodec } from '@versionedfiles/core';

export type DeflaterCodecName = 'fast' | 'compat';

/** What the worker is started with. */
export interface DeflateWorkerData {
  readonly codec: DeflaterCodecName;
  readonly ring: SharedArrayBuffer;
  /** Int32s: see `CONTROL`. */
  readonly control: SharedArrayBuffer;
  readonly replies: MessagePort;
  /** Its `JobGate`: once shut (by `close`, or as the process exits) it deflates nothing more and leaves. */
  readonly gate: SharedArrayBuffer;
}

/**
 * The shared control words (Int32): messages the worker has posted, jobs
 * posted to it, whether it sleeps waiting for one (only then is it woken: a
 * wake is a system call), the jobs it has gone past (made or skipped), then
 * one slot per job in flight (`JOB_SLOTS`, by id): its text's start and
 * length in the ring, and who has it (`JOB`). Jobs go through these slots
 * rather than messages, which cost the calling thread about 35 µs each.
 */
export const CONTROL = { replies: 0, jobs: 1, sleeping: 2, passed: 3, slots: 4 } as const;
export const JOB_SLOTS = 1024;
export const SLOT_WORDS = 3;
export const CONTROL_WORDS = CONTROL.slots + SLOT_WORDS * JOB_SLOTS;
/**
 * A job's third slot word: posted, then either started by the worker or
 * taken back by the calling thread, whichever swaps it first (so a record is
 * deflated once, by one of them; a job taken back gets no reply).
 */
export const JOB = { posted: 0, started: 1, takenBack: 2 } as const;

/** The first control word of job `id`'s slot. */
export function slotOf(id: number): number {
  return CONTROL.slots + SLOT_WORDS * (id % JOB_SLOTS);
}

/** What the worker posts: ready once, then one reply per job, in order. */
export type DeflateWorkerMessage = 'ready' | { readonly id: number; readonly member: Uint8Array } | { readonly id: number; readonly error: string };

/** A record's gzip member, for the id `submit` gave. */
export interface DeflateReply {
  readonly id: number;
  readonly member: Uint8Array;
}

export interface RecordDeflaterOptions {
  /** Bytes of the ring the texts in flight share (default 16 MiB); a text over a quarter of it is refused. */
  readonly ringBytes?: number;
  /** Start the worker once this many bytes of records have been offered (default 1 MiB). */
  readonly startAfterBytes?: number;
  /** A worker silent this long while records wait is taken for dead (default 20 s). */
  readonly stallMs?: number;
}

interface InFlight {
  readonly id: number;
  readonly start: number;
  readonly end: number;
}

const READY = 'ready';

export class RecordDeflater {
  readonly #codecName: DeflaterCodecName;
  readonly #codec: ZlibCodec;
  readonly #ring: SharedArrayBuffer;
  readonly #ringBytes: Uint8Array;
  readonly #control: Int32Array;
  readonly #startAfter: number;
  readonly #stallMs: number;
  /** Texts sent and not answered, oldest first: their ring spans. */
  readonly #inFlight: InFlight[] = [];
  #worker: Worker | null = null;
  /** The worker's gate: shut to have it leave between jobs. */
  #gate: JobGate | null = null;
  #replies: MessagePort | null = null;
  #ready = false;
  /** Replies read so far (the worker's counter runs ahead of it while replies wait on the port). */
  #seen = 0;
  #offered = 0;
  #nextId = 0;
  #answered = 0;
  /** Failed, stalled or closed: no more jobs. */
  #done = false;
  /** Replies made here for jobs the worker held when it was given up. */
  readonly #madeHere: DeflateReply[] = [];
  /** The worker's end, once it was asked to stop. */
  #ending: Promise<void> = Promise.resolve();

  private constructor(codecName: DeflaterCodecName, codec: ZlibCodec, options: RecordDeflaterOptions) {
    this.#codecName = codecName;
    this.#codec = codec;
    this.#ring = new SharedArrayBuffer(options.ringBytes ?? 16 * 1024 * 1024);
    this.#ringBytes = new Uint8Array(this.#ring);
    this.#control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
    this.#startAfter = options.startAfterBytes ?? 1024 * 1024;
    this.#stallMs = options.stallMs ?? 20_000;
  }

  /** A deflater for one of core's codecs; null for any other (a worker cannot be sent a codec). */
  static forCodec(codec: ZlibCodec, options: RecordDeflaterOptions = {}): RecordDeflater | null {
    if (codec === fastZlib) return new RecordDeflater('fast', codec, options);
    if (codec === compatZlib) return new RecordDeflater('compat', codec, options);
    return null;
  }

  /** The largest text the worker takes (a quarter of the ring): a larger one is refused. */
  get largestText(): number {
    return this.#ringBytes.length / 4;
  }

  /** Records sent and not yet answered. */
  get pending(): number {
    return this.#inFlight.length;
  }

  /** Members the worker has made (not counting those made here after it was given up). */
  get answered(): number {
    return this.#answered;
  }

  /** Whether the worker has loaded and takes records. */
  get loaded(): boolean {
    if (!this.#ready && !this.#done) this.#poll();
    return this.#ready && !this.#done;
  }

  /** Starts the worker now rather than after `startAfterBytes`. */
  start(): void {
    if (this.#worker === null && !this.#done) this.#spawn();
  }

  /**
   * Sends the record made of `chunks` (`size` bytes in all) to the worker:
   * its id, or null when the worker cannot take it now (not loaded yet,
   * given up, ring full, text too big), and the caller deflates it itself.
   */
  submit(chunks: readonly Uint8Array[], size: number): number | null {
    if (this.#done) return null;
    this.#offered += size;
    if (this.#worker === null) {
      if (this.#offered >= this.#startAfter) this.#spawn();
      return null;
    }
    if (!this.#ready) this.#poll();
    // A text over a quarter of the ring (a bundled file of megabytes) is
    // the caller's: behind it in the worker's queue, every later record
    // would wait, and the next versions of other files with them.
    // A slot is free once the worker has gone past the job that held it (jobs taken back leave the list before).
    if (!this.#ready || size > this.largestText || this.#nextId - Atomics.load(this.#control, CONTROL.passed) >= JOB_SLOTS) return null;
    const start = this.#place(size);
    if (start === null) return null;
    let at = start;
    for (const chunk of chunks) {
      this.#ringBytes.set(chunk, at);
      at += chunk.length;
    }
    const id = this.#nextId++;
    this.#inFlight.push({ id, start, end: start + size });
    const slot = slotOf(id);
    this.#control[slot] = start;
    this.#control[slot + 1] = size;
    this.#control[slot + 2] = JOB.posted;
    Atomics.store(this.#control, CONTROL.jobs, id + 1);
    if (Atomics.load(this.#control, CONTROL.sleeping) === 1) Atomics.notify(this.#control, CONTROL.jobs);
    return id;
  }

  /** The next reply if it has come (in the order records were sent), without waiting. */
  take(): DeflateReply | null {
    const made = this.#madeHere.shift();
    if (made !== undefined) return made;
    if (this.#inFlight.length === 0) return null;
    return this.#poll();
  }

  /**
   * The reply for job `id`, deflated here now if the worker has not started
   * it (it then skips it); null when the worker has it or it was answered,
   * or has less text ahead of it than its own (waiting is then no longer).
   * For a member wanted before the worker would get to it.
   */
  takeBack(id: number): DeflateReply | null {
    if (this.#done) return null;
    const at = this.#inFlight.findIndex((job) => job.id === id);
    const job = this.#inFlight[at];
    if (job === undefined) return null;
    const passed = Atomics.load(this.#control, CONTROL.passed);
    let ahead = 0;
    for (let i = 0; i < at; i++) {
      const before = this.#inFlight[i] as InFlight;
      if (before.id >= passed) ahead += before.end - before.start;
    }
    if (ahead < job.end - job.start) return null;
    if (Atomics.compareExchange(this.#control, slotOf(id) + 2, JOB.posted, JOB.takenBack) !== JOB.posted) return null;
    this.#inFlight.splice(at, 1);
    return { id, member: gzipChunks([this.#ringBytes.subarray(job.start, job.end)], this.#codec) };
  }

  /** The next reply, waiting for it; null when nothing is in flight. */
  wait(): DeflateReply | null {
    const ready = this.take();
    if (ready !== null || this.#inFlight.length === 0) return ready;
    let waited = 0;
    for (;;) {
      const seen = this.#seen;
      const reply = this.#poll();
      if (reply !== null) return reply;
      if (this.#done) return this.take();
      // The worker bumps the counter after posting, so a reply is on the port by then.
      const slept = Date.now();
      if (Atomics.wait(this.#control, CONTROL.replies, seen, 100) === 'timed-out') {
        waited += Date.now() - slept;
        if (waited >= this.#stallMs) {
          this.#giveUp();
          return this.take();
        }
      }
    }
  }

  /** Ends the worker; records still in flight are deflated here (`take` gives them). */
  async close(): Promise<void> {
    this.#giveUp();
    await this.#ending;
  }

  /** Where `size` bytes fit in the ring after the texts in flight, or null. */
  #place(size: number): number | null {
    const first = this.#inFlight[0];
    const last = this.#inFlight[this.#inFlight.length - 1];
    if (first === undefined || last === undefined) return 0;
    const capacity = this.#ringBytes.length;
    if (last.start >= first.start) {
      // Not wrapped: room after the newest, else at the front before the oldest.
      if (last.end + size <= capacity) return last.end;
      return size <= first.start ? 0 : null;
    }
    return last.end + size <= first.start ? last.end : null;
  }

  /** Reads one message from the worker: a reply, or null (the ready note is noted). */
  #poll(): DeflateReply | null {
    const port = this.#replies;
    if (port === null) return null;
    for (;;) {
      const received = receiveMessageOnPort(port);
      if (received === undefined) return null;
      this.#seen++;
      const message = received.message as DeflateWorkerMessage;
      if (message === READY) {
        this.#ready = true;
        continue;
      }
      const job = this.#inFlight[0];
      if (job === undefined || job.id !== message.id || 'error' in message) {
        // Out of order or failed: this thread deflates what the worker held.
        this.#giveUp();
        return this.take();
      }
      this.#inFlight.shift();
      this.#answered++;
      return { id: job.id, member: message.member };
    }
  }

  /** Stops using the worker: the records it held are deflated here, in order. */
  #giveUp(): void {
    if (this.#done) return;
    this.#done = true;
    for (const job of this.#inFlight.splice(0)) {
      this.#madeHere.push({ id: job.id, member: gzipChunks([this.#ringBytes.slice(job.start, job.end)], this.#codec) });
    }
    this.#replies?.close();
    this.#replies = null;
    const worker = this.#worker;
    const gate = this.#gate;
    if (worker === null || gate === null) return;
    // Asked, not terminated: it may be deflating (see endWorker).
    this.#ending = endWorker(worker, () => {
      gate.shut(0);
      Atomics.notify(this.#control, CONTROL.jobs);
    });
  }

  #spawn(): void {
    const { port1, port2 } = new MessageChannel();
    const control = this.#control.buffer as SharedArrayBuffer;
    let started: { readonly worker: Worker; readonly gate: JobGate };
    try {
      started = startGatedWorker((gate) => {
        const workerData: DeflateWorkerData = { codec: this.#codecName, ring: this.#ring, control, replies: port2, gate };
        return new Worker(workerScript(), { workerData, transferList: [port2] });
      });
    } catch {
      this.#done = true;
      return;
    }
    const { worker, gate } = started;
    // Replies are read with receiveMessageOnPort; neither keeps the process alive.
    worker.unref();
    port1.unref();
    worker.on('error', () => this.#giveUp());
    worker.on('exit', () => this.#giveUp());
    this.#worker = worker;
    this.#gate = gate;
    this.#replies = port1;
  }
}

/**
 * The worker script: beside this module's directory in the built package;
 * from the TypeScript source (tests), the built one, so build first.
 */
function workerScript(): URL {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/worker/deflate-worker.js', here) : new URL('../worker/deflate-worker.js', here);
  if (!existsSync(fileURLToPath(url))) throw new Error(`worker script ${fileURLToPath(url)} is missing (build the package)`);
  return url;
}
