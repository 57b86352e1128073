// The smart-protocol byte stream: round trips of every kind we have (fulltext,
// knit records, knit delta closures), substream grouping, streaming with
// backpressure, and hostile input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ConstantMapper,
  FulltextContentFactory,
  LimitExceeded,
  MemoryTransport,
  MemoryVersionedFiles,
  NetworkRecordCorrupt,
  VersionedFilesError,
  collect,
  concatBytes,
  utf8,
  type ContentFactory,
  type Key,
  type VersionedFiles,
} from '@versionedfiles/core';
import { makeFileFactory } from '@versionedfiles/knit';
import { ByteStreamReader, FORMAT_2A, encodeByteStream, toReadableStream } from '@versionedfiles/sync';

const lines = (...ls: string[]) => ls.map(utf8);

async function history(vf: VersionedFiles, n = 6): Promise<Key[]> {
  const keys: Key[] = [];
  let text: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = [`rev-${i}`];
    text = [...text, `line ${i}\n`];
    await vf.addLines(key, i === 0 ? [] : [keys[i - 1] as Key], lines(...text));
    keys.push(key);
  }
  return keys;
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  return concatBytes(await collect(stream));
}

function knitStore(annotated = false): VersionedFiles {
  return makeFileFactory(annotated, new ConstantMapper('texts'), { keyLength: 1 })(new MemoryTransport());
}

