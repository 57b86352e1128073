// Keeping worker threads out of node:zlib while the process exits.
//
// When a process exits (its event loop empty, `process.exit()`, an uncaught
// error), Node terminates its worker threads wherever they are, the same way
// `Worker.terminate()` does, and one stopped inside zlib can abort the whole
// process (see worker-end.ts). `endWorker` covers stores that are closed;
// this covers those that are not: a knit store left unfinished while its
// worker still deflates, a process that calls `process.exit()` during a
// groupcompress insert. Each such worker shares a gate with its owner: it
// marks every job it runs in the gate (`enterJob`, `leaveJob`) and starts
// none once the gate is shut (an owner may shut it too, to have its worker
// leave between jobs: see endWorker). At 'exit' every open gate is shut, and the
// exiting thread waits for the jobs under way to end (synchronously: an
// 'exit' listener cannot await; a job is a record or a group, milliseconds)
// before Node goes on to end the workers.
//
// Entry points: `JobGate` (the owner's side: `shared`, `shut`, `dispose`),
// `startGatedWorker` (a worker and its gate, disposed when it exits),
// `enterJob`, `leaveJob` and `gateShut` (the worker's side, over
// `gateWords(shared)`).

/** The gate's Int32 words: whether it is shut, whether a job is under way. */
const SHUT = 0;
const BUSY = 1;

/** How long an exiting process waits, in all, for its workers' jobs to end. */
export const EXIT_WAIT_MS = 5_000;

/** Gates whose worker may still be running. */
const open = new Set<JobGate>();
let listening = false;

function shutAllAtExit(): void {
  const gates = [...open];
  for (const gate of gates) gate.shut(0);
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (const gate of gates) gate.shut(Math.max(0, deadline - Date.now()));
}

export class JobGate {
  /** For the worker: pass it in `workerData` and read it with `gateWords`. */
  readonly shared = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  readonly #words = new Int32Array(this.shared);

  /** A gate that is shut when the process exits, until `dispose`. */
  constructor() {
    open.add(this);
    if (!listening) {
      listening = true;
      process.on('exit', shutAllAtExit);
    }
  }

  /** Whether the gate is shut. */
  get isShut(): boolean {
    return gateShut(this.#words);
  }

  /**
   * Shuts the gate (the worker starts no job after this) and waits up to
   * `waitMs` for a job under way to end. True when none is under way.
   */
  shut(waitMs: number): boolean {
    Atomics.store(this.#words, SHUT, 1);
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (Atomics.load(this.#words, BUSY) === 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.#words, BUSY, 1, left);
    }
  }

  /** The worker is gone: nothing to guard at exit. */
  dispose(): void {
    open.delete(this);
  }
}

/**
 * Starts a worker with a gate of its own: `start` makes the worker, given the
 * gate's `shared` words for its `workerData`. The gate is disposed when the
 * worker exits, or at once if `start` throws (the error is rethrown).
 */
export function startGatedWorker<W extends { on(event: 'exit', listener: () => void): unknown }>(
  start: (gate: SharedArrayBuffer) => W,
): { readonly worker: W; readonly gate: JobGate } {
  const gate = new JobGate();
  let worker: W;
  try {
    worker = start(gate.shared);
  } catch (err) {
    gate.dispose();
    throw err;
  }
  worker.on('exit', () => gate.dispose());
  return { worker, gate };
}

/** The worker's view of a gate's words. */
export function gateWords(shared: SharedArrayBuffer): Int32Array {
  return new Int32Array(shared);
}

/** Whether the gate is shut (the worker is to start nothing more). */
export function gateShut(words: Int32Array): boolean {
  return Atomics.load(words, SHUT) !== 0;
}

/**
 * Marks a job under way; false (nothing marked) when the gate is shut, and
 * the worker must then start nothing more. Each true is followed by `leaveJob`.
 */
export function enterJob(words: Int32Array): boolean {
  // Marked before the look at SHUT, as `shut` stores SHUT before its look at
  // BUSY: of the two threads, at least one sees the other's word.
  Atomics.store(words, BUSY, 1);
  if (!gateShut(words)) return true;
  leaveJob(words);
  return false;
}

/** Marks the job done, waking an exiting thread that waits for it. */
export function leaveJob(words: Int32Array): void {
  Atomics.store(words, BUSY, 0);
  Atomics.notify(words, BUSY);
}
