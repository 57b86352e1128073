// Fuzzing the groupcompress parsers: blocks and copy/insert deltas Breezy made
// (test-fixtures/groupcompress/deltas.jsonl), and groupcompress-block wire
// records our store sends (which Breezy reads), mutated and read in full.
// See test-fixtures/support/fuzz.ts.
import { describe } from 'vitest';
import { MemoryTransport, concatBytes, NetworkRecordStream, collect, networkBytesOf, utf8, type Key } from '@versionedfiles/core';
import { GroupCompressBlock, applyDelta, blockRecords, extractRecord, makePackFactory, parseBlock } from '@versionedfiles/groupcompress';
import { fuzzTests, onlyFile, single, type FuzzTarget } from '../../../../test-fixtures/support/fuzz.js';
import { loadDeltaCases } from '../support.js';

const { pairs, groups } = loadDeltaCases('deltas.jsonl');

function readBlock(bytes: Uint8Array): void {
  const block = parseBlock(bytes);
  const content = block.content();
  for (const r of blockRecords(content)) extractRecord(content, r.start, r.end);
}

async function wireSeeds(): Promise<Uint8Array[]> {
  const vf = makePackFactory(true, true, 1)(new MemoryTransport());
  const keys: Key[] = [];
  for (let i = 0; i < 6; i++) {
    const key = [`rev-${i}`];
    await vf.addLines(key, i === 0 ? [] : [[`rev-${i - 1}`]], Array.from({ length: 20 + i }, (_, n) => utf8(`line ${n} of text ${n % (i + 2)}\n`)));
    keys.push(key);
  }
  await vf.flush();
  return collect(networkBytesOf(vf.getRecordStream(keys, 'groupcompress', false)));
}

async function readWire(bytes: Uint8Array): Promise<void> {
  for await (const record of new NetworkRecordStream([bytes])) if (record.storageKind !== 'absent') record.getBytesAs('fulltext');
}

export const GROUPCOMPRESS_TARGETS: readonly FuzzTarget[] = [
  { name: 'groupcompress-block', seeds: groups.map((g) => single('block', g.block)), run: (files) => readBlock(onlyFile(files)) },
  {
    // Structure-aware: the block's uncompressed content, mutated, then recompressed and read.
    name: 'groupcompress-block-content',
    seeds: groups.map((g) => single('content', g.content)),
    run: (files) => readBlock(concatBytes(GroupCompressBlock.fromContent(onlyFile(files)).toChunks())),
  },
  {
    name: 'groupcompress-delta',
    seeds: pairs.flatMap((p) => (p.delta === null ? [] : [new Map([['source', p.source], ['delta', p.delta]])])),
    mutable: ['delta'],
    run: (files) => applyDelta(files.get('source') as Uint8Array, files.get('delta') as Uint8Array),
  },
  { name: 'groupcompress-wire', seeds: (await wireSeeds()).map((w) => single('wire', w)), run: (files) => readWire(onlyFile(files)) },
];

describe('groupcompress parsers under mutation', () => fuzzTests(GROUPCOMPRESS_TARGETS, 150));
