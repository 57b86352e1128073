// KnownGraph: a fully loaded parent graph with the queries Breezy runs on it.
//
// Port of Breezy's `_known_graph_py.KnownGraph` (its C twin answers the same).
// Each node knows its parents (null for a ghost: referenced, never defined),
// its children, and its gdfo ("greatest distance from origin": 1 for roots
// and ghosts, else 1 + the largest gdfo among its parents), which lets `heads`
// stop walking ancestry early.
//
// Entry points: `new KnownGraph(parentMap)`, `heads(keys)`, `topoSort()`,
// `gcSort()` (reverse topological, grouped by key prefix, stable),
// `mergeSort(tip)`, `addNode(key, parents)`, `getParentKeys`, `getChildKeys`.
//
// Orders follow Breezy's exactly for the same input order: nodes are visited in
// the parent map's insertion order (Breezy's dict order), children in the
// order they were linked. `heads` returns a set; ours iterates in the order
// the keys were asked for (Breezy's frozenset has no order).

import { RevisionNotPresent } from '../errors.js';
import { KeySet, compareKeys, compareUtf8, keyToId } from '../keys.js';
import type { Key } from '../keys.js';
import { GraphCycle, ParentsMismatch } from './errors.js';
import { mergeSort } from './merge-sort.js';
import { toParentMap } from './parent-map.js';
import type { ParentMapInput } from './parent-map.js';

interface GraphNode {
  readonly key: Key;
  readonly id: string;
  /** null: a ghost, named as a parent but never defined. */
  parentKeys: readonly Key[] | null;
  readonly childKeys: Key[];
  /** null until computed; stays null on (and behind) a cycle. */
  gdfo: number | null;
}

/** One row of `KnownGraph.mergeSort`: Breezy's `_MergeSortNode`. */
export interface MergeSortNode {
  readonly key: Key;
  readonly mergeDepth: number;
  readonly revno: readonly number[];
  readonly endOfMerge: boolean;
}

export interface KnownGraphOptions {
  /** Remember `heads` answers (default true), as Breezy's `do_cache`. */
  readonly cacheHeads?: boolean;
}

export class KnownGraph {
  readonly #nodes = new Map<string, GraphNode>();
  readonly #knownHeads = new Map<string, readonly Key[]>();
  readonly #cacheHeads: boolean;

  constructor(parentMap: ParentMapInput, options: KnownGraphOptions = {}) {
    this.#cacheHeads = options.cacheHeads ?? true;
    for (const [key, parents] of toParentMap(parentMap)) {
      const node = this.#nodeOrGhost(key);
      node.parentKeys = [...parents];
      for (const parent of parents) this.#nodeOrGhost(parent).childKeys.push(key);
    }
    this.#findGdfo();
  }

  /** Number of nodes, ghosts included. */
  get size(): number {
    return this.#nodes.size;
  }

  /** True when `key` is in the graph, as a node or a ghost. */
  has(key: Key): boolean {
    return this.#nodes.has(keyToId(key));
  }

  /** True when `key` is a ghost: named as a parent, never defined. */
  isGhost(key: Key): boolean {
    return this.#node(key).parentKeys === null;
  }

  /** Parents of `key`; null for a ghost. Throws `RevisionNotPresent` for an unknown key. */
  getParentKeys(key: Key): readonly Key[] | null {
    return this.#node(key).parentKeys;
  }

  /** Children of `key`, in the order they were linked. */
  getChildKeys(key: Key): readonly Key[] {
    return this.#node(key).childKeys;
  }

