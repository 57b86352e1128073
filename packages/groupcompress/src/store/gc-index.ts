// The index of a groupcompress store (Breezy's `_GCGraphIndex`): one node per
// text, keyed by the text's key, with
//   value      = "BLOCK_OFFSET BLOCK_LENGTH START END"  (ASCII decimals: the
//                block's container record span, then the text's range in the
//                block content)
//   references = [parents]  (one list when the store keeps a graph, none else)
//
// Entry points: `GroupIndexEntry`, `GroupIndex` (the interface the store
// uses), `MemoryGroupIndex` (nodes in memory, also fed to a `BTreeBuilder`
// as Breezy's `make_pack_factory` does) and `ReaderGroupIndex` (any pack
// `GraphIndexReader`, e.g. a collection's combined text index), and
// `encodeGroupValue`/`parseGroupValue`.

import { KeyMap, KeySet, ReadOnlyError, keysEqual, latin1, utf8 } from '@versionedfiles/core';
import type { Key, Parents } from '@versionedfiles/core';
import { BTreeBuilder } from '@versionedfiles/pack';
import type { GraphIndexReader, IndexEntry } from '@versionedfiles/pack';
import { GroupCompressCorrupt } from '../format/errors.js';
import type { BlockMemo } from './access.js';

export interface GroupIndexEntry {
  readonly key: Key;
  /** null in a store without a graph. */
  readonly parents: Parents;
  readonly block: BlockMemo;
  readonly start: number;
  readonly end: number;
}

export interface GroupIndex {
  readonly hasGraph: boolean;
  getEntries(keys: readonly Key[]): Promise<KeyMap<GroupIndexEntry>>;
  keys(): Promise<KeySet>;
  /**
   * Adds nodes. Keys already present are skipped (never replaced); with other
   * parents, unless `randomId`, they are corrupt, as in Breezy.
   */
  addEntries(entries: readonly GroupIndexEntry[], randomId: boolean): Promise<void>;
}

export function encodeGroupValue(e: { block: BlockMemo; start: number; end: number }): Uint8Array {
  return utf8(`${e.block.offset} ${e.block.length} ${e.start} ${e.end}`);
}

/** Reads the four decimals of an index value (at most 15 digits each, one space between). */
export function parseGroupValue(value: Uint8Array, key: Key, pack: string): { block: BlockMemo; start: number; end: number } {
  const nums = [0, 0, 0, 0];
  let field = 0;
  let digits = 0;
  for (let i = 0; i <= value.length; i++) {
    const c = i < value.length ? (value[i] as number) : 0x20;
    if (c >= 0x30 && c <= 0x39 && digits < 15 && field < 4) {
      nums[field] = (nums[field] as number) * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x20 && digits > 0 && field < 4) {
      field++;
      digits = 0;
    } else {
      field = -1;
      break;
    }
  }
  if (field !== 4) throw new GroupCompressCorrupt(`bad index value ${JSON.stringify(latin1(value))}`, { key, source: pack });
  const [offset, length, start, end] = nums as [number, number, number, number];
  if (end < start) throw new GroupCompressCorrupt(`bad record range in index value`, { key, source: pack });
  return { block: { pack, offset, length }, start, end };
}

function sameParents(a: Parents, b: Parents): boolean {
  if (a === null || b === null) return (a ?? []).length === 0 && (b ?? []).length === 0;
  return a.length === b.length && a.every((k, i) => keysEqual(k, b[i] as Key));
}

/** Nodes held in memory, mirrored into a B+Tree builder. */
export class MemoryGroupIndex implements GroupIndex {
  readonly builder: BTreeBuilder;
  readonly #entries = new KeyMap<GroupIndexEntry>();

  constructor(
    readonly hasGraph: boolean,
    keyLength: number,
  ) {
    this.builder = new BTreeBuilder({ referenceLists: hasGraph ? 1 : 0, keyElements: keyLength });
  }

  async getEntries(keys: readonly Key[]): Promise<KeyMap<GroupIndexEntry>> {
    const out = new KeyMap<GroupIndexEntry>();
    for (const k of keys) {
      const e = this.#entries.get(k);
      if (e) out.set(k, e);
    }
    return out;
  }

  async keys(): Promise<KeySet> {
    return new KeySet(this.#entries.keys());
  }

  async addEntries(entries: readonly GroupIndexEntry[], randomId: boolean): Promise<void> {
    // A key given twice in one batch: the last wins (Breezy builds a dict).
    const batch = new KeyMap<GroupIndexEntry>();
    for (const e of entries) {
      if (!this.hasGraph && e.parents !== null && e.parents.length > 0) {
        throw new GroupCompressCorrupt('attempt to add node with parents in parentless index', { key: e.key });
      }
      batch.set(e.key, { ...e, parents: this.hasGraph ? (e.parents ?? []) : null });
    }
    for (const [key, e] of [...batch]) {
      const existing = this.#entries.get(key);
      if (existing === undefined) continue;
      // A present key is never replaced; unless the caller vouched for a
      // random id, different parents mean an inconsistent store.
      if (!randomId && !sameParents(existing.parents, e.parents)) {
        throw new GroupCompressCorrupt('inconsistent details in add_records', { key });
      }
      batch.delete(key);
    }
    for (const [key, e] of batch) {
      this.builder.addNode(key, encodeGroupValue(e), this.hasGraph ? [e.parents ?? []] : []);
      this.#entries.set(key, e);
    }
  }
}

/** A read-only index over pack index readers; `packOf` names the pack an entry's index belongs to. */
export class ReaderGroupIndex implements GroupIndex {
  constructor(
    private readonly reader: GraphIndexReader,
    readonly hasGraph: boolean,
    private readonly packOf: (entry: IndexEntry) => string,
  ) {}

  #entry(node: IndexEntry): GroupIndexEntry {
    const pack = this.packOf(node);
    const parents = this.hasGraph ? ((node.references[0] ?? []) as readonly Key[]) : null;
    return { key: node.key, parents, ...parseGroupValue(node.value, node.key, pack) };
  }

  async getEntries(keys: readonly Key[]): Promise<KeyMap<GroupIndexEntry>> {
    const out = new KeyMap<GroupIndexEntry>();
    for await (const node of this.reader.iterEntries(keys)) out.set(node.key, this.#entry(node));
    return out;
  }

  async keys(): Promise<KeySet> {
    const out = new KeySet();
    for await (const node of this.reader.iterAllEntries()) out.add(node.key);
    return out;
  }

  addEntries(): Promise<void> {
    return Promise.reject(new ReadOnlyError('groupcompress index (read only)'));
  }
}
