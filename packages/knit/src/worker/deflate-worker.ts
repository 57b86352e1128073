// The worker thread of `RecordDeflater`: says it is ready once loaded, then
// takes jobs from the shared control words in order (sleeping on them while
// there are none; skipping those the calling thread took back), gzips each
// record text it finds in the shared ring, exactly as `gzipChunks` does on
// the calling thread with the same codec, and moves the member back on its
// reply port. After every message it bumps the shared
// reply counter and wakes the calling thread, which may be asleep on it.
// Each deflate is a job of its `JobGate` (core): once the gate is shut (the
// deflater closed, or the process exiting) it takes no more and leaves, and
// a process exiting waits for the one under way.

import { workerData } from 'node:worker_threads';
import { compatZlib, enterJob, fastZlib, gateShut, gateWords, gzipChunks, leaveJob } from '@versionedfiles/core';
import { CONTROL, JOB, slotOf } from '../store/record-deflater.js';
import type { DeflateWorkerData, DeflateWorkerMessage } from '../store/record-deflater.js';

const { codec, ring, control: controlBuffer, replies, gate: gateBuffer } = workerData as DeflateWorkerData;
const zlib = codec === 'compat' ? compatZlib : fastZlib;
const texts = new Uint8Array(ring);
const control = new Int32Array(controlBuffer);
const gate = gateWords(gateBuffer);

function send(message: DeflateWorkerMessage, moved: ArrayBuffer[] = []): void {
  replies.postMessage(message, moved);
  Atomics.add(control, CONTROL.replies, 1);
  Atomics.notify(control, CONTROL.replies);
}

function deflate(id: number): void {
  const slot = slotOf(id);
  // The calling thread may have taken the job back to make it itself: then it wants no reply.
  if (Atomics.compareExchange(control, slot + 2, JOB.posted, JOB.started) !== JOB.posted) return;
  const start = control[slot] as number;
  const length = control[slot + 1] as number;
  let member: Uint8Array;
  try {
    member = gzipChunks([texts.subarray(start, start + length)], zlib);
  } catch (err) {
    send({ id, error: err instanceof Error ? err.message : String(err) });
    return;
  }
  // gzipChunks joins header, body and trailer into a buffer of their own: move it.
  const whole = member.byteOffset === 0 && member.byteLength === member.buffer.byteLength && member.buffer instanceof ArrayBuffer;
  send({ id, member }, whole ? [member.buffer as ArrayBuffer] : []);
}

send('ready');
// This thread does nothing else, so it sleeps on the job counter instead of
// an event loop. It says so first, and looks at the counter once more: a job
// posted before that look is seen, one posted after it finds the flag set and
// wakes the thread.
// Its gate shut, it leaves between jobs (it is never terminated inside zlib:
// see core's endWorker); the jobs it leaves were deflated by the caller.
for (let next = 0; !gateShut(gate); ) {
  const posted = Atomics.load(control, CONTROL.jobs);
  if (next < posted) {
    if (!enterJob(gate)) break;
    deflate(next++);
    Atomics.store(control, CONTROL.passed, next);
    leaveJob(gate);
    continue;
  }
  Atomics.store(control, CONTROL.sleeping, 1);
  if (Atomics.load(control, CONTROL.jobs) === posted && !gateShut(gate)) Atomics.wait(control, CONTROL.jobs, posted, 1000);
  Atomics.store(control, CONTROL.sleeping, 0);
}
replies.close();
