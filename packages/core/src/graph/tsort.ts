// Topological sorts of a parent graph: Breezy's `tsort` module.
//
// Entry points: `topoSort(graph)` (parents before children, ghosts left out,
// `GraphCycle` on a cycle; the same order as Breezy's `topo_sort`, which is
// `KnownGraph.topo_sort`) and `mergeSort(graph, tip, options)` (Breezy's
// `merge_sort`, defined in merge-sort.ts and re-exported here).
//
// A graph is a `KeyMap<readonly Key[]>` or any iterable of `[key, parents]`.

import { KnownGraph } from './known-graph.js';
import type { ParentMapInput } from './parent-map.js';
import { keyToId } from '../keys.js';
import type { Key } from '../keys.js';

export { mergeSort } from './merge-sort.js';
export type { MergeSortOptions, MergeSortRow } from './merge-sort.js';
export type { ParentMapInput } from './parent-map.js';

/**
 * `KnownGraph.topoSort`'s order without building a KnownGraph: nodes numbered
 * in order of first mention (as a key or a parent), tails taken in that order,
 * a stack, children released in link order once all their parents are done.
 * The unusual inputs (a key given twice, a cycle) go to KnownGraph, which
 * knows Python's dict semantics and names the cycle.
 */
export function topoSort(graph: ParentMapInput): Key[] {
  const nodes = new NodeNumbering();
  let definedCount = 0;
  for (const [key, parents] of graph) {
    const n = nodes.nodeOf(key);
    if (nodes.defined[n]) return new KnownGraph(graph).topoSort();
    nodes.defined[n] = true;
    definedCount++;
    nodes.waitingFor[n] = parents.length;
    for (const parent of parents) (nodes.children[nodes.nodeOf(parent)] as number[]).push(n);
  }
  const { keys, defined, waitingFor, children } = nodes;
  const pending: number[] = [];
  for (let n = 0; n < keys.length; n++) if (!defined[n] || waitingFor[n] === 0) pending.push(n);
  const order: Key[] = [];
  while (pending.length > 0) {
    const n = pending.pop() as number;
    if (defined[n]) order.push(keys[n] as Key);
    for (const child of children[n] as number[]) {
      const left = (waitingFor[child] as number) - 1;
      waitingFor[child] = left;
      if (left === 0) pending.push(child);
    }
  }
  if (order.length !== definedCount) return new KnownGraph(graph).topoSort();
  return order;
}

/**
 * Nodes numbered in order of first mention. A class, not a closure made per
 * call: V8 inlined the closure into the optimized sort and threw the code
 * away at the next call, whose closure was another (`--trace-deopt`: "wrong
 * call target"), and knit annotation compiled the sort again (60 ms).
 */
class NodeNumbering {
  readonly ids = new Map<string, number>();
  readonly keys: Key[] = [];
  readonly defined: boolean[] = [];
  readonly waitingFor: number[] = [];
  readonly children: number[][] = [];

  nodeOf(key: Key): number {
    const id = keyToId(key);
    let n = this.ids.get(id);
    if (n === undefined) {
      n = this.keys.length;
      this.ids.set(id, n);
      this.keys.push(key);
      this.defined.push(false);
      this.waitingFor.push(0);
      this.children.push([]);
    }
    return n;
  }
}
