// Fuzzing the pack parsers on what Breezy wrote (test-fixtures/pack): the
// container, GraphIndex and BTreeGraphIndex files (including multi-page,
// zlib-compressed B+Trees), mutated and read in full: lookups that bisect the
// damaged file, a full scan and validate(). See test-fixtures/support/fuzz.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { describe } from 'vitest';
import { BTreeGraphIndex, BytesRangeReader, GraphIndex, parseContainer } from '@versionedfiles/pack';
import type { GraphIndexReader } from '@versionedfiles/pack';
import { fuzzTests, onlyFile, single, type FuzzTarget } from '../../../../test-fixtures/support/fuzz.js';

const DIR = new URL('../../../../test-fixtures/pack/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));
const named = (suffix: string) => readdirSync(DIR).filter((f) => f.endsWith(suffix)).map((f) => single(f, fixture(f)));

async function readIndex(index: GraphIndexReader): Promise<void> {
  const keys: (readonly string[])[] = [];
  for await (const entry of index.iterAllEntries()) keys.push(entry.key);
  // Lookups of present and absent keys bisect through the (damaged) file.
  const probes = [...keys.slice(0, 3), ...keys.slice(-2), keys[0]?.map((e) => `${e}~`) ?? []].filter((k) => k.length > 0);
  for await (const _ of index.iterEntries(probes)) {
    /* drain */
  }
  await index.keyCount();
  await index.validate();
}

export const PACK_TARGETS: readonly FuzzTarget[] = [
  { name: 'pack-container', seeds: [single('container.pack', fixture('container.pack'))], run: (files) => parseContainer(onlyFile(files)) },
  { name: 'pack-graph-index', seeds: named('.gix'), run: (files) => readIndex(new GraphIndex(new BytesRangeReader(onlyFile(files), 'fuzz.gix'))) },
  { name: 'pack-btree-index', seeds: named('.bix'), run: (files) => readIndex(new BTreeGraphIndex(new BytesRangeReader(onlyFile(files), 'fuzz.bix'))) },
];

describe('pack parsers under mutation', () => {
  fuzzTests(PACK_TARGETS, 150);
});
