// Test support for the graph tests: the Breezy fixtures (see make-fixtures.py)
// and a fast-check arbitrary for random DAGs with merges and ghosts, plus a
// naive ancestry walk to check answers against.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';
import { KeyMap, KeySet, KnownGraph, keyToId, mergeSort, sortGroupcompress, topoSort } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';

export type FixtureKey = string[];

export interface GraphCase {
  readonly name: string;
  readonly keyLength: number;
  readonly parentMap: [FixtureKey, FixtureKey[]][];
  readonly topoSort: FixtureKey[];
  readonly gcSort: FixtureKey[];
  readonly sortGroupcompress: FixtureKey[];
  readonly heads: [FixtureKey[], FixtureKey[]][];
  readonly mergeSorts: {
    readonly tip: FixtureKey;
    /** [sequence, key, depth, revno, endOfMerge] */
    readonly rows: [number, FixtureKey, number, number[], boolean][];
    /** [sequence, key, depth, endOfMerge] */
    readonly plainRows: [number, FixtureKey, number, boolean][];
    readonly mainline: (FixtureKey | null)[];
    readonly mainlineRows: [number, FixtureKey, number, number[], boolean][];
  }[];
  readonly addNodeSplit: number;
  readonly addNodeOrder: FixtureKey[];
  readonly addNodeTopoSort: FixtureKey[];
  readonly addNodeGcSort: FixtureKey[];
  readonly addNodeHeads: [FixtureKey[], FixtureKey[]][];
}

export const MAKE_GRAPH_FIXTURES = new URL('./make-fixtures.py', import.meta.url).pathname;

export function parseGraphCases(json: string): GraphCase[] {
  return (JSON.parse(json) as { cases: GraphCase[] }).cases;
}

export function loadGraphCases(): GraphCase[] {
  return parseGraphCases(readFileSync(new URL('./graph-fixtures.json', import.meta.url), 'utf8'));
}

/** KnownGraph's topoSort, gcSort, heads (twice: cached) and mergeSort equal Breezy's. */
export function checkKnownGraph(c: GraphCase): void {
  const graph = new KnownGraph(c.parentMap);
  expect(graph.topoSort()).toEqual(c.topoSort);
  expect(graph.gcSort()).toEqual(c.gcSort);
  for (const [query, heads] of c.heads) {
    expect(asSortedIds(graph.heads(query))).toEqual(asSortedIds(heads));
    expect(asSortedIds(graph.heads(query))).toEqual(asSortedIds(heads));
  }
  for (const ms of c.mergeSorts) {
    const rows = graph.mergeSort(ms.tip).map((n) => [n.key, n.mergeDepth, n.revno, n.endOfMerge]);
    expect(rows).toEqual(ms.rows.map((r) => r.slice(1)));
  }
}

/** The same graph built partly with addNode answers as Breezy's did. */
export function checkAddNode(c: GraphCase): void {
  const graph = new KnownGraph(c.parentMap.slice(0, c.addNodeSplit));
  const parentsOf = new Map(c.parentMap.map(([k, ps]) => [keyToId(k), ps]));
  for (const key of c.addNodeOrder) graph.addNode(key, parentsOf.get(keyToId(key)) as Key[]);
  expect(graph.topoSort()).toEqual(c.addNodeTopoSort);
  expect(graph.gcSort()).toEqual(c.addNodeGcSort);
  for (const [query, heads] of c.addNodeHeads) expect(asSortedIds(graph.heads(query))).toEqual(asSortedIds(heads));
}

