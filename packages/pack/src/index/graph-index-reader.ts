// Reads a GraphIndex ("Bazaar Graph Index 1") through a `RangeReader`.
//
// Entry point: `GraphIndex` (implements `GraphIndexReader`). Looking up a
// few keys bisects the file by byte offset — read near the middle of the
// range, skip to the next line start, compare its key, halve — and resolves
// references by reading the lines they point at, so a lookup reads a few
// blocks, not the file. Asking for many keys (more than 1 in 20 of the
// index, as Breezy decides), iterating everything, prefix queries, external
// references and validation read and parse the whole file once.

import { KeyMap, KeySet, UnsupportedOperation, compareKeys } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { BadIndexData } from '../errors.js';
import { KeyDecoder, prefixMatchPositions, sortedUniqueKeys } from '../format/index-common.js';
import type { GraphIndexReader, IndexEntry, IndexNode, IndexOptions, PrefixKey } from '../format/index-common.js';
import { parseGraphIndex, parseGraphIndexHeader, parseGraphIndexLine, resolveReferences } from '../format/graph-index.js';
import type { GraphIndexLine } from '../format/graph-index.js';
import type { RangeReader } from '../io/range-reader.js';
import { BlockCache } from './block-cache.js';

/** Header reads are this long, as Breezy's `_HEADER_READV`. */
const HEADER_READ = 200;
const NL = 0x0a;

export class GraphIndex implements GraphIndexReader {
  readonly name: string;
  readonly #cache: BlockCache;
  #options: IndexOptions | null = null;
  #nodes: IndexNode[] | null = null;
  #byKey: KeyMap<IndexNode> | null = null;
  readonly #lines = new Map<number, GraphIndexLine>();

  constructor(reader: RangeReader) {
    this.#cache = new BlockCache(reader);
    this.name = reader.name;
  }

  /** Bytes read from the file so far. */
  get bytesRead(): number {
    return this.#cache.bytesRead;
  }

  async options(): Promise<IndexOptions> {
    if (this.#options === null) {
      const head = await this.#cache.bytes(0, HEADER_READ);
      this.#options = parseGraphIndexHeader(head, this.name);
    }
    return this.#options;
  }

  async keyCount(): Promise<number> {
    return (await this.options()).keyCount;
  }

  async *iterAllEntries(): AsyncIterable<IndexEntry> {
    for (const node of await this.#bufferAll()) yield this.#entry(node);
  }

  async *iterEntries(keys: Iterable<Key>): AsyncIterable<IndexEntry> {
    const wanted = sortedUniqueKeys(keys);
    if (wanted.length === 0) return;
    const options = await this.options();
    if (this.#nodes === null && wanted.length * 20 > options.keyCount) await this.#bufferAll();
    for (const key of wanted) {
      if (this.#byKey !== null) {
        const node = this.#byKey.get(key);
        if (node !== undefined) yield this.#entry(node);
        continue;
      }
      const found = await this.#bisect(key, options);
      if (found === null || found.absent) continue;
      yield this.#entry({ key: found.key, value: found.value, references: await this.#resolve(found, options) });
      if (this.#nodes === null && this.#cache.bytesRead * 2 >= this.#cache.size) await this.#bufferAll();
    }
  }

  async *iterEntriesPrefix(prefixes: Iterable<PrefixKey>): AsyncIterable<IndexEntry> {
    const list = [...prefixes];
    if (list.length === 0) return;
    const nodes = await this.#bufferAll();
    const options = await this.options();
    for (const i of prefixMatchPositions(nodes, list, options.keyElements)) yield this.#entry(nodes[i] as IndexNode);
  }

  async externalReferences(refList: number): Promise<KeySet> {
    const options = await this.options();
    if (refList < 0 || refList >= options.referenceLists) {
      throw new UnsupportedOperation(`externalReferences(${refList})`, this.name, `the index has ${options.referenceLists} reference lists`);
    }
    await this.#bufferAll();
    const byKey = this.#byKey as KeyMap<IndexNode>;
    const out = new KeySet();
    for (const node of byKey.values()) for (const ref of node.references[refList] ?? []) if (!byKey.has(ref)) out.add(ref);
    return out;
  }

  async validate(): Promise<void> {
    await this.#bufferAll();
  }

  #entry(node: IndexNode): IndexEntry {
    return { index: this, key: node.key, value: node.value, references: node.references };
  }

  async #bufferAll(): Promise<IndexNode[]> {
    if (this.#nodes === null) {
      const parsed = parseGraphIndex(await this.#cache.all(), this.name);
      this.#options = parsed.options;
      this.#nodes = parsed.nodes;
      this.#byKey = new KeyMap(parsed.nodes.map((n) => [n.key, n] as const));
      this.#lines.clear();
    }
    return this.#nodes;
  }

  /**
   * Finds the line for `key` by bisection. Invariant: `lo` and `hi` are line
   * starts and the key's line, if any, starts in [lo, hi).
   */
  async #bisect(key: Key, options: IndexOptions): Promise<(GraphIndexLine & { offset: number }) | null> {
    let lo = options.headerEnd;
    let hi = this.#cache.size - 1; // the empty trailer line
    if (hi < lo) throw new BadIndexData(this.name, 'truncated: no trailer line');
    let steps = 0;
    while (lo < hi) {
      if (++steps > 1000) throw new BadIndexData(this.name, 'bisection does not converge');
      const mid = lo + Math.floor((hi - lo) / 2);
      let start = lo;
      if (mid > lo) {
        const nl = await this.#cache.indexOf(NL, mid - 1, hi);
        if (nl >= 0 && nl + 1 < hi) start = nl + 1;
      }
      const line = await this.#lineAt(start, hi, options);
      const c = compareKeys(key, line.key);
      if (c === 0) return { ...line, offset: start };
      if (c < 0) {
        if (start === lo) return null;
        hi = start;
      } else {
        lo = line.end + 1;
      }
    }
    return null;
  }

  /** Parses the line starting at `start`, which must end before `limit`. */
  async #lineAt(start: number, limit: number, options: IndexOptions): Promise<GraphIndexLine & { end: number }> {
    const cached = this.#lines.get(start);
    const nl = await this.#cache.indexOf(NL, start, limit);
    if (nl < 0) throw new BadIndexData(this.name, `line at byte ${start} does not end`);
    if (cached !== undefined) return { ...cached, end: nl };
    const bytes = await this.#cache.bytes(start, nl);
    const where = `${this.name} at byte ${start}`;
    const line = parseGraphIndexLine(bytes, 0, bytes.length, options, new KeyDecoder(bytes, where), where);
    if (this.#lines.size > 100_000) this.#lines.clear();
    this.#lines.set(start, line);
    return { ...line, end: nl };
  }

  async #resolve(line: GraphIndexLine, options: IndexOptions): Promise<Key[][]> {
    const keyAt = new Map<number, Key>();
    for (const list of line.referenceOffsets) {
      for (const offset of list) {
        if (keyAt.has(offset)) continue;
        const startsLine =
          offset === options.headerEnd ||
          (offset > options.headerEnd && offset < this.#cache.size - 1 && (await this.#cache.bytes(offset - 1, offset))[0] === NL);
        if (!startsLine) throw new BadIndexData(this.name, `a reference to byte ${offset} is not a line`);
        keyAt.set(offset, (await this.#lineAt(offset, this.#cache.size - 1, options)).key);
      }
    }
    return resolveReferences(line, keyAt, this.name);
  }
}
