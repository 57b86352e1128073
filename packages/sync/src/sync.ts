// `syncVersionedFiles`: copy what a target lacks from a source, by record stream.
//
// 1. graph: the keys wanted — the ancestry of `heads`, or every key the source
//    and its fallbacks hold — with their parents;
// 2. compare: which of them the target lacks (asked in bounded batches);
// 3. copy: the missing keys, parents before children, in batches of
//    `batchSize`, from `source.getRecordStream(batch, 'topological', false)`
//    into `target.insertRecordStream`. Records travel in the source's native
//    kind, so a target of the same format stores them as they are (knit deltas
//    stay deltas) and any other target converts them through core's adapter
//    registry, taking a delta's basis from what it already holds.
//
// Because every record lands after its parents, a sync stopped at any point —
// an AbortSignal, a crash — leaves the target holding whole texts with their
// ancestry; running it again copies only what is still missing.
//
// Entry points: `syncVersionedFiles`, `SyncSource`, `SyncTarget`,
// `SyncOptions`, `SyncResult`, `allKeys`, `ancestryOf`.

import { KeyMap, KeySet, RevisionNotPresent, throwIfAborted, topoSort } from '@versionedfiles/core';
import type { Key, Parents, VersionedFiles, WorkOptions } from '@versionedfiles/core';

/** What a sync reads from: a local store of whichever backend, or a remote one. */
export type SyncSource = Pick<VersionedFiles, 'getParentMap' | 'getRecordStream' | 'keys'> & {
  readonly fallbacks?: readonly VersionedFiles[];
};

/** What a sync writes to. */
export type SyncTarget = Pick<VersionedFiles, 'getParentMap' | 'insertRecordStream'>;

export interface SyncOptions extends WorkOptions {
  /** Copy only the ancestry of these keys (default: everything the source holds). */
  readonly heads?: Iterable<Key>;
  /** Keys per record stream (default 500): bounds what one insert holds and what an abort can lose. */
  readonly batchSize?: number;
  /** Ask the source for self-contained records (default false: reuse its deltas). */
  readonly includeDeltaClosure?: boolean;
}

export interface SyncResult {
  /** Keys in the wanted history. */
  readonly wanted: number;
  /** Keys the target lacked and now holds. */
  readonly copied: number;
}

/** Keys asked of a store in one lookup; keeps remote requests small. */
const LOOKUP_BATCH = 1000;

export async function syncVersionedFiles(source: SyncSource, target: SyncTarget, options: SyncOptions = {}): Promise<SyncResult> {
  const { signal, progress } = options;
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  throwIfAborted(signal);

  const graph = options.heads ? await ancestryOf(source, options.heads, options) : await parentsOfAll(source, options);
  progress?.({ phase: 'graph', done: graph.size, total: graph.size });

  const present = new KeySet();
  const wanted = [...graph.keys()];
  for (let i = 0; i < wanted.length; i += LOOKUP_BATCH) {
    throwIfAborted(signal);
    for (const key of (await target.getParentMap(wanted.slice(i, i + LOOKUP_BATCH))).keys()) present.add(key);
    progress?.({ phase: 'compare', done: Math.min(i + LOOKUP_BATCH, wanted.length), total: wanted.length });
  }
  const missing = new KeyMap<readonly Key[]>();
  for (const [key, parents] of graph) {
    if (!present.has(key)) missing.set(key, (parents ?? []).filter((p) => graph.has(p) && !present.has(p)));
  }
  const order = topoSort(missing);

  let copied = 0;
  const work = signal ? { signal } : {};
  for (let i = 0; i < order.length; i += batchSize) {
    throwIfAborted(signal);
    const batch = order.slice(i, i + batchSize);
    const stream = source.getRecordStream(batch, 'topological', options.includeDeltaClosure ?? false, work);
    await target.insertRecordStream(counted(stream), work);
  }
  return { wanted: graph.size, copied };

  async function* counted<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const record of stream) {
      yield record;
      copied += 1;
      progress?.({ phase: 'copy', done: copied, total: order.length });
    }
  }
}

/** The keys and parents of `heads` and all their ancestors the source holds (ghosts left out). */
export async function ancestryOf(source: Pick<SyncSource, 'getParentMap'>, heads: Iterable<Key>, options: WorkOptions = {}): Promise<KeyMap<Parents>> {
  const graph = new KeyMap<Parents>();
  const asked = new KeySet(heads);
  let frontier = [...asked];
  let first = true;
  while (frontier.length > 0) {
    throwIfAborted(options.signal);
    const map = await source.getParentMap(frontier);
    if (first) for (const head of frontier) if (!map.has(head)) throw new RevisionNotPresent(head);
    first = false;
    const next: Key[] = [];
    for (const [key, parents] of map) {
      graph.set(key, parents);
      for (const p of parents ?? []) {
        if (!asked.has(p)) {
          asked.add(p);
          next.push(p);
        }
      }
    }
    options.progress?.({ phase: 'graph', done: graph.size, total: null });
    frontier = next;
  }
  return graph;
}

/** Every key of the store and its fallbacks, depth first, each once. */
export async function allKeys(store: SyncSource): Promise<KeySet> {
  const out = new KeySet();
  const seen = new Set<SyncSource>();
  const walk = async (s: SyncSource): Promise<void> => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const key of await s.keys()) out.add(key);
    for (const fb of s.fallbacks ?? []) await walk(fb);
  };
  await walk(store);
  return out;
}

async function parentsOfAll(source: SyncSource, options: WorkOptions): Promise<KeyMap<Parents>> {
  const keys = [...(await allKeys(source))];
  const graph = new KeyMap<Parents>();
  for (let i = 0; i < keys.length; i += LOOKUP_BATCH) {
    throwIfAborted(options.signal);
    for (const [key, parents] of await source.getParentMap(keys.slice(i, i + LOOKUP_BATCH))) graph.set(key, parents);
  }
  return graph;
}
