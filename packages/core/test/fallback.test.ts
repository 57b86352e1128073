// The fallback chain: lookups cascade in order, absent records where nothing
// has the key, ordered streams interleave sources, cycles are refused.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FallbackCycle,
  InvalidChecksum,
  KeyMap,
  MemoryVersionedFiles,
  RecordingVersionedFilesDecorator,
  collect,
  sha1Hex,
  type Key,
  type Ordering,
  type Parents,
} from '@versionedfiles/core';
import { lines } from './vf-helpers.js';

const mem = (): MemoryVersionedFiles => new MemoryVersionedFiles({ keyLength: 1 });

async function chain(): Promise<[MemoryVersionedFiles, MemoryVersionedFiles, MemoryVersionedFiles]> {
  // top -> middle -> bottom; `a` everywhere (different texts), `b` in middle, `c` at the bottom.
  const [top, middle, bottom] = [mem(), mem(), mem()];
  await bottom.addLines(['a'], [], lines('bottom a\n'));
  await bottom.addLines(['c'], [], lines('c\n'));
  await middle.addLines(['a'], [], lines('middle a\n'));
  await middle.addLines(['b'], [['c']], lines('b\n'));
  await top.addLines(['a'], [], lines('top a\n'));
  await top.addLines(['d'], [['b'], ['a']], lines('d\n'));
  top.addFallbackVersionedFiles(middle);
  middle.addFallbackVersionedFiles(bottom);
  return [top, middle, bottom];
}

describe('fallbacks', () => {
  it('cascade lookups in order, the nearest store winning', async () => {
    const [top, middle, bottom] = await chain();
    const keys: Key[] = [['a'], ['b'], ['c'], ['d'], ['zz']];
    const parents = await top.getParentMap(keys);
    expect(new KeyMap<Parents>(parents)).toEqual(
      new KeyMap<Parents>([
        [['a'], []],
        [['d'], [['b'], ['a']]],
        [['b'], [['c']]],
        [['c'], []],
      ]),
    );
    const sha1s = await top.getSha1s(keys);
    expect(sha1s.get(['a'])).toBe((await top.withoutFallbacks().getSha1s([['a']])).get(['a']));
    expect(sha1s.has(['zz'])).toBe(false);
    const texts = new Map<string, string>();
    for (const r of await collect(top.getRecordStream(keys, 'unordered', true))) {
      texts.set(r.key[0] as string, r.storageKind === 'absent' ? 'ABSENT' : new TextDecoder().decode(r.getBytesAs('fulltext')));
    }
    expect(Object.fromEntries(texts)).toEqual({ a: 'top a\n', b: 'b\n', c: 'c\n', d: 'd\n', zz: 'ABSENT' });
    expect(top.transitiveFallbacks()).toEqual([middle, bottom]);
    expect(top.fallbacks).toEqual([middle]);
  });

  it('give topological streams across stores with parents first', async () => {
    const [top] = await chain();
    const records = await collect(top.getRecordStream([['d'], ['b'], ['c'], ['a'], ['zz']], 'topological', true));
    const order = records.map((r) => r.key[0]);
    expect(order[0]).toBe('zz');
    expect(records[0]?.storageKind).toBe('absent');
    const pos = (k: string): number => order.indexOf(k);
    expect(pos('c')).toBeLessThan(pos('b'));
    expect(pos('b')).toBeLessThan(pos('d'));
    expect(pos('a')).toBeLessThan(pos('d'));
    const gc = (await collect(top.getRecordStream([['d'], ['b'], ['c']], 'groupcompress', true))).map((r) => r.key[0]);
    expect(gc).toEqual(['d', 'b', 'c']);
  });

  it('refuse cycles, direct and transitive', async () => {
    const [top, middle, bottom] = await chain();
    expect(() => top.addFallbackVersionedFiles(top)).toThrow(FallbackCycle);
    expect(() => bottom.addFallbackVersionedFiles(top)).toThrow(FallbackCycle);
    expect(() => middle.addFallbackVersionedFiles(top)).toThrow(FallbackCycle);
    expect(bottom.fallbacks).toEqual([]);
    // Through a decorator too: it answers with the store it wraps.
    expect(() => bottom.addFallbackVersionedFiles(new RecordingVersionedFilesDecorator(top))).toThrow(FallbackCycle);
    expect(() => top.addFallbackVersionedFiles(new RecordingVersionedFilesDecorator(top))).toThrow(FallbackCycle);
    // A diamond of fallbacks is not a cycle.
    const other = mem();
    other.addFallbackVersionedFiles(bottom);
    top.addFallbackVersionedFiles(other);
    expect(top.transitiveFallbacks()).toEqual([middle, bottom, other]);
  });

  it('feed getKnownGraphAncestry (Breezy test_known_graph_with_fallbacks)', async () => {
    const f = mem();
    const g = mem();
    await g.addLines(['a'], [], lines('\n'));
    f.addFallbackVersionedFiles(g);
    await f.addLines(['b'], [['a']], lines('\n'));
    await f.addLines(['c'], [['a'], ['b']], lines('\n'));
    const kg = await f.getKnownGraphAncestry([['c']]);
    expect(kg.topoSort()).toEqual([['a'], ['b'], ['c']]);
  });

  it('are checked by check(), and a bad fallback text is found', async () => {
    const [top, , bottom] = await chain();
    await top.check();
    // Corrupt the bottom store's sha1 record by sneaking a wrong text behind its back.
    const broken = new (class extends MemoryVersionedFiles {
      protected override async localSha1s(keys: readonly Key[]): Promise<KeyMap<string>> {
        const real = await super.localSha1s(keys);
        for (const k of real.keys()) real.set(k, '0'.repeat(40));
        return real;
      }
    })({ keyLength: 1 });
    await broken.addLines(['x'], [], lines('x\n'));
    bottom.addFallbackVersionedFiles(broken);
    await expect(top.check()).rejects.toBeInstanceOf(InvalidChecksum);
  });
});

