// Reads a BTreeGraphIndex ("B+Tree Graph Index 2") through a `RangeReader`.
//
// Entry point: `BTreeGraphIndex` (implements `GraphIndexReader`). Lookups
// walk from the root one row at a time, reading every page the row needs in
// one batched read; pages are cached (internal pages all, leaves LRU).
// Prefix queries descend to the first candidate leaf and scan right; full
// iteration streams the leaf row in batches.

import { KeySet, UnsupportedOperation, compareKeys, fastZlib } from '@versionedfiles/core';
import type { Key, ZlibCodec } from '@versionedfiles/core';
import { BadIndexData } from '../errors.js';
import { PAGE_SIZE, parseBTreeHeader, parseBTreePage } from '../format/btree.js';
import type { BTreePage, InternalPage, LeafPage } from '../format/btree.js';
import { checkPrefix, encodeIndexKey, prefixHead, sortedUniqueKeys } from '../format/index-common.js';
import type { GraphIndexReader, IndexEntry, IndexOptions, PrefixKey } from '../format/index-common.js';
import type { RangeReader } from '../io/range-reader.js';

export interface BTreeGraphIndexOptions {
  /** Leaf pages to keep (Breezy keeps 1000). */
  readonly leafCacheSize?: number;
  /** Leaf pages read per batch when iterating everything. */
  readonly readAhead?: number;
  /** The inflater (default: node's zlib). */
  readonly codec?: ZlibCodec;
}

interface Root {
  readonly options: IndexOptions & { readonly rowLengths: readonly number[] };
  /** Page number where each row starts; the last entry is the page count. */
  readonly rowOffsets: readonly number[];
  readonly page: BTreePage | null;
}

export class BTreeGraphIndex implements GraphIndexReader {
  readonly name: string;
  readonly #reader: RangeReader;
  readonly #codec: ZlibCodec;
  readonly #leafCacheSize: number;
  readonly #readAhead: number;
  #root: Promise<Root> | null = null;
  readonly #internal = new Map<number, InternalPage>();
  readonly #leaves = new Map<number, LeafPage>();
  /** Pages read from the file so far. */
  pagesRead = 0;

  constructor(reader: RangeReader, options: BTreeGraphIndexOptions = {}) {
    this.#reader = reader;
    this.name = reader.name;
    this.#codec = options.codec ?? fastZlib;
    this.#leafCacheSize = options.leafCacheSize ?? 1000;
    this.#readAhead = options.readAhead ?? 64;
  }

