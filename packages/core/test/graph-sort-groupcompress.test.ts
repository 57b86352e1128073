import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeyMap, compareUtf8, keyToId, sortGroupcompress, topoSort } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { checkSortGroupcompress, dagArbitrary, loadGraphCases } from '../../../test-fixtures/core/graph/support.js';

const cases = loadGraphCases();

describe('sortGroupcompress', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s equals Breezy', (_name, c) => {
    checkSortGroupcompress(c);
  });

  it('orders prefixes by bytes and treats null parents as none', () => {
    const out = sortGroupcompress([
      [['\u00e9', 'x'], null],
      [['b', 'y'], [['b', 'x']]],
      [['b', 'x'], []],
      [['only'], []],
      [['Z', 'q'], null],
    ]);
    expect(out).toEqual([['only'], ['Z', 'q'], ['b', 'y'], ['b', 'x'], ['\u00e9', 'x']]);
  });

  it('property: chains and near-chains sort as a topological sort per prefix, reversed', () => {
    // Files whose texts mostly follow one another (the shape a history has,
    // which the sort takes without sorting), bent now and then: a text out of
    // place, a second parent, a parent from later in the file, a key given
    // twice, a text its own parent.
    const file = fc.record({
      prefix: fc.constantFrom('a', 'b', 'c', 'd'),
      length: fc.integer({ min: 1, max: 6 }),
      bend: fc.constantFrom('none', 'none', 'swap', 'merge', 'forward', 'twice', 'self', 'ghost'),
    });
    const reference = (entries: readonly (readonly [Key, readonly Key[]])[]): Key[] | string => {
      const byPrefix = new Map<string, [Key, readonly Key[]][]>();
      for (const [k, p] of entries) {
        const prefix = k.length === 1 ? '' : (k[0] as string);
        byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), [k, p]]);
      }
      try {
        return [...byPrefix.keys()].sort(compareUtf8).flatMap((prefix) => topoSort(byPrefix.get(prefix) as [Key, readonly Key[]][]).reverse());
      } catch (err) {
        return (err as Error).name;
      }
    };
    const sorted = (entries: Iterable<readonly [Key, readonly Key[]]>): Key[] | string => {
      try {
        return sortGroupcompress(entries);
      } catch (err) {
        return (err as Error).name;
      }
    };
    fc.assert(
      fc.property(fc.array(file, { minLength: 1, maxLength: 6 }), (files) => {
        const entries: [Key, readonly Key[]][] = [];
        files.forEach(({ prefix, length, bend }, f) => {
          const key = (i: number): Key => [prefix, `${f}.${i}`];
          const chain: [Key, readonly Key[]][] = [];
          for (let i = 0; i < length; i++) chain.push([key(i), i === 0 ? [] : [key(i - 1)]]);
          const last = chain.length - 1;
          if (bend === 'swap' && last > 0) chain.reverse();
          if (bend === 'merge' && last > 1) chain[last] = [key(last), [key(last - 1), key(0)]];
          if (bend === 'forward' && last > 0) chain[0] = [key(0), [key(last)]];
          if (bend === 'twice' && last > 0) chain.push([key(0), [key(last)]]);
          if (bend === 'self') chain[0] = [key(0), [key(0)]];
          if (bend === 'ghost') chain[0] = [key(0), [[prefix, 'gone'], ['z', 'elsewhere']]];
          entries.push(...chain);
        });
        expect(sorted(entries)).toEqual(reference(entries));
        const distinct = new KeyMap<readonly Key[]>(entries);
        expect(sorted(distinct)).toEqual(reference([...distinct]));
      }),
      { numRuns: 300 },
    );
  });

  it('property: grouped by prefix, children before parents within a prefix', () => {
    fc.assert(
      fc.property(dagArbitrary(), ({ entries }) => {
        const out = sortGroupcompress(entries);
        expect(out.map(keyToId).sort()).toEqual(entries.map(([k]) => keyToId(k)).sort());
        const prefixOf = (k: Key): string => (k.length === 1 ? '' : (k[0] as string));
        const prefixes = out.map(prefixOf);
        // each prefix forms one contiguous run
        const runs = prefixes.filter((p, i) => i === 0 || prefixes[i - 1] !== p);
        expect(new Set(runs).size).toBe(runs.length);
        const at = new Map(out.map((k, i) => [keyToId(k), i]));
        for (const [key, parents] of entries) {
          for (const p of parents) {
            const pAt = at.get(keyToId(p));
            if (pAt !== undefined && prefixOf(p) === prefixOf(key)) expect(pAt).toBeGreaterThan(at.get(keyToId(key)) as number);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
