// JobGate keeps a worker's job from being cut short when the process exits
// (core's job-gate.ts: Node ends workers at exit wherever they are, and one
// ended inside node:zlib can abort the whole process on Node 20).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { JobGate, enterJob, gateWords, leaveJob } from '../src/index.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describe('JobGate', () => {
  it('lets jobs in until it is shut, and then none', () => {
    const gate = new JobGate();
    const words = gateWords(gate.shared);
    expect(gate.isShut).toBe(false);
    expect(enterJob(words)).toBe(true);
    // A job under way: shutting waits for it, and gives up past the wait.
    expect(gate.shut(20)).toBe(false);
    expect(gate.isShut).toBe(true);
    leaveJob(words);
    expect(gate.shut(0)).toBe(true);
    expect(enterJob(words)).toBe(false);
    // A refused job leaves nothing marked.
    expect(gate.shut(0)).toBe(true);
    gate.dispose();
  });

  it("waits for a worker's job under way to end", async () => {
    const gate = new JobGate();
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      import('@versionedfiles/core').then(({ enterJob, gateWords, leaveJob }) => {
        const words = gateWords(workerData);
        enterJob(words);
        parentPort.postMessage('in');
        const until = Date.now() + 200;
        while (Date.now() < until);
        leaveJob(words);
        parentPort.postMessage(enterJob(words) ? 'let in again' : 'refused');
        parentPort.close();
      });
    `;
    const worker = new Worker(source, { eval: true, workerData: gate.shared });
    const messages: string[] = [];
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    await new Promise<void>((resolve) =>
      worker.on('message', (m: string) => {
        messages.push(m);
        resolve();
      }),
    );
    const started = performance.now();
    expect(gate.shut(5_000)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(await exited).toBe(0);
    expect(messages).toEqual(['in', 'refused']);
    gate.dispose();
  });

  for (const how of ['exit', 'natural'] as const) {
    it(`an exiting process (${how === 'exit' ? 'process.exit' : 'its event loop done'}) waits for the job its worker is on`, () => {
      const out = join(mkdtempSync(join(tmpdir(), 'job-gate-')), 'out');
      const child = spawnSync(process.execPath, [fileURLToPath(new URL('./job-gate.child.mjs', import.meta.url)), out, how], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      expect(existsSync(out) && readFileSync(out, 'utf8')).toBe('left');
    });
  }
});
