// Run by write-behind.test.ts in child processes: four deflaters, each given
// a thousand tiny records (so their workers make zlib handles all the time),
// and the process exits a moment later, never closing them: by
// `process.exit` (argv[2] "exit") or by its event loop ending. Before core's
// JobGate, Node ended the workers wherever they were, and about one process
// in ten aborted ("close before init", node_zlib.cc).
import { RecordDeflater } from '@versionedfiles/knit';
import { fastZlib } from '@versionedfiles/core';

const text = new Uint8Array(10).fill(97);
const deflaters = [];
for (let i = 0; i < 4; i++) {
  const deflater = RecordDeflater.forCodec(fastZlib, { startAfterBytes: 0 });
  deflater.start();
  deflaters.push(deflater);
}
for (const deflater of deflaters) {
  for (let tries = 0; !deflater.loaded && tries < 5000; tries++) await new Promise((resolve) => setTimeout(resolve, 1));
  if (!deflater.loaded) throw new Error('the worker did not load');
}
for (const deflater of deflaters) for (let i = 0; i < 1000; i++) deflater.submit([text], text.length);
const until = Date.now() + Math.random() * 2;
while (Date.now() < until);
if (process.argv[2] === 'exit') process.exit(0);
