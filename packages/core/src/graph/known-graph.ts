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
// the keys were asked for (Breezy's frozenset has no order). Nodes point at
// each other directly, so walks never re-hash keys.

import { RevisionNotPresent } from '../errors.js';
import { KeySet, compareKeys, compareUtf8, keyToId } from '../keys.js';
import type { Key } from '../keys.js';
import { GraphCycle, ParentsMismatch } from './errors.js';
import { mergeSort } from './merge-sort.js';
import { toParentMap } from './parent-map.js';
import type { ParentMapInput } from './parent-map.js';

interface GraphNode {
  readonly key: Key;
  /** null: a ghost, named as a parent but never defined. */
  parents: GraphNode[] | null;
  readonly children: GraphNode[];
  /** null until computed; stays null on (and behind) a cycle. */
  gdfo: number | null;
  /** Walk stamp for `heads`: the walk that last saw this node. */
  seenBy: number;
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
  #walks = 0;

  constructor(parentMap: ParentMapInput, options: KnownGraphOptions = {}) {
    this.#cacheHeads = options.cacheHeads ?? true;
    for (const [key, parents] of toParentMap(parentMap)) {
      const node = this.#nodeOrGhost(key);
      node.parents = parents.map((parentKey) => this.#nodeOrGhost(parentKey));
      for (const parent of node.parents) parent.children.push(node);
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
    return this.#node(key).parents === null;
  }

  /** Parents of `key`; null for a ghost. Throws `RevisionNotPresent` for an unknown key. */
  getParentKeys(key: Key): readonly Key[] | null {
    return this.#node(key).parents?.map((p) => p.key) ?? null;
  }

  /** Children of `key`, in the order they were linked. */
  getChildKeys(key: Key): readonly Key[] {
    return this.#node(key).children.map((c) => c.key);
  }

  /**
   * Adds a node, or defines a ghost. Re-adding a node with the same parents is
   * a no-op; with other parents it throws `ParentsMismatch`.
   */
  addNode(key: Key, parentKeys: readonly Key[]): void {
    let node = this.#nodes.get(keyToId(key));
    if (node !== undefined && node.parents !== null) {
      const existing = node.parents.map((p) => p.key);
      if (sameKeys(existing, parentKeys)) return;
      throw new ParentsMismatch(key, existing, parentKeys);
    }
    if (node !== undefined) this.#knownHeads.clear(); // a ghost gets parents: old answers may change
    node ??= this.#nodeOrGhost(key);
    node.parents = [];
    let parentGdfo = 0;
    for (const parentKey of parentKeys) {
      const known = this.#nodes.get(keyToId(parentKey));
      const parent = known ?? this.#nodeOrGhost(parentKey);
      if (known === undefined) parent.gdfo = 1;
      if (parent.gdfo === null) throw this.#cycle();
      parentGdfo = Math.max(parentGdfo, parent.gdfo);
      node.parents.push(parent);
      parent.children.push(node);
    }
    node.gdfo = parentGdfo + 1;
    // Filling a ghost can raise the gdfo of everything below it.
    const queue: GraphNode[] = [node];
    for (let i = 0; i < queue.length; i++) {
      const current = queue[i] as GraphNode;
      const nextGdfo = (current.gdfo as number) + 1;
      for (const child of current.children) {
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

    const walk = ++this.#walks;
    const pending: GraphNode[] = [];
    let minGdfo = Infinity;
    for (const node of candidates.values()) {
      if (node.parents) pending.push(...node.parents);
      minGdfo = Math.min(minGdfo, this.#gdfo(node));
    }
    // Nothing at or below the smallest candidate gdfo can be an ancestor of it.
    while (pending.length > 0) {
      const node = pending.pop() as GraphNode;
      if (node.seenBy === walk) continue;
      node.seenBy = walk;
      if (this.#gdfo(node) <= minGdfo) continue;
      if (node.parents) for (const parent of node.parents) pending.push(parent);
    }
    const heads: Key[] = [];
    for (const node of candidates.values()) if (node.seenBy !== walk) heads.push(node.key);
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
      if (node.parents !== null) order.push(node.key);
      for (const child of node.children) {
        if (parentsDone.tick(child, (child.parents as GraphNode[]).length)) pending.push(child);
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
      if (node.children.length !== 0) continue;
      const prefix = node.key.length === 1 ? '' : (node.key[0] as string);
      const tips = tipsByPrefix.get(prefix);
      if (tips) tips.push(node);
      else tipsByPrefix.set(prefix, [node]);
    }
    const childrenDone = new ReadyCounter();
    const byKeyDescending = (a: GraphNode, b: GraphNode): number => compareKeys(b.key, a.key);
    const result: Key[] = [];
    for (const prefix of [...tipsByPrefix.keys()].sort(compareUtf8)) {
      // A stack holding the smallest key on top.
      const pending = (tipsByPrefix.get(prefix) as GraphNode[]).sort(byKeyDescending);
      while (pending.length > 0) {
        const node = pending.pop() as GraphNode;
        if (node.parents === null) continue;
        result.push(node.key);
        for (const parent of [...node.parents].sort(byKeyDescending)) {
          if (childrenDone.tick(parent, parent.children.length)) pending.push(parent);
        }
      }
    }
    if (result.length !== this.#definedCount()) throw this.#cycle();
    return result;
  }

  /** Breezy's merge-sorted history of `tip` (see `mergeSort`), with revnos. */
  mergeSort(tip: Key): MergeSortNode[] {
    const parentMap: [Key, Key[]][] = [];
    for (const node of this.#nodes.values()) {
      if (node.parents !== null) parentMap.push([node.key, node.parents.map((p) => p.key)]);
    }
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
      node = { key, parents: null, children: [], gdfo: null, seenBy: 0 };
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
    for (const node of this.#nodes.values()) if (!node.parents || node.parents.length === 0) tails.push(node);
    return tails;
  }

  #definedCount(): number {
    let count = 0;
    for (const node of this.#nodes.values()) if (node.parents !== null) count++;
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
      for (const child of node.children) {
        if (child.gdfo === null || nextGdfo > child.gdfo) child.gdfo = nextGdfo;
        if (parentsDone.tick(child, (child.parents as GraphNode[]).length)) pending.push(child);
      }
    }
    // Breezy leaves cycle nodes with a gdfo taken from their outside parents;
    // marking everything never made ready lets every query detect the cycle.
    for (const node of this.#nodes.values()) {
      if (node.parents !== null && node.parents.length > 0 && !parentsDone.wasReady(node)) node.gdfo = null;
    }
  }
}

/**
 * Counts, per node, how many of its parents (or children) a walk has done;
 * `tick` says when the last one is done, so the walk can take the node next.
 */
class ReadyCounter {
  readonly #counts = new Map<GraphNode, number>();
  readonly #ready = new Set<GraphNode>();

  tick(node: GraphNode, needed: number): boolean {
    const count = (this.#counts.get(node) ?? 0) + 1;
    if (count !== needed) {
      this.#counts.set(node, count);
      return false;
    }
    this.#counts.delete(node);
    this.#ready.add(node);
    return true;
  }

  wasReady(node: GraphNode): boolean {
    return this.#ready.has(node);
  }
}

function sameKeys(a: readonly Key[], b: readonly Key[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (keyToId(a[i] as Key) !== keyToId(b[i] as Key)) return false;
  return true;
}
