// Run by job-gate.test.ts in a child process: a worker starts a job of about
// 300 ms, and this process exits as soon as it hears so (`process.exit`, or
// its event loop ending, per argv[3]). The exit waits for the job (core's
// JobGate), so the worker gets to write "left" to argv[2]; without the
// wait, Node would end the worker in the middle of its job.
import { Worker } from 'node:worker_threads';
import { JobGate } from '@versionedfiles/core';

const [, , out, how] = process.argv;
const gate = new JobGate();
const source = `
  const { workerData, parentPort } = require('node:worker_threads');
  const { appendFileSync } = require('node:fs');
  import('@versionedfiles/core').then(({ enterJob, gateWords, leaveJob }) => {
    const words = gateWords(workerData.gate);
    if (!enterJob(words)) return;
    parentPort.postMessage('in');
    const until = Date.now() + 300;
    while (Date.now() < until);
    appendFileSync(workerData.out, 'left');
    leaveJob(words);
    setInterval(() => {}, 1000);
  });
`;
const worker = new Worker(source, { eval: true, workerData: { gate: gate.shared, out } });
worker.on('message', () => {
  worker.unref();
  if (how === 'exit') process.exit(0);
});
