import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GraphCycle, KnownGraph, ParentsMismatch, RevisionNotPresent, keyToId } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import {
  ancestorsOf,
  asSortedIds,
  checkAddNode,
  checkKnownGraph,
  dagArbitrary,
  loadGraphCases,
} from '../../../test-fixtures/core/graph/support.js';

const cases = loadGraphCases();

describe('KnownGraph against Breezy', () => {
  it('has fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: topoSort, gcSort, heads, mergeSort', (_name, c) => {
    checkKnownGraph(c);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: built with addNode', (_name, c) => {
    checkAddNode(c);
  });
});

describe('KnownGraph', () => {
  const diamond: [Key, Key[]][] = [
    [['a'], []],
    [['b'], [['a']]],
    [['c'], [['a']]],
    [['d'], [['b'], ['c']]],
  ];

  it('reports parents, children and ghosts', () => {
    const graph = new KnownGraph([...diamond, [['e'], [['d'], ['ghost']]]]);
    expect(graph.getParentKeys(['d'])).toEqual([['b'], ['c']]);
    expect(graph.getChildKeys(['a'])).toEqual([['b'], ['c']]);
    expect(graph.getParentKeys(['ghost'])).toBeNull();
    expect(graph.isGhost(['ghost'])).toBe(true);
    expect(graph.has(['ghost'])).toBe(true);
    expect(graph.size).toBe(6);
    expect(() => graph.getParentKeys(['nope'])).toThrow(RevisionNotPresent);
    expect(() => graph.heads([['a'], ['nope']])).toThrow(RevisionNotPresent);
  });

  it('heads of one key or a repeated key is that key', () => {
    const graph = new KnownGraph(diamond);
    expect([...graph.heads([['b'], ['b']])]).toEqual([['b']]);
    expect([...graph.heads([])]).toEqual([]);
    expect(asSortedIds(graph.heads([['b'], ['c'], ['a']]))).toEqual(asSortedIds([['b'], ['c']]));
    expect([...graph.heads([['a'], ['d']])]).toEqual([['d']]);
  });

  it('addNode is idempotent, refuses other parents, and fills ghosts (clearing cached heads)', () => {
    const graph = new KnownGraph([
      [['a'], []],
      [['b'], [['ghost']]],
    ]);
    expect(asSortedIds(graph.heads([['a'], ['b']]))).toEqual(asSortedIds([['a'], ['b']]));
    graph.addNode(['b'], [['ghost']]);
    expect(() => graph.addNode(['b'], [['a']])).toThrow(ParentsMismatch);
    graph.addNode(['ghost'], [['a']]);
    expect([...graph.heads([['a'], ['b']])]).toEqual([['b']]);
    expect(graph.topoSort()).toEqual([['a'], ['ghost'], ['b']]);
  });

  it('throws GraphCycle from topoSort, gcSort and heads on a cycle', () => {
    const graph = new KnownGraph([
      [['a'], [['b'], ['c']]],
      [['b'], [['a']]],
      [['c'], []],
    ]);
    expect(() => graph.topoSort()).toThrow(GraphCycle);
    expect(() => graph.gcSort()).toThrow(GraphCycle);
    expect(() => graph.heads([['a'], ['c']])).toThrow(GraphCycle);
    expect(() => graph.mergeSort(['a'])).toThrow(GraphCycle);
    const selfLoop = new KnownGraph([[['x'], [['x']]]]);
    expect(() => selfLoop.topoSort()).toThrow(GraphCycle);
  });

  it('property: topoSort and gcSort are complete topological orders', () => {
    fc.assert(
      fc.property(dagArbitrary(), ({ entries, ghosts }) => {
        const graph = new KnownGraph(entries);
        const topo = graph.topoSort().map(keyToId);
        const gc = graph.gcSort().map(keyToId);
        const defined = entries.map(([k]) => keyToId(k));
        expect([...topo].sort()).toEqual([...defined].sort());
        expect([...gc].sort()).toEqual([...defined].sort());
        const ghostIds = new Set(ghosts.map(keyToId));
        for (const [key, parents] of entries) {
          for (const p of parents) {
            if (ghostIds.has(keyToId(p))) continue;
            expect(topo.indexOf(keyToId(p))).toBeLessThan(topo.indexOf(keyToId(key)));
            expect(gc.indexOf(keyToId(p))).toBeGreaterThan(gc.indexOf(keyToId(key)));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('property: heads are exactly the asked keys no other asked key descends from', () => {
    fc.assert(
      fc.property(dagArbitrary(), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), ({ entries, ghosts }, picks) => {
        const all = [...entries.map(([k]) => k), ...ghosts];
        const query = picks.map((i) => all[i % all.length] as Key);
        const heads = new KnownGraph(entries).heads(query);
        for (const key of query) {
          const dominated = query.some((other) => keyToId(other) !== keyToId(key) && ancestorsOf(entries, other).has(key));
          expect(heads.has(key)).toBe(!dominated);
        }
        expect(heads.size).toBeLessThanOrEqual(new Set(query.map(keyToId)).size);
      }),
      { numRuns: 60 },
    );
  });
});
