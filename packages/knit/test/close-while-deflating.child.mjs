// Run by write-behind.test.ts in a child process (an abort there fails the
// test, not the test run): 120 deflaters, each closed a few milliseconds
// into two hundred small records. Prints "lived" if the process survives.
import { RecordDeflater } from '@versionedfiles/knit';
import { fastZlib } from '@versionedfiles/core';

const text = new Uint8Array(2000).fill(97);
for (let round = 0; round < 120; round++) {
  const deflater = RecordDeflater.forCodec(fastZlib, { startAfterBytes: 0 });
  deflater.start();
  for (let tries = 0; !deflater.loaded && tries < 5000; tries++) await new Promise((resolve) => setTimeout(resolve, 1));
  if (!deflater.loaded) throw new Error('the worker did not load');
  for (let i = 0; i < 200; i++) deflater.submit([text], text.length);
  const until = Date.now() + (round % 4);
  while (Date.now() < until);
  await deflater.close();
}
console.log('lived');
