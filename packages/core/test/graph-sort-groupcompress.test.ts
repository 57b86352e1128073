import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyToId, sortGroupcompress } from '@versionedfiles/core';
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
