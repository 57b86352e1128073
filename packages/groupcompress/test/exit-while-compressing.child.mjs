// Run by write-parallel.test.ts in a child process: a pool's worker is given
// a group that takes it a few hundred milliseconds, and this process exits
// (`process.exit`) while the worker is on it, never closing the pool. Node
// ends a process's workers at exit wherever they are, and one ended inside
// node:zlib can abort the process; core's JobGate holds the exit until the
// job is done. An 'exit' listener added after the pool's prints how long
// that hold was, in milliseconds.
import { writeSync } from 'node:fs';
import { GroupCompressPool } from '@versionedfiles/groupcompress';

const codec = { name: 'fast', level: 9 };
let seed = 7;
const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
function text(bytes) {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = i % 61 === 60 ? 10 : 97 + (random() % 16);
  return out;
}
const pool = new GroupCompressPool(1);
// A first job makes sure the worker has loaded and takes jobs.
await pool.run({ texts: [text(100)], maxBytesToIndex: 0, codec });
const texts = Array.from({ length: 64 }, () => text(256 * 1024));
void pool.run({ texts, maxBytesToIndex: 0, codec }).catch(() => {});
// Long enough for the worker to have taken the job, short of its end.
await new Promise((resolve) => setTimeout(resolve, 100));
let exiting = 0;
process.on('exit', () => writeSync(1, `${Math.round(performance.now() - exiting)}\n`));
exiting = performance.now();
process.exit(0);