describe('byte stream', () => {
  it('frames a pack container: format record, then one record per wire record named by substream', async () => {
    const records = [new FulltextContentFactory(['a'], [], null, utf8('x\n'))];
    const bytes = await bytesOf(encodeByteStream([['texts', records]], FORMAT_2A));
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text.startsWith(`Bazaar pack format 1 (introduced in 0.18)\nB${FORMAT_2A.length}\n\n${FORMAT_2A}B`)).toBe(true);
    expect(text).toContain('\ntexts\n\nfulltext\n');
    expect(text.endsWith('x\nE')).toBe(true);
  });

  for (const [name, make, closure] of [
    ['memory (fulltext)', () => new MemoryVersionedFiles({ keyLength: 1 }), false],
    ['knit (knit-ft-gz, knit-delta-gz)', () => knitStore(), false],
    ['annotated knit', () => knitStore(true), false],
    ['knit delta closure', () => knitStore(), true],
  ] as const) {
    it(`round-trips ${name} records into another store, byte by byte chunking`, async () => {
      const source = make();
      const keys = await history(source);
      const encoded = await bytesOf(encodeByteStream([['texts', source.getRecordStream(keys, 'topological', closure)]], 'fmt\n'));
      // Feed it back in 7-byte pieces: the parser must not care where chunks end.
      const pieces = function* () {
        for (let i = 0; i < encoded.length; i += 7) yield encoded.subarray(i, i + 7);
      };
      const reader = new ByteStreamReader(pieces());
      expect(await reader.open()).toBe('fmt\n');
      const target = new MemoryVersionedFiles({ keyLength: 1 });
      const kinds = new Set<string>();
      await target.insertRecordStream(
        (async function* () {
          for await (const { substream, record } of reader.records()) {
            expect(substream).toBe('texts');
            kinds.add(record.storageKind);
            yield record;
          }
        })(),
      );
      expect(await target.getSha1s(keys)).toEqual(await source.getSha1s(keys));
      expect(await target.getParentMap(keys)).toEqual(await source.getParentMap(keys));
      if (name.startsWith('knit (')) expect([...kinds].sort()).toEqual(['knit-delta-gz', 'knit-ft-gz']);
      if (closure) expect([...kinds]).toContain('knit-delta-closure');
    });
  }

  it('groups adjacent records by substream, as Breezy does', async () => {
    const rec = (k: string) => new FulltextContentFactory([k], [], null, utf8(k));
    const encoded = encodeByteStream(
      [
        ['texts', [rec('a'), rec('b')]],
        ['inventories', [rec('c')]],
        ['texts', [rec('d')]],
      ],
      FORMAT_2A,
    );
    const reader = new ByteStreamReader(encoded);
    const seen: [string, string[]][] = [];
    for await (const [name, records] of reader.substreams()) {
      const keys: string[] = [];
      for await (const r of records) keys.push(r.key[0] as string);
      seen.push([name, keys]);
    }
    expect(seen).toEqual([
      ['texts', ['a', 'b']],
      ['inventories', ['c']],
      ['texts', ['d']],
    ]);
    // A consumer that skips a substream still gets the next one.
    const skipping = new ByteStreamReader(encodeByteStream([['texts', [rec('a'), rec('b')]], ['revisions', [rec('r')]]], FORMAT_2A));
    const names: string[] = [];
    for await (const [name] of skipping.substreams()) names.push(name);
    expect(names).toEqual(['texts', 'revisions']);
  });

  it('streams with backpressure: the encoder pulls records only as bytes are read', async () => {
    let produced = 0;
    const records = (async function* (): AsyncGenerator<ContentFactory> {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield new FulltextContentFactory([`k${i}`], [], null, utf8(`text ${i}\n`));
      }
    })();
    const readable = toReadableStream(encodeByteStream([['texts', records]], FORMAT_2A));
    const reader = readable.getReader();
    for (let i = 0; i < 10; i++) await reader.read();
    expect(produced).toBeLessThan(10);
    await reader.cancel();
    // And the decoder pulls bytes only as records are consumed.
    let pulled = 0;
    const source = (async function* () {
      for await (const chunk of encodeByteStream([['texts', Array.from({ length: 500 }, (_, i) => new FulltextContentFactory([`k${i}`], [], null, utf8('x')))]], FORMAT_2A)) {
        pulled++;
        yield chunk;
      }
    })();
    const decoded = new ByteStreamReader(source).records();
    await decoded.next();
    await decoded.next();
    expect(pulled).toBeLessThan(12);
    await decoded.return(undefined);
  });

  it('refuses records over the size limit before buffering them whole', async () => {
    const big = new FulltextContentFactory(['big'], [], null, new Uint8Array(100_000));
    let pulledBytes = 0;
    const source = (async function* () {
      for await (const chunk of encodeByteStream([['texts', [big]]], FORMAT_2A)) {
        // Split into 1 KiB pieces as a network would.
        for (let i = 0; i < chunk.length; i += 1024) {
          pulledBytes += Math.min(1024, chunk.length - i);
          yield chunk.subarray(i, i + 1024);
        }
      }
    })();
    const reader = new ByteStreamReader(source, { maxRecordBytes: 10_000 });
    await expect(collect(reader.records())).rejects.toThrow(LimitExceeded);
    expect(pulledBytes).toBeLessThan(12_000 + FORMAT_2A.length + 100);
    const whole = await bytesOf(encodeByteStream([['texts', [big]]], FORMAT_2A));
    await expect(collect(new ByteStreamReader([whole], { maxStreamBytes: 50_000 }).records())).rejects.toThrow(LimitExceeded);
  });

  it('gives typed errors for malformed streams', async () => {
    const good = await bytesOf(encodeByteStream([['texts', [new FulltextContentFactory(['a'], [], null, utf8('x'))]]], FORMAT_2A));
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      good.subarray(0, good.length - 1), // no end marker
      good.subarray(0, 50),
      utf8('not a container at all\n'),
      concatBytes([utf8('Bazaar pack format 1 (introduced in 0.18)\nB3\ntexts\n\nabcE')]), // first record named
      concatBytes([utf8('Bazaar pack format 1 (introduced in 0.18)\nB1\n\nfB5\n\nhelloE')]), // content record without a substream
      concatBytes([utf8('Bazaar pack format 1 (introduced in 0.18)\nB1\n\nfB5\ntexts\n\nhelloE')]), // not a network record
    ];
    for (const bad of cases) {
      const err = await collect(new ByteStreamReader([bad]).records()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, new TextDecoder().decode(bad)).toBeInstanceOf(VersionedFilesError);
    }
    await expect(collect(new ByteStreamReader([cases[6] as Uint8Array]).records())).rejects.toThrow(NetworkRecordCorrupt);
  });

  it('fuzzed byte streams fail only with library errors (property)', async () => {
    const good = await bytesOf(encodeByteStream([['texts', [new FulltextContentFactory(['a'], [['p']], null, utf8('xy\n'))]]], FORMAT_2A));
    await fc.assert(
      fc.asyncProperty(fc.nat(good.length - 1), fc.uint8Array({ minLength: 1, maxLength: 8 }), async (at, junk) => {
        const bad = concatBytes([good.subarray(0, at), junk, good.subarray(at + junk.length)]);
        try {
          for await (const { record } of new ByteStreamReader([bad]).records()) record.getBytesAs('fulltext');
        } catch (err) {
          expect(err).toBeInstanceOf(VersionedFilesError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
