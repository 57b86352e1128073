import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AbsentContentFactory,
  ChunkedContentFactory,
  DependencyBuffer,
  FulltextContentFactory,
  KeyMap,
  collect,
  filterAbsent,
  orderKeys,
  recordsToFulltexts,
  runsBySource,
  toAsync,
  type Key,
  type Parents,
} from '@versionedfiles/core';
import { text } from './vf-helpers.js';

describe('record-stream helpers', () => {
  it('filterAbsent drops only absent records, sync or async input', async () => {
    const records = [
      new FulltextContentFactory(['a'], [], null, text('a')),
      new AbsentContentFactory(['b']),
      new FulltextContentFactory(['c'], [], null, text('c')),
    ];
    expect((await collect(filterAbsent(records))).map((r) => r.key)).toEqual([['a'], ['c']]);
    expect((await collect(filterAbsent(toAsync(records)))).map((r) => r.key)).toEqual([['a'], ['c']]);
  });

  it('recordsToFulltexts converts chunked records and passes absent ones through', async () => {
    const out = await collect(
      recordsToFulltexts([new ChunkedContentFactory(['a'], [['p']], 'sha', [text('x'), text('y\n')]), new AbsentContentFactory(['b'])]),
    );
    expect(out.map((r) => r.storageKind)).toEqual(['fulltext', 'absent']);
    expect(out[0]?.getBytesAs('fulltext')).toEqual(text('xy\n'));
    expect(out[0]).toMatchObject({ key: ['a'], parents: [['p']], sha1: 'sha' });
  });

  it('DependencyBuffer releases transitively, in arrival order', () => {
    const buffer = new DependencyBuffer<string>();
    buffer.hold(['a'], ['b'], 'b');
    buffer.hold(['b'], ['c'], 'c');
    buffer.hold(['a'], ['d'], 'd');
    buffer.hold(['x'], ['y'], 'y');
    expect(buffer.size).toBe(4);
    expect(buffer.isAwaited(['b'])).toBe(true);
    expect([...buffer.release(['a'])].map(([, v]) => v)).toEqual(['b', 'd', 'c']);
    expect([...buffer.waitingFor()]).toEqual([['x']]);
    expect(buffer.drain()).toEqual([[['x'], ['y'], 'y']]);
    expect(buffer.size).toBe(0);
  });

  it('orderKeys: topological puts parents first; no graph keeps the map order', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(20), { maxLength: 3 }), { minLength: 1, maxLength: 20 }), (spec) => {
        // Node i may only have parents with a smaller index: a DAG; insert in reverse.
        const map = new KeyMap<Parents>();
        for (let i = spec.length - 1; i >= 0; i--) {
          map.set([`k${i}`], (spec[i] ?? []).filter((p) => p < i).map((p) => [`k${p}`]));
        }
        const order = orderKeys('topological', map).map((k) => k[0]);
        for (const [key, parents] of map) {
          for (const p of parents ?? []) expect(order.indexOf(p[0])).toBeLessThan(order.indexOf(key[0]));
        }
        const gc = orderKeys('groupcompress', map).map((k) => k[0]);
        for (const [key, parents] of map) {
          for (const p of parents ?? []) expect(gc.indexOf(p[0])).toBeGreaterThan(gc.indexOf(key[0]));
        }
      }),
      { numRuns: 50 },
    );
    const nograph = new KeyMap<Parents>([
      [['b'], null],
      [['a'], null],
    ]);
    expect(orderKeys('topological', nograph)).toEqual([['b'], ['a']]);
  });

  it('runsBySource groups consecutive keys of one source', () => {
    const keys: Key[] = [['a'], ['b'], ['c'], ['d']];
    const src = new KeyMap<string>([
      [['a'], 'x'],
      [['b'], 'x'],
      [['c'], 'y'],
      [['d'], 'x'],
    ]);
    expect(runsBySource(keys, (k) => src.get(k))).toEqual([
      ['x', [['a'], ['b']]],
      ['y', [['c']]],
      ['x', [['d']]],
    ]);
  });
});
