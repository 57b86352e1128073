// Quickstart: the VersionedFiles API on the in-memory backend.
//
// Run it with `npm run demo` (builds, then runs this file). It stores a small
// history of one file, reads it back, annotates a merge, and stacks a second
// store on the first through a fallback chain, printing what it does.

import { MemoryVersionedFiles, RevisionAlreadyPresent, fromUtf8, utf8 } from '@versionedfiles/core';

const lines = (...texts) => texts.map((t) => utf8(t));
const show = (key) => `(${key.join(', ')})`;
const textOf = (record) => JSON.stringify(fromUtf8(record.getBytesAs('fulltext')));

// Keys are (file id, revision id), as Breezy's text stores use them.
const base = new MemoryVersionedFiles({ keyLength: 2 });
const k = (rev) => ['hello.txt', rev];

console.log('== add: four versions, two branches and a merge');
for (const [rev, parents, body] of [
  ['rev-1', [], ['Hello\n', 'world\n']],
  ['rev-2', ['rev-1'], ['Hello\n', 'brave new world\n']],
  ['rev-3', ['rev-1'], ['Hi there\n', 'world\n']],
  ['rev-4', ['rev-2', 'rev-3'], ['Hi there\n', 'brave new world\n', 'the end']],
]) {
  const { key, sha1, size } = await base.addLines(k(rev), parents.map(k), lines(...body));
  console.log(`added ${show(key)}: ${size} bytes, sha1 ${sha1}`);
}
try {
  await base.addLines(k('rev-1'), [], lines('again\n'));
} catch (err) {
  if (!(err instanceof RevisionAlreadyPresent)) throw err;
  console.log(`adding ${show(k('rev-1'))} twice: ${err.code} (the store is unchanged)`);
}

console.log('\n== read back, parents first');
for await (const record of base.getRecordStream(await base.keys(), 'topological', true)) {
  console.log(`${show(record.key)} parents [${record.parents.map(show).join(' ')}]: ${textOf(record)}`);
}

console.log('\n== annotate rev-4: the version that introduced each line');
for (const [origin, line] of await base.annotate(k('rev-4'))) {
  console.log(`${origin[1].padEnd(6)} | ${JSON.stringify(fromUtf8(line))}`);
}

console.log('\n== a fallback chain: a new store stacked on the first');
const stacked = new MemoryVersionedFiles({ keyLength: 2 });
stacked.addFallbackVersionedFiles(base);
await stacked.addLines(k('rev-5'), [k('rev-4')], lines('Hi there\n', 'brave new world\n', 'the end\n'));
const found = await stacked.getParentMap([k('rev-1'), k('rev-5')]);
console.log(`stacked store sees ${[...found.keys()].map(show).join(' and ')} (rev-1 from its fallback)`);
const own = await stacked.withoutFallbacks().getParentMap([k('rev-1'), k('rev-5')]);
console.log(`on its own it holds only ${[...own.keys()].map(show).join(' ')}`);
for await (const record of stacked.getRecordStream([k('rev-1'), k('rev-9')], 'unordered', true)) {
  console.log(`${show(record.key)}: ${record.storageKind === 'absent' ? 'absent everywhere' : textOf(record)}`);
}
const annotated = await stacked.annotate(k('rev-5'));
console.log(`annotating rev-5 across the chain: ${annotated.map(([origin]) => origin[1]).join(', ')}`);
