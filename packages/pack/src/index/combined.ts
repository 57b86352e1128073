// One index over several, as Breezy's `CombinedGraphIndex`: queries go to
// each child in turn; a key found in one child is not reported again.
//
// Entry point: `CombinedGraphIndex` — `insertIndex`, `indices`, and the
// `GraphIndexReader` methods. After a lookup, the children that answered move
// to the front (keeping their relative order), since the next lookup tends
// to want the same packs. When a child's file has vanished (core's
// `NoSuchFile`, e.g. another process repacked), the optional `reload`
// callback is asked to refresh the children, and the query is retried once
// per successful reload.

import { KeySet, NoSuchFile } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import type { GraphIndexReader, IndexEntry, PrefixKey } from '../format/index-common.js';

export interface CombinedGraphIndexOptions {
  /** Refreshes the children after a `NoSuchFile`; resolves true when something changed. */
  readonly reload?: () => Promise<boolean>;
}

export class CombinedGraphIndex implements GraphIndexReader {
  #indices: GraphIndexReader[];
  #names: (string | null)[];
  readonly #reload: (() => Promise<boolean>) | undefined;

  constructor(indices: readonly GraphIndexReader[] = [], options: CombinedGraphIndexOptions = {}) {
    this.#indices = [...indices];
    this.#names = indices.map(() => null);
    this.#reload = options.reload;
  }

  /** The children, in query order. */
  get indices(): readonly GraphIndexReader[] {
    return this.#indices;
  }

  /** The name given for each child (a pack name), in query order. */
  get names(): readonly (string | null)[] {
    return this.#names;
  }

  insertIndex(position: number, index: GraphIndexReader, name: string | null = null): void {
    this.#indices.splice(position, 0, index);
    this.#names.splice(position, 0, name);
  }

  /** Replaces all children (what a reload does). */
  setIndices(indices: readonly GraphIndexReader[], names: readonly (string | null)[] = indices.map(() => null)): void {
    this.#indices = [...indices];
    this.#names = [...names];
  }

  removeIndex(index: GraphIndexReader): void {
    const at = this.#indices.indexOf(index);
    if (at >= 0) {
      this.#indices.splice(at, 1);
      this.#names.splice(at, 1);
    }
  }

  async *iterAllEntries(): AsyncIterable<IndexEntry> {
    const seen = new KeySet();
    yield* this.#retrying(async function* (indices) {
      for (const index of indices) {
        for await (const entry of index.iterAllEntries()) {
          if (seen.has(entry.key)) continue;
          seen.add(entry.key);
          yield entry;
        }
      }
    });
  }

  async *iterEntries(keys: Iterable<Key>): AsyncIterable<IndexEntry> {
    const remaining = new KeySet(keys);
    if (remaining.size === 0) return;
    const hit: GraphIndexReader[] = [];
    yield* this.#retrying(async function* (indices) {
      for (const index of indices) {
        if (remaining.size === 0) break;
        let any = false;
        for await (const entry of index.iterEntries([...remaining])) {
          if (!remaining.has(entry.key)) continue;
          remaining.delete(entry.key);
          any = true;
          yield entry;
        }
        if (any && !hit.includes(index)) hit.push(index);
      }
    });
    this.#moveToFront(hit);
  }

  async *iterEntriesPrefix(prefixes: Iterable<PrefixKey>): AsyncIterable<IndexEntry> {
    const list = [...prefixes];
    if (list.length === 0) return;
    const seen = new KeySet();
    const hit: GraphIndexReader[] = [];
    yield* this.#retrying(async function* (indices) {
      for (const index of indices) {
        let any = false;
        for await (const entry of index.iterEntriesPrefix(list)) {
          if (seen.has(entry.key)) continue;
          seen.add(entry.key);
          any = true;
          yield entry;
        }
        if (any && !hit.includes(index)) hit.push(index);
      }
    });
    this.#moveToFront(hit);
  }

  async keyCount(): Promise<number> {
    return this.#withReload(async () => {
      let sum = 0;
      for (const index of this.#indices) sum += await index.keyCount();
      return sum;
    });
  }

  /** References from list `refList` of any child to keys no child holds. */
  async externalReferences(refList: number): Promise<KeySet> {
    const candidates = new KeySet();
    for (const index of this.#indices) for (const ref of await index.externalReferences(refList)) candidates.add(ref);
    for await (const entry of this.iterEntries(candidates)) candidates.delete(entry.key);
    return candidates;
  }

  async validate(): Promise<void> {
    await this.#withReload(async () => {
      for (const index of this.#indices) await index.validate();
    });
  }

  /**
   * Runs a query over the children; on `NoSuchFile`, reloads and runs it again
   * (it must skip what it already yielded itself — each query keeps a seen set).
   */
  async *#retrying<T>(query: (indices: readonly GraphIndexReader[]) => AsyncIterable<T>): AsyncIterable<T> {
    for (;;) {
      try {
        yield* query([...this.#indices]);
        return;
      } catch (err) {
        if (!(await this.#reloaded(err))) throw err;
      }
    }
  }

  async #withReload<T>(run: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        if (!(await this.#reloaded(err))) throw err;
      }
    }
  }

  /** After a vanished file, asks the owner to reload; true when the query should run again. */
  async #reloaded(err: unknown): Promise<boolean> {
    return err instanceof NoSuchFile && this.#reload !== undefined && (await this.#reload());
  }

  #moveToFront(hit: readonly GraphIndexReader[]): void {
    if (hit.length === 0 || hit.every((index, i) => this.#indices[i] === index)) return;
    const order = [...hit, ...this.#indices.filter((i) => !hit.includes(i))];
    const nameOf = new Map(this.#indices.map((index, i) => [index, this.#names[i] ?? null] as const));
    this.#indices = order;
    this.#names = order.map((index) => nameOf.get(index) ?? null);
  }
}
