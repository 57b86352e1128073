// The network record stream: bencode, the `fulltext` wire form (byte-exact with
// Breezy's record_to_fulltext_bytes), the kind registry, and hostile input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AbsentContent,
  AbsentContentFactory,
  ChunkedContentFactory,
  FulltextContentFactory,
  MemoryVersionedFiles,
  NetworkKindRegistry,
  NetworkRecordCorrupt,
  NetworkRecordStream,
  VersionedFilesError,
  bdecode,
  bencode,
  collect,
  fulltextNetworkToRecord,
  latin1,
  networkBytesOf,
  networkBytesToKindAndOffset,
  recordToNetworkBytes,
  utf8,
  type BValue,
  type Key,
} from '@versionedfiles/core';

const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('bencode', () => {
  it('encodes lists, strings and integers as Python bencode does', () => {
    expect(latin1(bencode([[utf8('f'), utf8('r')], utf8('nil'), 42, -3]))).toBe('ll1:f1:re3:nili42ei-3ee');
  });

  it('round-trips any value (property)', () => {
    const value: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.uint8Array({ maxLength: 20 }),
        fc.integer(),
        fc.array(tie('v'), { maxLength: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        expect(bdecode(bencode(v))).toEqual(v);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects malformed input with NetworkRecordCorrupt, never a crash', () => {
    for (const bad of ['', 'l', 'i12', 'i-0e', 'i01e', '5:abc', '3:abcd', 'd1:a1:be', 'x', '99999999999999999:a', 'l'.repeat(100) + 'e'.repeat(100)]) {
      expect(() => bdecode(bytesOf(bad)), bad).toThrow(NetworkRecordCorrupt);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (junk) => {
        try {
          bdecode(junk);
        } catch (err) {
          expect(err).toBeInstanceOf(NetworkRecordCorrupt);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('fulltext wire records', () => {
  it('are byte-identical to Breezy record_to_fulltext_bytes', () => {
    const r = new FulltextContentFactory(['f', 'ré'], [['f', 'p']], null, utf8('hi\n'));
    expect(recordToNetworkBytes(r)).toEqual(bytesOf('fulltext\n\x00\x00\x00\x16ll1:f3:r\xc3\xa9ell1:f1:peeehi\n'));
    const noGraph = new FulltextContentFactory(['k'], null, null, new Uint8Array(0));
    expect(recordToNetworkBytes(noGraph)).toEqual(bytesOf('fulltext\n\x00\x00\x00\x0cll1:ke3:nile'));
  });

  it('carry chunked records as fulltext and decode to key, parents and text', () => {
    const r = new ChunkedContentFactory(['a', 'b'], [], 'ignored', [utf8('x'), utf8('y\nz')]);
    const wire = recordToNetworkBytes(r);
    expect(networkBytesToKindAndOffset(wire)).toEqual(['fulltext', 9]);
    const [back] = fulltextNetworkToRecord('fulltext', wire, 9);
    expect(back).toMatchObject({ key: ['a', 'b'], parents: [], sha1: null, storageKind: 'fulltext' });
    expect(back?.getBytesAs('fulltext')).toEqual(utf8('xy\nz'));
  });

  it('absent records have no wire form', () => {
    expect(() => recordToNetworkBytes(new AbsentContentFactory(['gone']))).toThrow(AbsentContent);
  });

  it('round-trip any key, parents and text (property)', async () => {
    const element = fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' });
    const key = fc.array(element, { minLength: 1, maxLength: 2 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key, parents: fc.option(fc.array(key, { maxLength: 3 })), text: fc.uint8Array({ maxLength: 50 }) }), {
          maxLength: 6,
        }),
        async (items) => {
          const records = items.map((i) => new FulltextContentFactory(i.key, i.parents, null, i.text));
          const back = await collect(new NetworkRecordStream(networkBytesOf(records)).read());
          expect(back.map((r) => [r.key, r.parents, r.getBytesAs('fulltext')])).toEqual(items.map((i) => [i.key, i.parents, i.text]));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('NetworkRecordStream', () => {
  it('round-trips a store stream into another store', async () => {
    const source = new MemoryVersionedFiles({ keyLength: 1 });
    await source.addLines(['a'], [], [utf8('one\n')]);
    await source.addLines(['b'], [['a']], [utf8('one\n'), utf8('two')]);
    const target = new MemoryVersionedFiles({ keyLength: 1 });
    const wire = networkBytesOf(source.getRecordStream([['a'], ['b']], 'topological', false));
    await target.insertRecordStream(new NetworkRecordStream(wire).read());
    expect(await target.getSha1s([['a'], ['b']])).toEqual(await source.getSha1s([['a'], ['b']]));
    expect((await target.getParentMap([['b']])).get(['b'])).toEqual([['a']]);
  });

  it('uses the registry it is given, one decoder per kind', async () => {
    const registry = new NetworkKindRegistry();
    registry.register('pair', (kind, bytes, offset) => {
      const name = latin1(bytes.subarray(offset));
      return [new FulltextContentFactory([`${name}1`], [], null, utf8(kind)), new FulltextContentFactory([`${name}2`], [], null, utf8(kind))];
    });
    expect(registry.kinds()).toEqual(['pair']);
    const out = await collect(new NetworkRecordStream([utf8('pair\nx')], { registry }));
    expect(out.map((r) => r.key)).toEqual([['x1'], ['x2']] as Key[]);
    await expect(collect(new NetworkRecordStream([recordToNetworkBytes(out[0] as FulltextContentFactory)], { registry }))).rejects.toThrow(
      NetworkRecordCorrupt,
    );
  });

  it('gives typed errors for empty, kindless, unknown and truncated records', async () => {
    for (const bad of ['', 'no newline here', 'nonsense-kind\nabc', 'fulltext\n\x00\x00', 'fulltext\n\x00\x00\x01\x00ll1:ae3:nile', 'fulltext\n\x00\x00\x00\x05i42e']) {
      await expect(collect(new NetworkRecordStream([bytesOf(bad)])), JSON.stringify(bad)).rejects.toThrow(NetworkRecordCorrupt);
    }
  });

  it('fuzzed wire records fail only with library errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 60 }), async (junk) => {
        const wire = new Uint8Array([...utf8('fulltext\n'), ...junk]);
        try {
          await collect(new NetworkRecordStream([wire]));
        } catch (err) {
          expect(err).toBeInstanceOf(VersionedFilesError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('stops on an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const wire = recordToNetworkBytes(new FulltextContentFactory(['a'], [], null, utf8('x')));
    await expect(collect(new NetworkRecordStream([wire], { signal: controller.signal }))).rejects.toMatchObject({ code: 'Aborted' });
  });
});