  /**
   * Adds a node, or defines a ghost. Re-adding a node with the same parents is
   * a no-op; with other parents it throws `ParentsMismatch`.
   */
  addNode(key: Key, parentKeys: readonly Key[]): void {
    const id = keyToId(key);
    let node = this.#nodes.get(id);
    if (node !== undefined) {
      if (node.parentKeys === null) {
        node.parentKeys = [...parentKeys];
        this.#knownHeads.clear();
      } else if (sameKeys(node.parentKeys, parentKeys)) {
        return;
      } else {
        throw new ParentsMismatch(key, node.parentKeys, parentKeys);
      }
    } else {
      node = { key, id, parentKeys: [...parentKeys], childKeys: [], gdfo: null };
      this.#nodes.set(id, node);
    }
    let parentGdfo = 0;
    for (const parentKey of parentKeys) {
      let parent = this.#nodes.get(keyToId(parentKey));
      if (parent === undefined) {
        parent = this.#nodeOrGhost(parentKey);
        parent.gdfo = 1;
      }
      if (parent.gdfo === null) throw new GraphCycle([key, parentKey]);
      if (parentGdfo < parent.gdfo) parentGdfo = parent.gdfo;
      parent.childKeys.push(key);
    }
    node.gdfo = parentGdfo + 1;
    // Filling a ghost can raise the gdfo of everything below it.
    const queue: GraphNode[] = [node];
    for (let i = 0; i < queue.length; i++) {
      const current = queue[i] as GraphNode;
      const nextGdfo = (current.gdfo as number) + 1;
      for (const childKey of current.childKeys) {
        const child = this.#node(childKey);
        if (child.gdfo === null || child.gdfo < nextGdfo) {
          child.gdfo = nextGdfo;
          queue.push(child);
        }
      }
    }
  }

