// An index over nodes held in memory, such as a builder's before it is
// written (Breezy queries the indices of the pack it is writing this way).
//
// Entry point: `MemoryGraphIndex` — `new MemoryGraphIndex(builder)` (any
// `IndexSource`: a `GraphIndexBuilder`, a `BTreeBuilder`, or a fixed node
// list via `MemoryGraphIndex.of(shape, nodes)`); it sees nodes added to the
// builder later.

import { KeyMap, KeySet, UnsupportedOperation } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { prefixMatchPositions } from '../format/index-common.js';
import type { GraphIndexReader, IndexEntry, IndexNode, IndexShape, PrefixKey } from '../format/index-common.js';

/** Something that lists its nodes in key order. */
export interface IndexSource extends IndexShape {
  readonly keyCount: number;
  nodes(): IndexNode[];
}

export class MemoryGraphIndex implements GraphIndexReader {
  readonly #source: IndexSource;
  #sorted: IndexNode[] = [];
  #byKey = new KeyMap<IndexNode>();
  #seenCount = -1;

  constructor(source: IndexSource) {
    this.#source = source;
  }

  static of(shape: IndexShape, nodes: readonly IndexNode[]): MemoryGraphIndex {
    const fixed = [...nodes];
    return new MemoryGraphIndex({ ...shape, keyCount: fixed.length, nodes: () => fixed });
  }

  async *iterAllEntries(): AsyncIterable<IndexEntry> {
    for (const node of this.#nodes()) yield this.#entry(node);
  }

  async *iterEntries(keys: Iterable<Key>): AsyncIterable<IndexEntry> {
    this.#nodes();
    const done = new KeySet();
    for (const key of keys) {
      const node = this.#byKey.get(key);
      if (node === undefined || done.has(key)) continue;
      done.add(key);
      yield this.#entry(node);
    }
  }

  async *iterEntriesPrefix(prefixes: Iterable<PrefixKey>): AsyncIterable<IndexEntry> {
    const nodes = this.#nodes();
    for (const i of prefixMatchPositions(nodes, [...prefixes], this.#source.keyElements)) yield this.#entry(nodes[i] as IndexNode);
  }

  keyCount(): Promise<number> {
    return Promise.resolve(this.#source.keyCount);
  }

  externalReferences(refList: number): Promise<KeySet> {
    if (refList < 0 || refList >= this.#source.referenceLists) {
      return Promise.reject(
        new UnsupportedOperation(`externalReferences(${refList})`, 'memory index', `the index has ${this.#source.referenceLists} reference lists`),
      );
    }
    this.#nodes();
    const out = new KeySet();
    for (const node of this.#sorted) for (const ref of node.references[refList] ?? []) if (!this.#byKey.has(ref)) out.add(ref);
    return Promise.resolve(out);
  }

  validate(): Promise<void> {
    return Promise.resolve();
  }

  #nodes(): IndexNode[] {
    // Builders only grow, so the count tells us when to look again.
    if (this.#seenCount !== this.#source.keyCount) {
      this.#sorted = this.#source.nodes();
      this.#byKey = new KeyMap(this.#sorted.map((n) => [n.key, n] as const));
      this.#seenCount = this.#source.keyCount;
    }
    return this.#sorted;
  }

  #entry(node: IndexNode): IndexEntry {
    return { index: this, key: node.key, value: node.value, references: node.references };
  }
}
