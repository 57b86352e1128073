// Ending a worker thread that may be inside node:zlib.
//
// `Worker.terminate()` stops a worker's JavaScript wherever it is. Stopped
// after making a zlib handle but before initializing it, Node 20 aborts the
// whole process while it cleans the thread up ("close before init", in
// node_zlib.cc): closing a store whose worker was still deflating killed
// the process that closed it. So a worker is first asked to stop (`ask`: it
// finishes the job it is on and leaves at a safe point), and terminated only
// if it has not gone after `graceMs` (a worker stuck elsewhere). The worker
// is referenced meanwhile: a process whose last act is to await this must
// not exit first, since a process exiting ends its workers the same way
// (for a worker whose owner never ends it, see job-gate.ts).
//
// Entry point: `endWorker(worker, ask, graceMs)`.

/** What `endWorker` needs of a `node:worker_threads` Worker. */
export interface EndableWorker {
  /** -1 once the thread has exited. */
  readonly threadId: number;
  once(event: 'exit', listener: () => void): unknown;
  ref(): void;
  terminate(): Promise<number>;
}

/** Asks `worker` to stop, waits for it to exit, and terminates it only past `graceMs`. */
export async function endWorker(worker: EndableWorker, ask: () => void, graceMs = 10_000): Promise<void> {
  if (worker.threadId < 0) return;
  const exited = new Promise<'exited'>((resolve) => worker.once('exit', () => resolve('exited')));
  worker.ref();
  ask();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') await worker.terminate();
}
