// Byte streams Breezy 3.3.2 wrote (test-fixtures/sync, made by make-fixtures.py):
// we read the same format name, substreams, storage kinds, keys, parents and
// text sha1s as Breezy's own _byte_stream_to_stream, and re-encoding the
// records gives Breezy's bytes back exactly.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { MemoryVersionedFiles, collect, concatBytes, type ContentFactory, type Key } from '@versionedfiles/core';
import { ByteStreamReader, encodeByteStream } from '@versionedfiles/sync';

const dir = new URL('../../../test-fixtures/sync/', import.meta.url);
interface ExpectedRecord {
  readonly key: string[];
  readonly parents: string[][] | null;
  readonly sha1: string;
}
interface Expected {
  readonly format: string;
  readonly substreams: { readonly substream: string; readonly kinds: string[]; readonly records: ExpectedRecord[] }[];
}
const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Record<string, Expected>;

describe('byte streams Breezy wrote', () => {
  for (const [name, want] of Object.entries(expected)) {
    it(`${name}: the records Breezy reads, and the same bytes when re-encoded`, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(`${name}.bytestream`, dir)));
      // Read in 100-byte pieces, as Breezy's read_back did.
      const pieces = Array.from({ length: Math.ceil(bytes.length / 100) }, (_, i) => bytes.subarray(i * 100, i * 100 + 100));
      const reader = new ByteStreamReader(pieces);
      expect(await reader.open()).toBe(want.format);
      const got: { substream: string; records: ContentFactory[] }[] = [];
      for await (const [substream, records] of reader.substreams()) got.push({ substream, records: await collect(records) });
      expect(got.map((s) => s.substream)).toEqual(want.substreams.map((s) => s.substream));
      for (const [i, sub] of want.substreams.entries()) {
        const records = got[i]!.records;
        expect(records.map((r) => r.storageKind)).toEqual(sub.kinds);
        expect(records.map((r) => r.key)).toEqual(sub.records.map((r) => r.key));
        const store = new MemoryVersionedFiles({ keyLength: records[0]!.key.length, graph: records.every((r) => r.parents !== null) });
        await store.insertRecordStream(records);
        const keys: Key[] = sub.records.map((r) => r.key);
        const sha1s = await store.getSha1s(keys);
        const parents = await store.getParentMap(keys);
        expect(sub.records.map((r) => [sha1s.get(r.key), parents.get(r.key)])).toEqual(sub.records.map((r) => [r.sha1, r.parents]));
      }
      const again = concatBytes(await collect(encodeByteStream(got.map((s) => [s.substream, s.records] as const), want.format)));
      expect(again).toEqual(bytes);
    });
  }
});
