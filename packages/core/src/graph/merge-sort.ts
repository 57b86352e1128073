// Merge sort: Breezy's `tsort.merge_sort`, the order `log` shows a branch in.
//
// Walks from a tip, left-hand parents first, and emits newest-first rows with
// a merge depth (0 on the mainline, +1 per merge level), the dotted revno
// (`[3]` on the mainline, `[2, 1, 4]` for the 4th revision of the 1st branch
// off revno 2) and `endOfMerge` (the next row belongs to another merge).
//
// Entry point: `mergeSort(graph, tip, { mainline, generateRevno })`.
// `KnownGraph.mergeSort(tip)` calls it too.

import { InvalidKey, RevisionNotPresent } from '../errors.js';
import { keyToId } from '../keys.js';
import type { Key } from '../keys.js';
import { GraphCycle, InvalidMainline } from './errors.js';
import type { ParentMapInput } from './parent-map.js';

export interface MergeSortOptions {
  /**
   * A path through the graph, oldest first, that must be the mainline: each
   * entry's parent in the path is moved to the front of its parents. Output
   * stops before the first entry (which may be null: no stop).
   */
  readonly mainline?: readonly (Key | null)[];
  /** Include each row's dotted revno. */
  readonly generateRevno?: boolean;
}

export interface MergeSortRow {
  readonly sequenceNumber: number;
  readonly key: Key;
  readonly mergeDepth: number;
  /** Present when `generateRevno` was asked for. */
  readonly revno?: readonly number[];
  readonly endOfMerge: boolean;
}

/** A node on the walk's stack; parents still to visit are `parents[next..end)`. */
interface Frame {
  readonly node: number;
  readonly depth: number;
  next: number;
  end: number;
  leftPushed: boolean;
  /** Whether this node is the first child (to be emitted) of its left parent; null: no left parent in the graph. */
  readonly firstChild: boolean | null;
}

/** Breezy's NULL_REVISION as a key: merge-sorting from it gives nothing. */
function isNullTip(tip: Key | null): boolean {
  return tip === null || (tip.length === 1 && tip[0] === 'null:');
}

/**
 * The graph with every key (ghosts too) numbered once, so the walk works on
 * integers; `parents[i]` is null for a ghost.
 */
class NumberedGraph {
  readonly keys: Key[] = [];
  readonly parents: (number[] | null)[] = [];
  readonly #index = new Map<string, number>();

  /** A repeated key keeps its first number and its last parents, as `dict(pairs)` would. */
  constructor(graph: ParentMapInput) {
    for (const [key, parents] of graph) {
      const node = this.number(key);
      this.parents[node] = parents.map((p) => this.number(p));
    }
  }

  number(key: Key): number {
    const id = keyToId(key);
    let n = this.#index.get(id);
    if (n === undefined) {
      n = this.keys.length;
      this.#index.set(id, n);
      this.keys.push(key);
      this.parents.push(null);
    }
    return n;
  }

  find(key: Key): number | undefined {
    return this.#index.get(keyToId(key));
  }
}

/**
 * Newest-first merge-sorted rows for the ancestry of `tip` (ghosts skipped).
 * Throws `RevisionNotPresent` when `tip` is not in the graph and `GraphCycle`
 * when its ancestry has a cycle.
 */