/** topoSort and mergeSort (with revnos, without, with a forced mainline) equal Breezy's tsort. */
export function checkTsort(c: GraphCase): void {
  expect(topoSort(c.parentMap)).toEqual(c.topoSort);
  for (const ms of c.mergeSorts) {
    const withRevno = mergeSort(c.parentMap, ms.tip, { generateRevno: true });
    expect(withRevno.map((r) => [r.sequenceNumber, r.key, r.mergeDepth, r.revno, r.endOfMerge])).toEqual(ms.rows);
    const plain = mergeSort(new KeyMap(c.parentMap), ms.tip);
    expect(plain.map((r) => [r.sequenceNumber, r.key, r.mergeDepth, r.endOfMerge])).toEqual(ms.plainRows);
    expect(plain.every((r) => !('revno' in r))).toBe(true);
    const forced = mergeSort(c.parentMap, ms.tip, { mainline: ms.mainline, generateRevno: true });
    expect(forced.map((r) => [r.sequenceNumber, r.key, r.mergeDepth, r.revno, r.endOfMerge])).toEqual(ms.mainlineRows);
  }
}

export function checkSortGroupcompress(c: GraphCase): void {
  expect(sortGroupcompress(c.parentMap)).toEqual(c.sortGroupcompress);
}

/** Sorts keys by their id so that sets compare with toEqual. */
export function asSortedIds(keys: Iterable<Key>): string[] {
  return [...keys].map(keyToId).sort();
}

export interface RandomDag {
  /** [key, parents] in a shuffled insertion order; parents may name ghosts. */
  readonly entries: [Key, Key[]][];
  readonly ghosts: Key[];
}

/** Random DAGs: node i may have parents among nodes < i and ghosts; keys of length 1 or 2. */
export function dagArbitrary(maxNodes = 24): fc.Arbitrary<RandomDag> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: maxNodes }),
      twoElement: fc.boolean(),
      seeds: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat()), {
        minLength: maxNodes,
        maxLength: maxNodes,
      }),
      order: fc.array(fc.nat(), { minLength: maxNodes, maxLength: maxNodes }),
    })
    .map(({ n, twoElement, seeds, order }) => {
      const keyOf = (i: number, seed: number): Key =>
        twoElement ? [`p${seed % 3}`, `n${i}`] : [`n${i}`];
      const keys: Key[] = [];
      const ghosts: Key[] = [];
      const entries: [Key, Key[]][] = [];
      for (let i = 0; i < n; i++) {
        const [s0, s1, s2, s3, s4] = seeds[i] as [number, number, number, number, number];
        const key = keyOf(i, s0);
        const parents: Key[] = [];
        if (i > 0 && s1 % 10 !== 0) {
          parents.push(keys[i - 1 - (s1 % Math.min(i, 3))] as Key);
          if (s2 % 3 === 0) {
            const other = keys[s3 % i] as Key;
            if (!parents.some((p) => keyToId(p) === keyToId(other))) parents.push(other);
          }
        }
        if (s4 % 9 === 0) {
          const ghost: Key = twoElement ? ['p0', `ghost${s4 % 4}`] : [`ghost${s4 % 4}`];
          if (!ghosts.some((g) => keyToId(g) === keyToId(ghost))) ghosts.push(ghost);
          parents.push(ghost);
        }
        keys.push(key);
        entries.push([key, parents]);
      }
      // Shuffle by the order seeds so insertion order varies.
      const shuffled = entries
        .map((e, i) => [order[i] as number, i, e] as const)
        .sort((a, b) => a[0] - b[0] || a[1] - b[1])
        .map(([, , e]) => e);
      return { entries: shuffled, ghosts };
    });
}

/** Every key reachable from `key` through parents, `key` excluded, ghosts included. */
export function ancestorsOf(entries: readonly (readonly [Key, readonly Key[]])[], key: Key): KeySet {
  const parents = new Map(entries.map(([k, ps]) => [keyToId(k), ps] as const));
  const seen = new KeySet();
  const todo = [...(parents.get(keyToId(key)) ?? [])];
  while (todo.length > 0) {
    const k = todo.pop() as Key;
    if (seen.has(k)) continue;
    seen.add(k);
    todo.push(...(parents.get(keyToId(k)) ?? []));
  }
  return seen;
}
