// The worker thread of `GroupCompressPool`: says it is ready once loaded,
// then compresses the groups it is sent, one at a time, and moves each block
// back on the reply port it was started with (`workerData.replies`), until
// it is sent `WORKER_STOP`. Any error goes back as a message (the pool turns
// it into `GroupCompressWorkerError`). Each group is a job of its `JobGate`
// (core), so a process exiting waits for it, and once the process is
// exiting it starts no more.

import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { enterJob, gateWords, leaveJob } from '@versionedfiles/core';
import { DeltaIndex } from '../format/delta-index.js';
import { WORKER_READY, WORKER_STOP, runJobInThread } from '../store/parallel-compress.js';
import type { GroupJob, WorkerReply } from '../store/parallel-compress.js';

const port = parentPort;
if (port === null) throw new Error('compress-worker runs as a worker thread');
const { replies, gate: gateBuffer } = workerData as { replies: MessagePort; gate: SharedArrayBuffer };
const gate = gateWords(gateBuffer);

/** The delta index every group is compressed in (its arrays reused), for jobs of its `maxBytesToIndex`. */
let index: DeltaIndex | null = null;

port.on('message', (message: { id: number; job: GroupJob } | typeof WORKER_STOP) => {
  // Asked to stop: it leaves between jobs (never terminated inside zlib: see core's endWorker).
  if (message === WORKER_STOP) {
    port.close();
    replies.close();
    return;
  }
  // The process is exiting (core's JobGate): Node is about to end this thread, so start nothing.
  if (!enterJob(gate)) return;
  const { id, job } = message;
  let reply: WorkerReply;
  let moved: ArrayBuffer[] = [];
  try {
    if (index?.maxBytesToIndex !== job.maxBytesToIndex) {
      index?.release();
      index = new DeltaIndex({ maxBytesToIndex: job.maxBytesToIndex });
    }
    const group = runJobInThread(job, index);
    reply = { id, block: group.block, ranges: group.ranges };
    moved = movable([group.ranges, ...group.block]);
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  } finally {
    leaveJob(gate);
  }
  replies.postMessage(reply, moved);
});

// Loaded: the pool sends jobs from now on.
replies.postMessage(WORKER_READY);

/**
 * The buffers to move rather than copy: those a view spans whole (a small
 * chunk may sit in a shared pool, which must stay here), each once.
 */
function movable(views: readonly ArrayBufferView[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of views) {
    if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
  }
  return [...out];
}
