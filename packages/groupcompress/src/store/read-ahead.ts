// Reading a record stream's blocks ahead of the texts being extracted.
//
// A stream reads its blocks in batches. Inflating a block is most of a
// read's cost after applying its deltas, and done here it left this thread
// waiting (a 57 MB block took about 150 ms). So while this thread extracts
// the texts of one batch, the batches after it are read and their blocks
// inflated on libuv's thread pool. That work is bounded by the compressed
// bytes of the batches started past the one at hand (`aheadBytes`, at least
// one batch), which bounds what is held ahead: those bytes and their content.
//
// A read completes on the event loop, and only then can its blocks start
// inflating. A consumer that takes records without awaiting anything real
// would hold that back until the next batch, so `reading` says when the
// stream should let the event loop run between records. A batch whose read
// completes after it was taken is prepared knowing its reader waits
// (`prepare`'s `wanted`), so the reader can do that work itself rather than
// queue it behind the thread pool's.
//
// A batch can also be started at once, out of turn (`startEarly`): a stream
// starts its largest block first, so it inflates while the other blocks'
// texts are extracted.
//
// Entry point: `ReadAhead`.

/** One batch: its bytes to read, and what reading it costs (compressed bytes). */
export interface ReadAheadBatch {
  readonly bytes: number;
}

export interface ReadAheadSteps<B extends ReadAheadBatch, R> {
  /** Reads a batch. */
  readonly read: (batch: B) => Promise<R>;
  /**
   * Work done after the read and before the batch is taken (inflating on the
   * thread pool). `wanted`: the batch was taken already, its reader waits.
   */
  readonly prepare: (read: R, batch: B, wanted: boolean) => Promise<void>;
}

export class ReadAhead<B extends ReadAheadBatch, R> {
  readonly #batches: readonly B[];
  readonly #steps: ReadAheadSteps<B, R>;
  readonly #aheadBytes: number;
  /** Batches started and not yet taken. */
  readonly #started = new Map<number, Promise<R>>();
  /** Every batch started so far, taken or not. */
  readonly #begun = new Set<number>();
  #reads = 0;
  /** The batch last taken (its reader waits for it until it is ready). */
  #taken = -1;

  constructor(batches: readonly B[], steps: ReadAheadSteps<B, R>, aheadBytes: number) {
    this.#batches = batches;
    this.#steps = steps;
    this.#aheadBytes = aheadBytes;
  }

  /** True while a read is under way (its blocks cannot start inflating until the event loop runs). */
  get reading(): boolean {
    return this.#reads > 0;
  }

  /**
   * Batch `n` once read and prepared; batches are taken in order, from 0.
   * Starts the batches after it that fit the budget.
   */
  take(n: number): Promise<R> {
    this.#taken = n;
    this.#start(n);
    let bytes = 0;
    for (let next = n + 1; next < this.#batches.length; next++) {
      bytes += (this.#batches[next] as B).bytes;
      if (next > n + 1 && bytes > this.#aheadBytes) break;
      this.#start(next);
    }
    const taken = this.#started.get(n) as Promise<R>;
    this.#started.delete(n);
    return taken;
  }

  /** Starts batch `n` now, ahead of its turn and outside the budget (it is taken in order still). */
  startEarly(n: number): void {
    this.#start(n);
  }

  #start(n: number): void {
    if (this.#begun.has(n) || n >= this.#batches.length) return;
    this.#begun.add(n);
    const batch = this.#batches[n] as B;
    const run = async (): Promise<R> => {
      this.#reads++;
      let read: R;
      try {
        read = await this.#steps.read(batch);
      } finally {
        this.#reads--;
      }
      await this.#steps.prepare(read, batch, this.#taken === n);
      return read;
    };
    const promise = run();
    // A stream left before this batch is taken must not leave its failure unhandled.
    promise.catch(() => undefined);
    this.#started.set(n, promise);
  }
}
