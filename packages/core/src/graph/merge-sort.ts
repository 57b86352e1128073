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
import { toParentMap } from './parent-map.js';
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

interface Frame {
  readonly key: Key;
  readonly id: string;
  readonly depth: number;
  readonly pending: Key[];
  leftPushed: boolean;
  /** Is this node the first child (to be emitted) of its left parent; null: no left parent in the graph. */
  readonly firstChild: boolean | null;
}

interface Scheduled {
  readonly key: Key;
  readonly id: string;
  readonly depth: number;
  readonly revno: readonly number[];
}

/** Breezy's NULL_REVISION as a key: merge-sorting from it gives nothing. */
function isNullTip(tip: Key | null): boolean {
  return tip === null || (tip.length === 1 && tip[0] === 'null:');
}

/**
 * Newest-first merge-sorted rows for the ancestry of `tip` (ghosts skipped).
 * Throws `RevisionNotPresent` when `tip` is not in the graph and `GraphCycle`
 * when its ancestry has a cycle.
 */
export function mergeSort(graph: ParentMapInput, tip: Key | null, options: MergeSortOptions = {}): MergeSortRow[] {
  // id -> parents; the working copy loses entries as they are visited.
  const original = new Map<string, Key[]>();
  for (const [key, parents] of toParentMap(graph)) original.set(keyToId(key), [...parents]);
  const mainline = options.mainline ?? [];
  forceMainline(original, mainline);
  const unvisited = new Map(original);

  // id -> [revno once emitted, whether the next child to claim it is its first]
  const revnos = new Map<string, { revno: readonly number[] | null; firstChildFree: boolean }>();
  for (const id of original.keys()) revnos.set(id, { revno: null, firstChildFree: true });
  const branchCounts = new Map<number, number>();
  const completed = new Set<string>();
  const scheduled: Scheduled[] = [];
  const stack: Frame[] = [];

  const push = (key: Key, id: string, depth: number, parents: readonly Key[]): void => {
    let firstChild: boolean | null = null;
    const left = parents[0];
    const info = left === undefined ? undefined : revnos.get(keyToId(left));
    if (info !== undefined) {
      firstChild = info.firstChildFree;
      info.firstChildFree = false;
    }
    stack.push({ key, id, depth, pending: [...parents], leftPushed: false, firstChild });
  };

  const pop = (): void => {
    const frame = stack.pop() as Frame;
    const parents = original.get(frame.id) as Key[];
    const left = parents[0];
    const parentRevno = left === undefined ? null : (revnos.get(keyToId(left))?.revno ?? null);
    let revno: readonly number[];
    if (parentRevno !== null) {
      if (!frame.firstChild) {
        const base = parentRevno[0] as number;
        const count = (branchCounts.get(base) ?? 0) + 1;
        branchCounts.set(base, count);
        revno = [base, count, 1];
      } else {
        revno = [...parentRevno.slice(0, -1), (parentRevno[parentRevno.length - 1] as number) + 1];
      }
    } else {
      // Roots: the first is revno 1, later ones start branches off revno 0.
      const rootCount = (branchCounts.get(0) ?? -1) + 1;
      revno = rootCount ? [0, rootCount, 1] : [1];
      branchCounts.set(0, rootCount);
    }
    (revnos.get(frame.id) as { revno: readonly number[] | null }).revno = revno;
    completed.add(frame.id);
    scheduled.push({ key: frame.key, id: frame.id, depth: frame.depth, revno });
  };

  if (!isNullTip(tip)) {
    const tipKey = tip as Key;
    const tipId = keyToId(tipKey);
    const parents = unvisited.get(tipId);
    if (parents === undefined) throw new RevisionNotPresent(tipKey);
    unvisited.delete(tipId);
    push(tipKey, tipId, 0, parents);
  }

  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (top.pending.length === 0) {
      pop();
      continue;
    }
    while (top.pending.length > 0) {
      // The left-hand parent first (same depth), then the others from the right (one level deeper).
      let next: Key;
      let leftSubtree: boolean;
      if (!top.leftPushed) {
        next = top.pending.shift() as Key;
        leftSubtree = true;
        top.leftPushed = true;
      } else {
        next = top.pending.pop() as Key;
        leftSubtree = false;
      }
      const nextId = keyToId(next);
      if (completed.has(nextId)) continue;
      const parents = unvisited.get(nextId);
      if (parents === undefined) {
        if (original.has(nextId)) throw new GraphCycle(stack.map((f) => f.key));
        continue; // a ghost
      }
      unvisited.delete(nextId);
      push(next, nextId, top.depth + (leftSubtree ? 0 : 1), parents);
      break;
    }
  }

  const stop = mainline[0];
  const stopId = stop === undefined || stop === null ? null : keyToId(stop);
  const rows: MergeSortRow[] = [];
  for (let i = scheduled.length - 1; i >= 0; i--) {
    const node = scheduled[i] as Scheduled;
    if (node.id === stopId) break;
    const after = scheduled[i - 1];
    let endOfMerge: boolean;
    if (after === undefined || after.depth < node.depth) endOfMerge = true;
    else if (after.depth === node.depth) {
      const parents = original.get(node.id) as Key[];
      endOfMerge = !parents.some((p) => keyToId(p) === after.id);
    } else endOfMerge = false;
    const row = { sequenceNumber: rows.length, key: node.key, mergeDepth: node.depth, endOfMerge };
    rows.push(options.generateRevno ? { ...row, revno: node.revno } : row);
  }
  return rows;
}

/** Moves each mainline entry's predecessor to the front of its parents. */
function forceMainline(graph: Map<string, Key[]>, mainline: readonly (Key | null)[]): void {
  for (let i = 1; i < mainline.length; i++) {
    const parent = mainline[i - 1] as Key | null;
    const revision = mainline[i] as Key | null;
    if (parent === null) continue;
    if (revision === null) throw new InvalidKey(null, 'only the first mainline entry may be null');
    const parents = graph.get(keyToId(revision));
    if (parents === undefined) throw new RevisionNotPresent(revision);
    if (parents.length === 0) continue;
    const parentId = keyToId(parent);
    if (keyToId(parents[0] as Key) === parentId) continue;
    const at = parents.findIndex((p) => keyToId(p) === parentId);
    if (at < 0) throw new InvalidMainline(revision, parent);
    parents.splice(at, 1);
    parents.unshift(parent);
  }
}