  async options(): Promise<IndexOptions> {
    return (await this.#getRoot()).options;
  }

  async keyCount(): Promise<number> {
    return (await this.#getRoot()).options.keyCount;
  }

  async *iterAllEntries(): AsyncIterable<IndexEntry> {
    const root = await this.#getRoot();
    if (root.options.keyCount === 0 || root.page === null) return;
    const rows = root.rowOffsets.length - 1;
    const first = root.rowOffsets[rows - 1] as number;
    const end = root.rowOffsets[rows] as number;
    for (let start = first; start < end; start += this.#readAhead) {
      const pages: number[] = [];
      for (let p = start; p < Math.min(end, start + this.#readAhead); p++) pages.push(p);
      // Like Breezy, a full scan bypasses the leaf cache instead of flushing it.
      const got = await this.#pages(pages, root, false, false);
      for (const p of pages) {
        const leaf = got.get(p) as LeafPage;
        for (let i = 0; i < leaf.count; i++) yield new LeafEntry(this, leaf, i);
      }
    }
  }

  async *iterEntries(keys: Iterable<Key>): AsyncIterable<IndexEntry> {
    const wanted = sortedUniqueKeys(keys);
    if (wanted.length === 0) return;
    const root = await this.#getRoot();
    if (root.page === null) return;
    const probes = wanted.map(encodeIndexKey);
    for (const [leaf, leafProbes] of await this.#descend(probes, root)) {
      for (const probe of leafProbes) {
        const i = leaf.find(probe);
        if (i >= 0) yield new LeafEntry(this, leaf, i);
      }
    }
  }

  async *iterEntriesPrefix(prefixes: Iterable<PrefixKey>): AsyncIterable<IndexEntry> {
    const list = [...prefixes];
    if (list.length === 0) return;
    const root = await this.#getRoot();
    for (const p of list) checkPrefix(p, root.options.keyElements);
    if (root.page === null) return;
    const seen = new KeySet();
    const leafRowEnd = root.rowOffsets[root.rowOffsets.length - 1] as number;
    for (const prefix of list) {
      const head = encodeIndexKey(prefixHead(prefix));
      const [group] = await this.#descendPages([head], root);
      let page = (group as [number, Uint8Array[]])[0];
      let at = -1;
      // Keys matching the prefix are >= its head and contiguous: scan right.
      for (; page < leafRowEnd; page += 1, at = 0) {
        const leaf = (await this.#pages([page], root, false)).get(page) as LeafPage;
        if (at < 0) at = leaf.lowerBound(head);
        for (; at < leaf.count && leaf.startsWith(at, head); at++) {
          const entry = new LeafEntry(this, leaf, at);
          if (seen.has(entry.key)) continue;
          seen.add(entry.key);
          yield entry;
        }
        if (at < leaf.count) break;
      }
    }
  }

  async externalReferences(refList: number): Promise<KeySet> {
    const root = await this.#getRoot();
    if (refList < 0 || refList >= root.options.referenceLists) {
      throw new UnsupportedOperation(`externalReferences(${refList})`, this.name, `the index has ${root.options.referenceLists} reference lists`);
    }
    const keys = new KeySet();
    const refs = new KeySet();
    for await (const entry of this.iterAllEntries()) {
      keys.add(entry.key);
      for (const ref of entry.references[refList] ?? []) refs.add(ref);
    }
    const out = new KeySet();
    for (const ref of refs) if (!keys.has(ref)) out.add(ref);
    return out;
  }

  /** Reads every page, checking types, order across pages and the key count. */
  async validate(): Promise<void> {
    const root = await this.#getRoot();
    const total = root.rowOffsets[root.rowOffsets.length - 1] as number;
    for (let start = 1; start < total; start += this.#readAhead) {
      const pages: number[] = [];
      for (let p = start; p < Math.min(total, start + this.#readAhead); p++) pages.push(p);
      await this.#pages(pages, root, false);
    }
    let count = 0;
    let previous: Key | null = null;
    for await (const entry of this.iterAllEntries()) {
      if (previous !== null && compareKeys(previous, entry.key) >= 0) throw new BadIndexData(this.name, 'keys out of order across pages');
      if (entry.references.length !== root.options.referenceLists) throw new BadIndexData(this.name, 'wrong reference lists');
      previous = entry.key;
      count += 1;
    }
    if (count !== root.options.keyCount) {
      throw new BadIndexData(this.name, `header says ${root.options.keyCount} keys, found ${count}`);
    }
  }


  #getRoot(): Promise<Root> {
    this.#root ??= this.#readRoot();
    return this.#root;
  }

  async #readRoot(): Promise<Root> {
    const size = this.#reader.size;
    const [head] = await this.#reader.read([{ offset: 0, length: Math.min(PAGE_SIZE, size) }]);
    const bytes = head as Uint8Array;
    const options = parseBTreeHeader(bytes, this.name);
    const rowOffsets = [0];
    for (const n of options.rowLengths) {
      if (n < 1) throw new BadIndexData(this.name, 'a row with no pages');
      rowOffsets.push((rowOffsets[rowOffsets.length - 1] as number) + n);
    }
    const pages = rowOffsets[rowOffsets.length - 1] as number;
    if ((options.rowLengths[0] ?? 1) !== 1) throw new BadIndexData(this.name, 'the root row must have one page');
    if (pages === 0) {
      if (options.keyCount !== 0) throw new BadIndexData(this.name, 'keys but no pages');
      return { options, rowOffsets, page: null };
    }
    if (size <= (pages - 1) * PAGE_SIZE || size > pages * PAGE_SIZE) {
      throw new BadIndexData(this.name, `${pages} pages do not fit a file of ${size} bytes`);
    }
    const page = parseBTreePage(bytes.subarray(options.headerEnd), options, `${this.name} page 0`, this.#codec);
    checkKind(page, pages === 1, `${this.name} page 0`);
    this.pagesRead += 1;
    return { options, rowOffsets, page };
  }

  /** Fetches pages (cached or in one batched read), checking each is the kind its row holds. */
  async #pages(numbers: readonly number[], root: Root, internal: boolean, cache = true): Promise<Map<number, BTreePage>> {
    const out = new Map<number, BTreePage>();
    const missing: number[] = [];
    for (const n of numbers) {
      const hit = n === 0 ? root.page ?? undefined : internal ? this.#internal.get(n) : this.#leaves.get(n);
      if (hit !== undefined) out.set(n, hit);
      else missing.push(n);
    }
    if (missing.length === 0) return out;
    const size = this.#reader.size;
    const got = await this.#reader.read(
      missing.map((n) => ({ offset: n * PAGE_SIZE, length: Math.min(PAGE_SIZE, size - n * PAGE_SIZE) })),
    );
    const leafStart = root.rowOffsets[root.rowOffsets.length - 2] as number;
    missing.forEach((n, i) => {
      const where = `${this.name} page ${n}`;
      const page = parseBTreePage(got[i] as Uint8Array, root.options, where, this.#codec);
      checkKind(page, n >= leafStart, where);
      this.pagesRead += 1;
      if (!cache) {
        /* a scan: not kept */
      } else if (page.kind === 'internal') this.#internal.set(n, page);
      else {
        if (this.#leaves.size >= this.#leafCacheSize) this.#leaves.delete(this.#leaves.keys().next().value as number);
        this.#leaves.set(n, page);
      }
      out.set(n, page);
    });
    return out;
  }

  /** For sorted encoded keys: the leaf page number each would live in, grouped. */
  async #descendPages(keys: readonly Uint8Array[], root: Root): Promise<[number, Uint8Array[]][]> {
    let groups: [number, Uint8Array[]][] = [[0, [...keys]]];
    const rows = root.rowOffsets.length - 1;
    for (let row = 0; row < rows - 1; row++) {
      const pages = await this.#pages(groups.map(([n]) => n), root, true);
      const childRowStart = root.rowOffsets[row + 1] as number;
      const childRowLength = root.options.rowLengths[row + 1] as number;
      const next = new Map<number, Uint8Array[]>();
      for (const [n, groupKeys] of groups) {
        const page = pages.get(n) as InternalPage;
        for (const key of groupKeys) {
          const child = page.childFor(key);
          if (child >= childRowLength) throw new BadIndexData(`${this.name} page ${n}`, `child ${child} is past the end of row ${row + 1}`);
          const target = childRowStart + child;
          const list = next.get(target);
          if (list === undefined) next.set(target, [key]);
          else list.push(key);
        }
      }
      groups = [...next.entries()].sort((a, b) => a[0] - b[0]);
    }
    return groups;
  }

  async #descend(keys: readonly Uint8Array[], root: Root): Promise<[LeafPage, Uint8Array[]][]> {
    const groups = await this.#descendPages(keys, root);
    const pages = await this.#pages(groups.map(([n]) => n), root, false);
    return groups.map(([n, k]) => [pages.get(n) as LeafPage, k]);
  }
}

function checkKind(page: BTreePage, leaf: boolean, where: string): void {
  if ((page.kind === 'leaf') !== leaf) throw new BadIndexData(where, `expected a ${leaf ? 'leaf' : 'internal'} page`);
}

/** A node of a leaf page; its references are parsed when first read. */
class LeafEntry implements IndexEntry {
  readonly index: GraphIndexReader;
  readonly key: Key;
  readonly value: Uint8Array;
  readonly #leaf: LeafPage;
  readonly #at: number;
  #references: readonly (readonly Key[])[] | null = null;

  constructor(index: GraphIndexReader, leaf: LeafPage, at: number) {
    this.index = index;
    this.#leaf = leaf;
    this.#at = at;
    this.key = leaf.keyAt(at);
    this.value = leaf.valueAt(at);
  }

  get references(): readonly (readonly Key[])[] {
    this.#references ??= this.#leaf.referencesAt(this.#at);
    return this.#references;
  }
}
