import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GraphCycle, InvalidMainline, KnownGraph, RevisionNotPresent, keyToId, mergeSort, topoSort } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { ancestorsOf, checkTsort, dagArbitrary, loadGraphCases } from '../../../test-fixtures/core/graph/support.js';

const cases = loadGraphCases();

describe('tsort against Breezy', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    checkTsort(c);
  });
});

describe('topoSort', () => {
  it('keeps the last parents of a repeated key, as dict() does', () => {
    expect(
      topoSort([
        [['a'], [['b']]],
        [['b'], []],
        [['a'], []],
      ]),
    ).toEqual([['b'], ['a']]);
  });

  it('gives the order KnownGraph.topoSort gives, for any DAG with ghosts in any input order', () => {
    fc.assert(
      fc.property(dagArbitrary(), ({ entries }) => {
        expect(topoSort(entries)).toEqual(new KnownGraph(entries).topoSort());
      }),
      { numRuns: 200 },
    );
  });

  it('throws GraphCycle on a cycle', () => {
    expect(() =>
      topoSort([
        [['a'], [['b']]],
        [['b'], [['a']]],
      ]),
    ).toThrow(GraphCycle);
  });
});

describe('mergeSort', () => {
  const graph: [Key, Key[]][] = [
    [['A'], []],
    [['B'], [['A']]],
    [['C'], [['A'], ['B']]],
  ];

  it('numbers a merged branch as Breezy documents', () => {
    const rows = mergeSort(graph, ['C'], { generateRevno: true });
    expect(rows.map((r) => [r.key[0], r.mergeDepth, r.revno, r.endOfMerge])).toEqual([
      ['C', 0, [2], false],
      ['B', 1, [1, 1, 1], true],
      ['A', 0, [1], true],
    ]);
  });

  it('gives nothing for a null tip and rejects unknown tips and bad mainlines', () => {
    expect(mergeSort(graph, null)).toEqual([]);
    expect(mergeSort(graph, ['null:'])).toEqual([]);
    expect(() => mergeSort(graph, ['Z'])).toThrow(RevisionNotPresent);
    expect(() => mergeSort(graph, ['C'], { mainline: [['B'], ['Z']] })).toThrow(RevisionNotPresent);
    expect(() => mergeSort(graph, ['C'], { mainline: [['C'], ['B']] })).toThrow(InvalidMainline);
  });

  it('stops before the first mainline entry', () => {
    const rows = mergeSort(graph, ['C'], { mainline: [['B'], ['C']] });
    expect(rows.map((r) => r.key[0])).toEqual(['C']);
  });

  it('throws GraphCycle on a cycle in the ancestry of the tip', () => {
    expect(() =>
      mergeSort(
        [
          [['a'], [['b']]],
          [['b'], [['a']]],
        ],
        ['a'],
      ),
    ).toThrow(GraphCycle);
  });

  it('property: rows are the ancestry of the tip, children before parents, mainline at depth 0', () => {
    fc.assert(
      fc.property(dagArbitrary(), fc.nat(), ({ entries }, pick) => {
        const tip = (entries[pick % entries.length] as [Key, Key[]])[0];
        const rows = mergeSort(entries, tip, { generateRevno: true });
        const defined = new Map(entries.map(([k, ps]) => [keyToId(k), ps]));
        const expected = [...ancestorsOf(entries, tip)].map(keyToId).filter((id) => defined.has(id));
        expect(rows.map((r) => keyToId(r.key)).sort()).toEqual([...expected, keyToId(tip)].sort());
        const position = new Map(rows.map((r, i) => [keyToId(r.key), i]));
        for (const row of rows) {
          expect(row.sequenceNumber).toBe(position.get(keyToId(row.key)));
          for (const p of defined.get(keyToId(row.key)) ?? []) {
            const at = position.get(keyToId(p));
            if (at !== undefined) expect(at).toBeGreaterThan(row.sequenceNumber);
          }
        }
        // the depth-0 rows are the left-hand chain from the tip
        const chain: string[] = [];
        for (let k: Key | undefined = tip; k !== undefined && defined.has(keyToId(k)); ) {
          chain.push(keyToId(k));
          k = (defined.get(keyToId(k)) as Key[])[0];
        }
        expect(rows.filter((r) => r.mergeDepth === 0).map((r) => keyToId(r.key))).toEqual(chain);
        expect(rows[rows.length - 1]?.endOfMerge).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