  /**
   * The keys among `keys` that no other of them descends from. Throws
   * `RevisionNotPresent` for a key the graph does not know.
   */
  heads(keys: Iterable<Key>): KeySet {
    const candidates = new Map<string, GraphNode>();
    for (const key of keys) candidates.set(keyToId(key), this.#node(key));
    if (candidates.size < 2) return new KeySet([...candidates.values()].map((n) => n.key));
    const cacheId = JSON.stringify([...candidates.keys()].sort());
    const cached = this.#knownHeads.get(cacheId);
    if (cached !== undefined) return new KeySet(cached);

    const seen = new Set<string>();
    const pending: Key[] = [];
    let minGdfo = Infinity;
    for (const node of candidates.values()) {
      if (node.parentKeys) pending.push(...node.parentKeys);
      minGdfo = Math.min(minGdfo, this.#gdfo(node));
    }
    // Nothing at or below the smallest candidate gdfo can be an ancestor of it.
    while (pending.length > 0) {
      const key = pending.pop() as Key;
      const id = keyToId(key);
      if (seen.has(id)) continue;
      seen.add(id);
      const node = this.#node(key);
      if (this.#gdfo(node) <= minGdfo) continue;
      if (node.parentKeys) pending.push(...node.parentKeys);
    }
    const heads: Key[] = [];
    for (const [id, node] of candidates) if (!seen.has(id)) heads.push(node.key);
    if (this.#cacheHeads) this.#knownHeads.set(cacheId, heads);
    return new KeySet(heads);
  }

  /** Every non-ghost node, parents before children. Throws `GraphCycle`. */
  topoSort(): Key[] {
    for (const node of this.#nodes.values()) if (node.gdfo === null) throw this.#cycle();
    const pending = this.#tails();
    const parentsDone = new ReadyCounter();
    const order: Key[] = [];
    while (pending.length > 0) {
      const node = pending.pop() as GraphNode;
      if (node.parentKeys !== null) order.push(node.key);
      for (const childKey of node.childKeys) {
        const child = this.#node(childKey);
        if (parentsDone.tick(child.id, (child.parentKeys as readonly Key[]).length)) pending.push(child);
      }
    }
    if (order.length !== this.#definedCount()) throw this.#cycle();
    return order;
  }

  /**
   * Reverse topological order, grouped by key prefix (the first element of
   * keys longer than one; prefixes in byte order), choosing among ready nodes
   * in key order so the result does not depend on the input order.
   */
  gcSort(): Key[] {
    const tipsByPrefix = new Map<string, GraphNode[]>();
    for (const node of this.#nodes.values()) {
      if (node.childKeys.length !== 0) continue;
      const prefix = node.key.length === 1 ? '' : (node.key[0] as string);
      const tips = tipsByPrefix.get(prefix);
      if (tips) tips.push(node);
      else tipsByPrefix.set(prefix, [node]);
    }
    const childrenDone = new ReadyCounter();
    const result: Key[] = [];
    for (const prefix of [...tipsByPrefix.keys()].sort(compareUtf8)) {
      // A stack holding the smallest key on top.
      const pending = (tipsByPrefix.get(prefix) as GraphNode[]).sort((a, b) => compareKeys(b.key, a.key));
      while (pending.length > 0) {
        const node = pending.pop() as GraphNode;
        if (node.parentKeys === null) continue;
        result.push(node.key);
        for (const parentKey of [...node.parentKeys].sort((a, b) => compareKeys(b, a))) {
          const parent = this.#node(parentKey);
          if (childrenDone.tick(parent.id, parent.childKeys.length)) pending.push(parent);
        }
      }
    }
    if (result.length !== this.#definedCount()) throw this.#cycle();
    return result;
  }

  /** Breezy's merge-sorted history of `tip` (see `mergeSort`), with revnos. */
  mergeSort(tip: Key): MergeSortNode[] {
    const parentMap: [Key, readonly Key[]][] = [];
    for (const node of this.#nodes.values()) if (node.parentKeys !== null) parentMap.push([node.key, node.parentKeys]);
    return mergeSort(parentMap, tip, { generateRevno: true }).map((row) => ({
      key: row.key,
      mergeDepth: row.mergeDepth,
      revno: row.revno as readonly number[],
      endOfMerge: row.endOfMerge,
    }));
  }

  #node(key: Key): GraphNode {
    const node = this.#nodes.get(keyToId(key));
    if (node === undefined) throw new RevisionNotPresent(key, 'KnownGraph');
    return node;
  }

  #nodeOrGhost(key: Key): GraphNode {
    const id = keyToId(key);
    let node = this.#nodes.get(id);
    if (node === undefined) {
      node = { key, id, parentKeys: null, childKeys: [], gdfo: null };
      this.#nodes.set(id, node);
    }
    return node;
  }

  #gdfo(node: GraphNode): number {
    if (node.gdfo === null) throw this.#cycle();
    return node.gdfo;
  }

  #tails(): GraphNode[] {
    const tails: GraphNode[] = [];
    for (const node of this.#nodes.values()) if (!node.parentKeys || node.parentKeys.length === 0) tails.push(node);
    return tails;
  }

  #definedCount(): number {
    let count = 0;
    for (const node of this.#nodes.values()) if (node.parentKeys !== null) count++;
    return count;
  }

  #cycle(): GraphCycle {
    const stuck: Key[] = [];
    for (const node of this.#nodes.values()) if (node.gdfo === null) stuck.push(node.key);
    return new GraphCycle(stuck);
  }

  /** Walks down from the roots: a child is ready once all its parents are done. */
  #findGdfo(): void {
    const parentsDone = new ReadyCounter();
    const pending = this.#tails();
    for (const node of pending) node.gdfo = 1;
    while (pending.length > 0) {
      const node = pending.pop() as GraphNode;
      const nextGdfo = (node.gdfo as number) + 1;
      for (const childKey of node.childKeys) {
        const child = this.#node(childKey);
        if (child.gdfo === null || nextGdfo > child.gdfo) child.gdfo = nextGdfo;
        if (parentsDone.tick(child.id, (child.parentKeys as readonly Key[]).length)) pending.push(child);
      }
    }
    // Breezy leaves cycle nodes with a gdfo taken from their outside parents;
    // marking everything never made ready lets every query detect the cycle.
    for (const node of this.#nodes.values()) {
      if (node.parentKeys !== null && node.parentKeys.length > 0 && !parentsDone.wasReady(node.id)) node.gdfo = null;
    }
  }
}

/**
 * Counts, per node, how many of its parents (or children) a walk has done;
 * `tick` says when the last one is done, so the walk can take the node next.
 */
class ReadyCounter {
  readonly #counts = new Map<string, number>();
  readonly #ready = new Set<string>();

  tick(id: string, needed: number): boolean {
    const count = (this.#counts.get(id) ?? 0) + 1;
    if (count !== needed) {
      this.#counts.set(id, count);
      return false;
    }
    this.#counts.delete(id);
    this.#ready.add(id);
    return true;
  }

  wasReady(id: string): boolean {
    return this.#ready.has(id);
  }
}

function sameKeys(a: readonly Key[], b: readonly Key[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (keyToId(a[i] as Key) !== keyToId(b[i] as Key)) return false;
  return true;
}