describe('fallback chain property', () => {
  it('every lookup answers from the first store in lookup order that has the key', async () => {
    await fc.assert(
      fc.asyncProperty(
        // For each of 8 keys, the stores (0 = top, 1, 2) that hold it.
        fc.array(fc.subarray([0, 1, 2]), { minLength: 8, maxLength: 8 }),
        fc.constantFrom<Ordering>('unordered', 'topological', 'groupcompress'),
        async (holders, ordering) => {
          const stores = [mem(), mem(), mem()];
          stores[0]!.addFallbackVersionedFiles(stores[1]!);
          stores[1]!.addFallbackVersionedFiles(stores[2]!);
          const expected = new KeyMap<string>();
          for (const [i, where] of holders.entries()) {
            for (const s of [...where].reverse()) await stores[s]!.addLines([`k${i}`], [], lines(`k${i} in ${s}\n`));
            if (where.length > 0) expected.set([`k${i}`], `k${i} in ${Math.min(...where)}\n`);
          }
          const keys: Key[] = holders.map((_, i) => [`k${i}`]);
          const top = stores[0]!;
          expect(new Set([...(await top.getParentMap(keys)).keys()].map((k) => k[0]))).toEqual(
            new Set([...expected.keys()].map((k) => k[0])),
          );
          const got = new KeyMap<string>();
          let absent = 0;
          for (const r of await collect(top.getRecordStream(keys, ordering, true))) {
            if (r.storageKind === 'absent') absent++;
            else got.set(r.key, new TextDecoder().decode(r.getBytesAs('fulltext')));
          }
          expect(new Map([...got].map(([k, v]) => [k[0], v]))).toEqual(new Map([...expected].map(([k, v]) => [k[0], v])));
          expect(absent).toBe(keys.length - expected.size);
          const sha1s = await top.getSha1s(keys);
          for (const [k, t] of expected) expect(sha1s.get(k)).toBe(sha1Hex(new TextEncoder().encode(t)));
        },
      ),
      { numRuns: 30 },
    );
  });
});
