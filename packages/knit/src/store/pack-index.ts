// A knit index over GraphIndex nodes (Breezy's `_KnitGraphIndex` on an
// in-memory GraphIndex): values and references as format/pack-value.ts says,
// and the compression parents that records inserted ahead of their basis
// still wait for.
//
// Entry points: `KnitPackIndex` (`finishBytes()` gives the GraphIndex file).

import { KeyMap, KeySet, keysEqual } from '@versionedfiles/core';
import type { Key, Parents } from '@versionedfiles/core';
import { GraphIndexBuilder, parseGraphIndex } from '@versionedfiles/pack';
import { KnitCorrupt, decodePackValue, encodePackValue, packReferences, type PackShape } from '../format/index.js';
import type { AddRecordsOptions, BuildDetails, IndexRecord, KnitIndex } from './types.js';

interface Node {
  readonly value: Uint8Array;
  readonly references: readonly (readonly Key[])[];
  /** The value decoded, once asked for (a node never changes once added). */
  details?: BuildDetails;
}

export class KnitPackIndex implements KnitIndex {
  readonly hasGraph: boolean;
  readonly #nodes = new KeyMap<Node>();
  readonly #missing = new KeySet();

  constructor(
    readonly shape: PackShape,
    readonly keyLength: number,
    private readonly packName: string,
  ) {
    if (shape.deltas && !shape.graph) throw new KnitCorrupt('cannot do delta compression without parent tracking');
    this.hasGraph = shape.graph;
  }

  /** An index holding the nodes of an existing GraphIndex (its shape says graph/deltas). */
  static fromGraphIndex(bytes: Uint8Array, packName: string, where = `${packName}.tix`): KnitPackIndex {
    const parsed = parseGraphIndex(bytes, where);
    const lists = parsed.options.referenceLists;
    if (lists > 2) throw new KnitCorrupt(`a knit index has at most 2 reference lists, not ${lists}`, { file: where });
    const index = new KnitPackIndex({ graph: lists > 0, deltas: lists === 2 }, parsed.options.keyElements, packName);
    for (const node of parsed.nodes) {
      decodePackValue(node.value, node.key);
      index.#nodes.set(node.key, { value: node.value, references: node.references });
    }
    return index;
  }

  async getBuildDetails(keys: readonly Key[]): Promise<KeyMap<BuildDetails>> {
    const out = new KeyMap<BuildDetails>();
    for (const key of keys) {
      const node = this.#nodes.get(key);
      if (node !== undefined) out.set(key, (node.details ??= this.#details(key, node)));
    }
    return out;
  }

  #details(key: Key, node: Node): BuildDetails {
    const value = decodePackValue(node.value, key);
    const basis = this.shape.deltas ? (node.references[1]?.[0] ?? null) : null;
    return {
      memo: { file: this.packName, pos: value.pos, size: value.size },
      compressionParent: basis,
      parents: this.shape.graph ? (node.references[0] ?? []) : null,
      method: basis === null ? 'fulltext' : 'line-delta',
      noeol: value.noeol,
    };
  }

  async getParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>> {
    const out = new KeyMap<Parents>();
    for (const key of keys) {
      const node = this.#nodes.get(key);
      if (node !== undefined) out.set(key, this.shape.graph ? (node.references[0] ?? []) : null);
    }
    return out;
  }

  async keys(): Promise<KeySet> {
    return new KeySet(this.#nodes.keys());
  }

  async addRecords(records: readonly IndexRecord[], options: AddRecordsOptions = {}): Promise<void> {
    const adding = new KeyMap<Node>();
    const compressionParents = new KeySet();
    for (const r of records) {
      const delta = r.options.includes('line-delta');
      const references = packReferences(this.shape, r.parents ?? [], delta, r.key);
      const value = encodePackValue({ noeol: r.options.includes('no-eol'), pos: r.memo.pos, size: r.memo.size });
      if (options.missingCompressionParents && delta) compressionParents.add(references[1]?.[0] as Key);
      adding.set(r.key, { value, references });
    }
    if (!options.randomId) {
      for (const [key, node] of adding) {
        const existing = this.#nodes.get(key);
        if (existing === undefined) continue;
        const sameParents = sameKeys(existing.references[0] ?? [], node.references[0] ?? []);
        if (existing.value[0] !== node.value[0] || !sameParents) {
          throw new KnitCorrupt('inconsistent details in add_records', { key, file: this.packName });
        }
        adding.delete(key);
      }
    }
    for (const [key, node] of adding) this.#nodes.set(key, node);
    if (options.missingCompressionParents) {
      for (const k of compressionParents) if (!adding.has(k)) this.#missing.add(k);
    }
    for (const key of adding.keys()) this.#missing.delete(key);
  }

  missingCompressionParents(): KeySet {
    return new KeySet(this.#missing);
  }

  /** The GraphIndex file for the nodes added so far (Breezy's `GraphIndexBuilder.finish`). */
  finishBytes(): Uint8Array {
    const refLists = this.shape.graph ? (this.shape.deltas ? 2 : 1) : 0;
    const builder = new GraphIndexBuilder({ referenceLists: refLists, keyElements: this.keyLength });
    for (const [key, node] of this.#nodes) builder.addNode(key, node.value, node.references);
    return builder.finish();
  }
}

function sameKeys(a: readonly Key[], b: readonly Key[]): boolean {
  return a.length === b.length && a.every((k, i) => keysEqual(k, b[i] as Key));
}
