// endWorker asks a worker to leave and terminates it only when it does not
// (core's worker-end.ts: terminating a worker inside node:zlib can abort the
// whole process on Node 20).
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { endWorker } from '../src/index.js';

/** A worker that leaves when sent 'stop' (or never, with `deaf`). */
function worker(deaf = false): Worker {
  const source = deaf
    ? "const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => {}); setInterval(() => {}, 1000);"
    : "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => { if (m === 'stop') parentPort.close(); });";
  return new Worker(source, { eval: true });
}

function exitCode(w: Worker): Promise<number> {
  return new Promise((resolve) => w.once('exit', resolve));
}

describe('endWorker', () => {
  it('asks the worker to stop and lets it leave on its own (exit code 0, not terminated)', async () => {
    const w = worker();
    w.unref();
    const code = exitCode(w);
    let asked = 0;
    await endWorker(w, () => {
      asked++;
      w.postMessage('stop');
    });
    expect(asked).toBe(1);
    expect(await code).toBe(0);
    expect(w.threadId).toBe(-1);
  });

  it('terminates a worker that does not leave within the grace period', async () => {
    const w = worker(true);
    const code = exitCode(w);
    const started = performance.now();
    await endWorker(w, () => w.postMessage('stop'), 150);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    // A terminated worker exits with code 1.
    expect(await code).toBe(1);
  });

  it('does nothing for a worker already gone', async () => {
    const w = worker();
    const code = exitCode(w);
    w.postMessage('stop');
    await code;
    let asked = false;
    await endWorker(w, () => {
      asked = true;
    });
    expect(asked).toBe(false);
  });
});