export function mergeSort(graph: ParentMapInput, tip: Key | null, options: MergeSortOptions = {}): MergeSortRow[] {
  const g = new NumberedGraph(graph);
  const mainline = options.mainline ?? [];
  forceMainline(g, mainline);
  const count = g.keys.length;
  const visited = new Uint8Array(count);
  const completed = new Uint8Array(count);
  // Whether the next child to claim a node as its left parent is its first.
  const firstChildFree = new Uint8Array(count).fill(1);
  const revnos: (readonly number[] | null)[] = new Array<readonly number[] | null>(count).fill(null);
  const branchCounts = new Map<number, number>();
  const scheduled: { node: number; depth: number }[] = [];
  const stack: Frame[] = [];

  const push = (node: number, depth: number): void => {
    const parents = g.parents[node] as number[];
    const left = parents[0];
    let firstChild: boolean | null = null;
    if (left !== undefined && g.parents[left] !== null) {
      firstChild = firstChildFree[left] === 1;
      firstChildFree[left] = 0;
    }
    visited[node] = 1;
    stack.push({ node, depth, next: 0, end: parents.length, leftPushed: false, firstChild });
  };

  const pop = (): void => {
    const frame = stack.pop() as Frame;
    const left = (g.parents[frame.node] as number[])[0];
    const parentRevno = left === undefined ? null : revnos[left] ?? null;
    let revno: readonly number[];
    if (parentRevno !== null) {
      if (!frame.firstChild) {
        const base = parentRevno[0] as number;
        const branch = (branchCounts.get(base) ?? 0) + 1;
        branchCounts.set(base, branch);
        revno = [base, branch, 1];
      } else {
        revno = [...parentRevno.slice(0, -1), (parentRevno[parentRevno.length - 1] as number) + 1];
      }
    } else {
      // Roots: the first is revno 1, later ones start branches off revno 0.
      const rootCount = (branchCounts.get(0) ?? -1) + 1;
      revno = rootCount ? [0, rootCount, 1] : [1];
      branchCounts.set(0, rootCount);
    }
    revnos[frame.node] = revno;
    completed[frame.node] = 1;
    scheduled.push({ node: frame.node, depth: frame.depth });
  };

  if (!isNullTip(tip)) {
    const tipNode = g.find(tip as Key);
    if (tipNode === undefined || g.parents[tipNode] === null) throw new RevisionNotPresent(tip as Key);
    push(tipNode, 0);
  }

  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (top.next === top.end) {
      pop();
      continue;
    }
    const parents = g.parents[top.node] as number[];
    while (top.next < top.end) {
      // The left-hand parent first (same depth), then the others from the right (one level deeper).
      let next: number;
      let leftSubtree: boolean;
      if (!top.leftPushed) {
        next = parents[top.next++] as number;
        leftSubtree = true;
        top.leftPushed = true;
      } else {
        next = parents[--top.end] as number;
        leftSubtree = false;
      }
      if (completed[next]) continue;
      if (g.parents[next] === null) continue; // a ghost
      if (visited[next]) throw new GraphCycle(stack.map((f) => g.keys[f.node] as Key));
      push(next, top.depth + (leftSubtree ? 0 : 1));
      break;
    }
  }

  const stop = mainline[0];
  const stopNode = stop === undefined || stop === null ? undefined : g.find(stop);
  const rows: MergeSortRow[] = [];
  for (let i = scheduled.length - 1; i >= 0; i--) {
    const { node, depth } = scheduled[i] as { node: number; depth: number };
    if (node === stopNode) break;
    const after = scheduled[i - 1];
    let endOfMerge: boolean;
    if (after === undefined || after.depth < depth) endOfMerge = true;
    else if (after.depth === depth) endOfMerge = !(g.parents[node] as number[]).includes(after.node);
    else endOfMerge = false;
    const row = { sequenceNumber: rows.length, key: g.keys[node] as Key, mergeDepth: depth, endOfMerge };
    rows.push(options.generateRevno ? { ...row, revno: revnos[node] as readonly number[] } : row);
  }
  return rows;
}

/** Moves each mainline entry's predecessor to the front of its parents. */
function forceMainline(g: NumberedGraph, mainline: readonly (Key | null)[]): void {
  for (let i = 1; i < mainline.length; i++) {
    const parent = mainline[i - 1] as Key | null;
    const revision = mainline[i] as Key | null;
    if (parent === null) continue;
    if (revision === null) throw new InvalidKey(null, 'only the first mainline entry may be null');
    const node = g.find(revision);
    const parents = node === undefined ? null : g.parents[node];
    if (parents === null || parents === undefined) throw new RevisionNotPresent(revision);
    if (parents.length === 0) continue;
    const parentNode = g.find(parent);
    const at = parentNode === undefined ? -1 : parents.indexOf(parentNode);
    if (at === 0) continue;
    if (at < 0) throw new InvalidMainline(revision, parent);
    parents.splice(at, 1);
    parents.unshift(parentNode as number);
  }
}
