// Planning merges of texts that do not share one weave, as Breezy's
// `_PlanMergeVersionedFile`, `_PlanMerge` and `_PlanLCAMerge`.
//
// Entry points: `PlanMergeVersionedFiles` (uncommitted texts under reserved
// ids such as `this:`, on top of fallback stores holding the history;
// `planMerge(a, b, base?)`, `planLcaMerge(a, b, base?)`), `subtractPlans`.
//
// `planMerge` builds a small in-memory weave from just the part of the history
// that matters (the two tips and their recursive lowest common ancestors, in
// merge-sorted order so left-hand parents go in first) and asks it for the
// plan. `planLcaMerge` compares each side only with the LCAs and marks a line
// that is new against one LCA but old against another as conflicted.
//
// Graph questions are answered on the ancestry of the two tips, loaded once.

import {
  AbsentContentFactory,
  ChunkedContentFactory,
  InvalidKey,
  KeyMap,
  KeySet,
  RevisionNotPresent,
  isAbsent,
  keysEqual,
  latin1,
  matchingBlocks,
  mergeSort,
  type ContentFactory,
  type Key,
  type MatchingBlock,
  type VersionedFiles,
} from '@versionedfiles/core';
import { NULL_REVISION, Weave, type PlanLine, type PlanState } from '../weave.js';

/** The parent of every root in this store's graph, as Breezy's bare `null:`. */
export const NULL_KEY: Key = Object.freeze([NULL_REVISION]);
const CURRENT_REVISION = 'current:';

/** Breezy's reserved ids: they end in ':' and are never committed. */
export function isReservedId(revisionId: string): boolean {
  return revisionId.endsWith(':');
}

export class PlanMergeVersionedFiles {
  readonly #parents = new KeyMap<readonly Key[]>();
  readonly #lines = new KeyMap<readonly Uint8Array[]>();
  readonly #fallbacks: VersionedFiles[] = [];

  constructor(readonly fileId: string) {}

  get fallbacks(): readonly VersionedFiles[] {
    return this.#fallbacks;
  }

  /** Stores consulted, in order, for texts and parents this one does not hold. */
  addFallbackVersionedFiles(store: VersionedFiles): void {
    this.#fallbacks.push(store);
  }

  /** Holds an uncommitted text; only reserved ids (ending in ':') are allowed, ghosts are. */
  addLines(key: Key, parents: readonly Key[], lines: readonly Uint8Array[]): void {
    const last = key[key.length - 1];
    if (last === undefined || !isReservedId(last)) {
      throw new InvalidKey(key, 'only reserved ids (ending in ":") may be added to a plan-merge store');
    }
    this.#parents.set(key, [...parents]);
    this.#lines.set(key, [...lines]);
  }

  addContent(record: ContentFactory): void {
    this.addLines(record.key, record.parents ?? [], record.getBytesAs('lines'));
  }

