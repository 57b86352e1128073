// Fuzzing the byte-stream reader (pack container framing, substreams, the
// network record kinds inside) on the byte streams Breezy wrote
// (test-fixtures/sync), every record read to its full text.
// See test-fixtures/support/fuzz.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { describe } from 'vitest';
import { MemoryVersionedFiles, collect } from '@versionedfiles/core';
import { ByteStreamReader } from '@versionedfiles/sync';
import { fuzzTests, onlyFile, readWholeStore, single, type FuzzTarget } from '../../../../test-fixtures/support/fuzz.js';

const DIR = new URL('../../../../test-fixtures/sync/', import.meta.url);
const seeds = readdirSync(DIR)
  .filter((f) => f.endsWith('.bytestream'))
  .map((f) => single('stream', new Uint8Array(readFileSync(new URL(f, DIR)))));

async function readStream(bytes: Uint8Array): Promise<void> {
  // 100-byte pieces, so every record crosses chunk boundaries; a small record limit.
  const pieces = Array.from({ length: Math.ceil(bytes.length / 100) }, (_, i) => bytes.subarray(i * 100, i * 100 + 100));
  const reader = new ByteStreamReader(pieces, { maxRecordBytes: 1 << 20 });
  await reader.open();
  for await (const [, records] of reader.substreams()) {
    // Inserted as the receiving side would, then every text extracted (delta records need their basis).
    const list = await collect(records);
    const store = new MemoryVersionedFiles({ keyLength: list[0]?.key.length ?? 1, graph: list.every((r) => r.parents !== null) });
    await store.insertRecordStream(list);
    await readWholeStore(store);
  }
}

export const SYNC_TARGETS: readonly FuzzTarget[] = [{ name: 'sync-byte-stream', seeds, run: (files) => readStream(onlyFile(files)) }];

describe('byte streams under mutation', () => {
  fuzzTests(SYNC_TARGETS, 150);
});