  /** Local texts first, then each fallback for the rest, then absent records. */
  async *getRecordStream(keys: Iterable<Key>): AsyncGenerator<ContentFactory> {
    const pending = new KeySet(keys);
    for (const key of [...pending]) {
      const lines = this.#lines.get(key);
      if (lines === undefined) continue;
      pending.delete(key);
      yield new ChunkedContentFactory(key, this.#parents.get(key) ?? [], null, lines, true);
    }
    for (const store of this.#fallbacks) {
      if (pending.size === 0) return;
      for await (const record of store.getRecordStream([...pending], 'unordered', true)) {
        if (isAbsent(record)) continue;
        pending.delete(record.key);
        yield record;
      }
    }
    for (const key of pending) yield new AbsentContentFactory(key);
  }

  /**
   * Parents from this store, then the fallbacks. Roots get `[NULL_KEY]` as
   * their parents, and `NULL_KEY` itself maps to `[]`, as in Breezy.
   */
  async getParentMap(keys: Iterable<Key>): Promise<KeyMap<readonly Key[]>> {
    const result = new KeyMap<readonly Key[]>();
    let remaining = new KeySet(keys);
    if (remaining.has(NULL_KEY)) {
      remaining.delete(NULL_KEY);
      result.set(NULL_KEY, []);
    }
    for (const key of remaining) {
      const parents = this.#parents.get(key);
      if (parents !== undefined) result.set(key, parents);
    }
    for (const store of this.#fallbacks) {
      remaining = new KeySet([...remaining].filter((k) => !result.has(k)));
      if (remaining.size === 0) break;
      for (const [key, parents] of await store.getParentMap(remaining)) result.set(key, parents ?? []);
    }
    for (const [key, parents] of result) {
      if (parents.length === 0 && !keysEqual(key, NULL_KEY)) result.set(key, [NULL_KEY]);
    }
    return result;
  }

  /** Breezy's `plan_merge`: the weave plan of a against b, minus b's changes since `base`. */
  async planMerge(a: string, b: string, base?: string): Promise<PlanLine[]> {
    const newPlan = await this.#annotatePlan(a, b);
    if (base === undefined) return newPlan;
    return subtractPlans(await this.#annotatePlan(a, base), newPlan);
  }

  /** Breezy's `plan_lca_merge`. */
  async planLcaMerge(a: string, b: string, base?: string): Promise<PlanLine[]> {
    const newPlan = await this.#lcaPlan(a, b);
    if (base === undefined) return newPlan;
    return subtractPlans(await this.#lcaPlan(a, base), newPlan);
  }

  #key(revisionId: string): Key {
    return [this.fileId, revisionId];
  }

  /** Lines of each revision; `RevisionNotPresent` for one no store has. */
  async #texts(revisionIds: Iterable<string>): Promise<Map<string, readonly Uint8Array[]>> {
    const out = new Map<string, readonly Uint8Array[]>();
    for await (const record of this.getRecordStream([...revisionIds].map((r) => this.#key(r)))) {
      if (isAbsent(record)) throw new RevisionNotPresent(record.key, `plan merge of ${this.fileId}`);
      out.set(record.key[record.key.length - 1] as string, record.getBytesAs('lines'));
    }
    return out;
  }

  /** `_PlanMerge`: plan through an in-memory weave of the relevant history. */
  async #annotatePlan(a: string, b: string): Promise<PlanLine[]> {
    const aKey = this.#key(a);
    const bKey = this.#key(b);
    const graph = await AncestryGraph.load(this, [aKey, bKey]);
    const heads = graph.heads([aKey, bKey]);
    if (heads.size === 1) {
      // One side already contains the other: everything comes from it.
      const head = [...heads][0] as Key;
      const state: PlanState = keysEqual(head, aKey) ? 'new-a' : 'new-b';
      const revision = head[head.length - 1] as string;
      const lines = (await this.#texts([revision])).get(revision) as readonly Uint8Array[];
      return lines.map((line) => [state, line]);
    }
    const parentMap = recursiveLcaParents(graph, aKey, bKey);
    const wanted = new KeySet(parentMap.keys()).add(aKey).add(bKey);
    const texts = await this.#texts([...wanted].map((k) => k[k.length - 1] as string));
    const weave = new Weave('in_memory_weave', { allowReserved: true });
    const tip = this.#key(CURRENT_REVISION);
    parentMap.set(tip, [aKey, bKey]);
    for (const row of mergeSort(parentMap, tip).reverse()) {
      if (keysEqual(row.key, tip)) continue;
      const revision = row.key[row.key.length - 1] as string;
      const parents = (parentMap.get(row.key) ?? []).map((p) => p[p.length - 1] as string);
      weave.addLines(revision, parents, texts.get(revision) as readonly Uint8Array[]);
    }
    return weave.planMerge(a, b);
  }

  /** `_PlanLCAMerge`: classify each side's unique lines against every LCA. */
  async #lcaPlan(a: string, b: string): Promise<PlanLine[]> {
    const aKey = this.#key(a);
    const bKey = this.#key(b);
    const graph = await AncestryGraph.load(this, [aKey, bKey]);
    const lcas = [...graph.findLca([aKey, bKey])].map((k) => (keysEqual(k, NULL_KEY) ? NULL_REVISION : (k[k.length - 1] as string)));
    const texts = await this.#texts([a, b, ...lcas.filter((l) => l !== NULL_REVISION)]);
    const linesA = texts.get(a) as readonly Uint8Array[];
    const linesB = texts.get(b) as readonly Uint8Array[];
    const lcaLines = lcas.map((l) => (l === NULL_REVISION ? [] : (texts.get(l) as readonly Uint8Array[])));
    // Why each side's unique lines are unique: new against some LCA, and/or
    // present in some LCA (so the other side killed them); both is a conflict.
    const status = (lines: readonly Uint8Array[], unique: readonly number[]): { added: Set<number>; killed: Set<number> } => {
      const added = new Set<number>();
      const killed = new Set<number>();
      for (const base of lcaLines) {
        const uniqueVsLca = new Set(uniqueLines(matchingBlocks(lines, base))[0]);
        for (const i of unique) (uniqueVsLca.has(i) ? added : killed).add(i);
      }
      return { added, killed };
    };
    const blocks = matchingBlocks(linesA, linesB);
    const [uniqueA, uniqueB] = uniqueLines(blocks);
    const sideA = status(linesA, uniqueA);
    const sideB = status(linesB, uniqueB);
    const out: PlanLine[] = [];
    let lastI = 0;
    let lastJ = 0;
    for (const [i, j, n] of blocks) {
      for (let x = lastI; x < i; x++) {
        const state: PlanState = sideA.added.has(x) ? (sideA.killed.has(x) ? 'conflicted-a' : 'new-a') : 'killed-b';
        out.push([state, linesA[x] as Uint8Array]);
      }
      for (let y = lastJ; y < j; y++) {
        const state: PlanState = sideB.added.has(y) ? (sideB.killed.has(y) ? 'conflicted-b' : 'new-b') : 'killed-a';
        out.push([state, linesB[y] as Uint8Array]);
      }
      for (let x = i; x < i + n; x++) out.push(['unchanged', linesA[x] as Uint8Array]);
      lastI = i + n;
      lastJ = j + n;
    }
    return out;
  }
}

/** Line numbers outside the matching blocks, on each side. */
function uniqueLines(blocks: readonly MatchingBlock[]): [number[], number[]] {
  const left: number[] = [];
  const right: number[] = [];
  let lastI = 0;
  let lastJ = 0;
  for (const [i, j, n] of blocks) {
    for (let x = lastI; x < i; x++) left.push(x);
    for (let y = lastJ; y < j; y++) right.push(y);
    lastI = i + n;
    lastJ = j + n;
  }
  return [left, right];
}

/**
 * Removes from `newPlan` what `oldPlan` (the same a against another b) already
 * says about b: matching `new-b` lines are dropped and matching `killed-b`
 * lines become `unchanged`.
 */
export function subtractPlans(oldPlan: readonly PlanLine[], newPlan: readonly PlanLine[]): PlanLine[] {
  const asText = (plan: readonly PlanLine[]): string[] => plan.map(([state, line]) => `${state}\u0000${latin1(line)}`);
  const out: PlanLine[] = [];
  let lastJ = 0;
  for (const [, j, n] of matchingBlocks(asText(oldPlan), asText(newPlan))) {
    for (let k = lastJ; k < j; k++) out.push(newPlan[k] as PlanLine);
    for (let k = j; k < j + n; k++) {
      const [state, line] = newPlan[k] as PlanLine;
      if (state === 'new-b') continue;
      out.push(state === 'killed-b' ? ['unchanged', line] : [state, line]);
    }
    lastJ = j + n;
  }
  return out;
}

/** The ancestry of some tips, loaded once through `getParentMap`; ghosts have no entry. */
class AncestryGraph {
  readonly #ancestors = new KeyMap<KeySet>();
  private constructor(readonly parents: KeyMap<readonly Key[]>) {}

  static async load(store: PlanMergeVersionedFiles, tips: readonly Key[]): Promise<AncestryGraph> {
    const parents = new KeyMap<readonly Key[]>();
    let pending = new KeySet(tips);
    while (pending.size > 0) {
      const found = await store.getParentMap(pending);
      const next = new KeySet();
      for (const [key, ps] of found) {
        parents.set(key, ps);
        for (const p of ps) if (!parents.has(p) && !found.has(p)) next.add(p);
      }
      pending = next;
    }
    return new AncestryGraph(parents);
  }

  /** The key and everything it descends from (present nodes only, ghosts included as leaves). */
  ancestry(key: Key): KeySet {
    const cached = this.#ancestors.get(key);
    if (cached) return cached;
    const out = new KeySet();
    const stack = [key];
    while (stack.length > 0) {
      const k = stack.pop() as Key;
      if (out.has(k)) continue;
      out.add(k);
      for (const p of this.parents.get(k) ?? []) if (!out.has(p)) stack.push(p);
    }
    this.#ancestors.set(key, out);
    return out;
  }

  /** Keys not reachable from another of the keys; `NULL_KEY` only when alone. */
  heads(keys: Iterable<Key>): KeySet {
    const candidates = new KeySet(keys);
    if (candidates.has(NULL_KEY) && candidates.size > 1) candidates.delete(NULL_KEY);
    const out = new KeySet();
    for (const c of candidates) {
      let reachable = false;
      for (const other of candidates) {
        if (!keysEqual(other, c) && this.ancestry(other).has(c)) {
          reachable = true;
          break;
        }
      }
      if (!reachable) out.add(c);
    }
    return out;
  }

  /** Common ancestors none of whose descendants are common ancestors. */
  findLca(keys: readonly Key[]): KeySet {
    const [first, ...rest] = keys.map((k) => this.ancestry(k));
    const common = [...(first ?? [])].filter((k) => rest.every((s) => s.has(k)));
    return this.heads(common);
  }

  /** Breezy's `find_merge_order`: the LCAs in the order a left-first walk back from tip meets them. */
  findMergeOrder(tip: Key, lcas: readonly Key[]): Key[] {
    if (lcas.length === 1) return [...lcas];
    const lookingFor = new KeySet(lcas);
    const stack = [tip];
    const found: Key[] = [];
    const stop = new KeySet();
    while (stack.length > 0 && lookingFor.size > 0) {
      const next = stack.pop() as Key;
      stop.add(next);
      if (lookingFor.has(next)) {
        found.push(next);
        lookingFor.delete(next);
        if (lookingFor.size === 1) {
          found.push(...lookingFor);
          break;
        }
        continue;
      }
      const parents = this.parents.get(next) ?? [];
      for (let i = parents.length - 1; i >= 0; i--) {
        const p = parents[i] as Key;
        if (!stop.has(p)) stack.push(p);
        stop.add(p);
      }
    }
    return found;
  }

  /** Ancestors of `tip` that are not ancestors of any of `common`. */
  findUniqueAncestors(tip: Key, common: readonly Key[]): KeySet {
    const excluded = new KeySet();
    for (const c of common) for (const k of this.ancestry(c)) excluded.add(k);
    return new KeySet([...this.ancestry(tip)].filter((k) => !excluded.has(k)));
  }
}

/**
 * `_PlanMerge._find_recursive_lcas`: the parent map of the tips and their
 * LCAs, recursively, until one LCA (or none) is left; with more than two LCAs,
 * every node between them and their unique LCA, linear runs collapsed.
 */
function recursiveLcaParents(graph: AncestryGraph, aKey: Key, bKey: Key): KeyMap<readonly Key[]> {
  const parentMap = new KeyMap<readonly Key[]>();
  let current: Key[] = [aKey, bKey];
  for (;;) {
    let lcas = [...graph.findLca(current)];
    if (lcas.length === 1 && keysEqual(lcas[0] as Key, NULL_KEY)) lcas = [];
    for (const key of current) parentMap.set(key, graph.findMergeOrder(key, lcas));
    if (lcas.length === 0) break;
    if (lcas.length === 1) {
      parentMap.set(lcas[0] as Key, []);
      break;
    }
    if (lcas.length > 2) {
      let cur = lcas;
      while (cur.length > 1) cur = [...graph.findLca(cur)];
      const unique = cur.length === 0 || keysEqual(cur[0] as Key, NULL_KEY) ? null : (cur[0] as Key);
      for (const [k, v] of uniqueParents(graph, lcas, unique)) parentMap.set(k, v);
      break;
    }
    current = lcas;
  }
  return parentMap;
}

/** `_PlanMerge._find_unique_parents`: the graph between `tips` and `base`, trimmed and collapsed. */
function uniqueParents(graph: AncestryGraph, tips: readonly Key[], base: Key | null): KeyMap<readonly Key[]> {
  const parentMap = new KeyMap<readonly Key[]>();
  if (base === null) {
    for (const tip of tips) {
      for (const k of graph.ancestry(tip)) {
        if (keysEqual(k, NULL_KEY)) continue;
        parentMap.set(k, graph.parents.get(k) ?? []);
      }
    }
  } else {
    for (const tip of tips) {
      for (const k of graph.findUniqueAncestors(tip, [base])) {
        const ps = graph.parents.get(k);
        if (ps !== undefined) parentMap.set(k, ps);
      }
    }
    parentMap.set(base, []);
  }
  // Drop references outside the map; note the children and the tails.
  const culled = new KeyMap<Key[]>();
  const children = new KeyMap<Key[]>();
  const tails: Key[] = [];
  for (const [key, ps] of parentMap) {
    const kept = ps.filter((p) => parentMap.has(p));
    if (kept.length === 0) tails.push(key);
    for (const p of kept) {
      const list = children.get(p) ?? [];
      list.push(key);
      children.set(p, list);
    }
    if (!children.has(key)) children.set(key, []);
    culled.set(key, kept);
  }
  if (base !== null) {
    // Remove every tail but the base, and whatever that leaves without parents.
    const toRemove = tails.filter((t) => !keysEqual(t, base));
    while (toRemove.length > 0) {
      const next = toRemove.pop() as Key;
      culled.delete(next);
      for (const child of children.get(next) ?? []) {
        const ps = culled.get(child);
        if (ps === undefined) continue;
        ps.splice(ps.findIndex((p) => keysEqual(p, next)), 1);
        if (ps.length === 0) toRemove.push(child);
      }
      children.delete(next);
    }
  }
  return collapseLinearRegions(culled);
}

/** Breezy's `collapse_linear_regions`: drop nodes that only link one parent to one child. */
export function collapseLinearRegions(parentMap: KeyMap<readonly Key[]>): KeyMap<readonly Key[]> {
  const children = new KeyMap<Key[]>();
  for (const [child, parents] of parentMap) {
    if (!children.has(child)) children.set(child, []);
    for (const p of parents) {
      const list = children.get(p) ?? [];
      list.push(child);
      children.set(p, list);
    }
  }
  const result = new KeyMap<readonly Key[]>(parentMap);
  for (const node of parentMap.keys()) {
    const parents = result.get(node);
    if (parents === undefined || parents.length !== 1) continue;
    const parent = parents[0] as Key;
    if ((children.get(parent) ?? []).length !== 1) continue;
    const nodeChildren = children.get(node) ?? [];
    if (nodeChildren.length !== 1) continue;
    const child = nodeChildren[0] as Key;
    if ((result.get(child) ?? []).length !== 1) continue;
    result.set(child, parents);
    children.set(parent, nodeChildren);
    result.delete(node);
    children.delete(node);
  }
  return result;
}
