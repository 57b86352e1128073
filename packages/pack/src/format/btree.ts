// BTreeGraphIndex, "B+Tree Graph Index 2": a B+Tree of 4 KiB zlib pages.
//
//   page 0: "B+Tree Graph Index 2\n" "node_ref_lists=" R "\n" "key_elements=" K "\n"
//           "len=" N "\n" "row_lengths=" L0 "," L1 ... "\n"  then the root page's
//           zlib stream, the whole padded with NULs to 4096 bytes
//   page i: one zlib stream padded with NULs to 4096 bytes (the last page of
//           the file is not padded)
//
// Rows are stored root first; row r holds `row_lengths[r]` pages; the last
// row holds the leaves. The first page of every row has 120 fewer bytes for
// its stream (the header's reserved space, kept so all rows line up).
// Inflated, a page is
//
//   leaf:     "type=leaf\n" ( KEY "\0" REFS "\0" VALUE "\n" )*
//   internal: "type=internal\n" "offset=" O "\n" ( KEY "\n" )*
//
// where REFS lists referenced keys in full (KEY, CR between keys, TAB between
// lists). An internal page's i-th child is page `O + i` of the next row; its
// keys are the first keys of children 1..n, so a key's child is
// `bisect_right(keys, key)`.
//
// Entry points: `BTreeBuilder` and `writeBTree` (byte-identical to Breezy's
// `BTreeBuilder` with the compat zlib codec), `parseBTreeHeader`,
// `parseBTreePage` (a `LeafPage` or an `InternalPage`, which search by
// encoded key), `compareSpans`, and `PAGE_SIZE`.

import { KeyMap, concatBytes, fastZlib, isVersionedFilesError, utf8 } from '@versionedfiles/core';
import type { Key, ZlibCodec } from '@versionedfiles/core';
import { BadIndexData, DuplicateIndexKey } from '../errors.js';
import { ChunkWriter } from './chunk-writer.js';
import { KeyDecoder, checkIndexNode, parseDecimal, parseOptionLines, sortByKey, splitReferenceLists } from './index-common.js';
import type { IndexNode, IndexOptions, IndexShape } from './index-common.js';
import type { IndexBuilderOptions } from './graph-index.js';

export const BTREE_SIGNATURE = utf8('B+Tree Graph Index 2\n');
export const PAGE_SIZE = 4096;
export const RESERVED_HEADER_BYTES = 120;
const LEAF_FLAG = utf8('type=leaf\n');
const INTERNAL_FLAG = utf8('type=internal\n');

const NL = 0x0a;
const NUL = 0x00;

// -- building -------------------------------------------------------------------

export interface BTreeBuilderOptions extends IndexBuilderOptions {
  /** Breezy's `set_optimize(for_size=True)`. */
  readonly optimizeForSize?: boolean;
  /** The deflater; only the compat codec writes Breezy's bytes. */
  readonly codec?: ZlibCodec;
}

/** One row of the tree being written: its finished pages and the page being filled. */
class BuilderRow {
  readonly leaf: boolean;
  nodes = 0;
  writer: ChunkWriter | null = null;
  readonly spool: Uint8Array[] = [];
  #spoolLength = 0;

  constructor(leaf: boolean) {
    this.leaf = leaf;
  }

  finishNode(pad: boolean): void {
    const { compressed, padding } = (this.writer as ChunkWriter).finish();
    if (this.nodes === 0) this.#push(new Uint8Array(RESERVED_HEADER_BYTES));
    this.#push(compressed);
    if (pad && padding > 0) this.#push(new Uint8Array(padding));
    const skipped = pad ? 0 : padding;
    if ((this.#spoolLength + skipped) % PAGE_SIZE !== 0) {
      throw new Error(`B+Tree row out of step: ${this.#spoolLength} bytes`);
    }
    this.nodes += 1;
    this.writer = null;
  }

  #push(bytes: Uint8Array): void {
    this.spool.push(bytes);
    this.#spoolLength += bytes.length;
  }
}

/** Serialises one leaf line, KEY "\0" REFS "\0" VALUE "\n"; returns it and the key's length in it. */
function leafLine(node: IndexNode): [line: Uint8Array, keyLength: number] {
  const refs = node.references.map((list) => list.map((k) => k.join('\u0000')).join('\r')).join('\t');
  const key = node.key.join('\u0000');
  const head = utf8(`${key}\u0000${refs}\u0000`);
  const line = new Uint8Array(head.length + node.value.length + 1);
  line.set(head);
  line.set(node.value, head.length);
  line[line.length - 1] = NL;
  // All ASCII (the usual case) when the bytes are as many as the characters.
  const keyLength = head.length === key.length + refs.length + 2 ? key.length : utf8(key).length;
  return [line, keyLength];
}

const NEWLINE = Uint8Array.of(NL);

export class BTreeBuilder implements IndexShape {
  readonly referenceLists: number;
  readonly keyElements: number;
  readonly optimizeForSize: boolean;
  readonly #codec: ZlibCodec | undefined;
  readonly #nodes = new KeyMap<IndexNode>();

  constructor(options: BTreeBuilderOptions = {}) {
    this.referenceLists = options.referenceLists ?? 0;
    this.keyElements = options.keyElements ?? 1;
    this.optimizeForSize = options.optimizeForSize ?? false;
    this.#codec = options.codec;
  }

  get keyCount(): number {
    return this.#nodes.size;
  }

  addNode(key: Key, value: Uint8Array, references: readonly (readonly Key[])[] = []): void {
    const node: IndexNode = { key, value, references: references.map((l) => [...l]) };
    checkIndexNode(node, this);
    if (this.#nodes.has(key)) throw new DuplicateIndexKey(key);
    this.#nodes.set(key, node);
  }

  /** The nodes in key order. */
  nodes(): IndexNode[] {
    return sortByKey([...this.#nodes.values()], (n) => n.key);
  }

  /** The index file's bytes. */
  finish(): Uint8Array {
    return writeBTree(this.nodes(), this, { optimizeForSize: this.optimizeForSize, codec: this.#codec });
  }
}

/**
 * Writes sorted, checked nodes as a B+Tree (Breezy's `_write_nodes`). Exposed
 * for callers that already hold nodes in order.
 */
export function writeBTree(
  nodes: Iterable<IndexNode>,
  shape: IndexShape,
  options: { optimizeForSize?: boolean; codec?: ZlibCodec | undefined } = {},
): Uint8Array {
  const writerOptions = {
    optimizeForSize: options.optimizeForSize ?? false,
    ...(options.codec ? { codec: options.codec } : {}),
  };
  const rows: BuilderRow[] = [];
  let keyCount = 0;
  for (const node of nodes) {
    if (keyCount === 0) rows.push(new BuilderRow(true));
    keyCount += 1;
    const [line, keyLength] = leafLine(node);
    addKey(rows, line.subarray(0, keyLength), line, writerOptions);
  }
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i] as BuilderRow;
    row.finishNode(!row.leaf);
  }
  const header = utf8(
    `B+Tree Graph Index 2\nnode_ref_lists=${shape.referenceLists}\nkey_elements=${shape.keyElements}\n` +
      `len=${keyCount}\nrow_lengths=${rows.map((r) => r.nodes).join(',')}\n`,
  );
  if (header.length > RESERVED_HEADER_BYTES) {
    throw new Error(`B+Tree header of ${header.length} bytes does not fit in ${RESERVED_HEADER_BYTES}`);
  }
  const parts: Uint8Array[] = [header];
  let position = header.length;
  for (const row of rows) {
    const spool = concatBytes(row.spool);
    const first = spool.subarray(0, PAGE_SIZE);
    parts.push(first.subarray(RESERVED_HEADER_BYTES));
    if (first.length === PAGE_SIZE) parts.push(new Uint8Array(RESERVED_HEADER_BYTES - position));
    position = 0; // only the root row shares its first page with the header
    parts.push(spool.subarray(PAGE_SIZE));
  }
  return concatBytes(parts);
}

interface WriterOptions {
  readonly optimizeForSize: boolean;
  readonly codec?: ZlibCodec;
}

function addKey(rows: BuilderRow[], keyBytes: Uint8Array, line: Uint8Array, options: WriterOptions): void {
  for (;;) {
    const leafRow = rows[rows.length - 1] as BuilderRow;
    let newLeaf = false;
    if (leafRow.writer === null) {
      newLeaf = true;
      for (let pos = 0; pos < rows.length - 1; pos++) {
        const row = rows[pos] as BuilderRow;
        if (row.writer !== null) continue;
        row.writer = new ChunkWriter(PAGE_SIZE - (row.nodes === 0 ? RESERVED_HEADER_BYTES : 0), options);
        row.writer.write(INTERNAL_FLAG);
        row.writer.write(utf8(`offset=${(rows[pos + 1] as BuilderRow).nodes}\n`));
      }
      leafRow.writer = new ChunkWriter(PAGE_SIZE - (leafRow.nodes === 0 ? RESERVED_HEADER_BYTES : 0), options);
      leafRow.writer.write(LEAF_FLAG);
    }
    if (!leafRow.writer.write(line)) return;
    if (newLeaf) throw new BadIndexData('building', 'a node is too large for one B+Tree page');
    leafRow.finishNode(true);
    const keyLine = concatBytes([keyBytes, NEWLINE]);
    let needRoot = true;
    for (let i = rows.length - 2; i >= 0; i--) {
      const row = rows[i] as BuilderRow;
      if ((row.writer as ChunkWriter).write(keyLine)) row.finishNode(true);
      else {
        needRoot = false;
        break;
      }
    }
    if (needRoot) {
      const root = new BuilderRow(false);
      rows.unshift(root);
      root.writer = new ChunkWriter(PAGE_SIZE - RESERVED_HEADER_BYTES, options);
      root.writer.write(INTERNAL_FLAG);
      root.writer.write(utf8(`offset=${(rows[1] as BuilderRow).nodes - 1}\n`));
      root.writer.write(keyLine);
    }
  }
}

// -- parsing --------------------------------------------------------------------

export function parseBTreeHeader(bytes: Uint8Array, where: string): IndexOptions & { readonly rowLengths: readonly number[] } {
  const options = parseOptionLines(bytes, BTREE_SIGNATURE, where, true);
  return options as IndexOptions & { readonly rowLengths: readonly number[] };
}

/** memcmp order of bytes[a0, a1) and bytes[b0, b1) (possibly different buffers). */
export function compareSpans(a: Uint8Array, a0: number, a1: number, b: Uint8Array, b0: number, b1: number): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const d = (a[a0 + i] as number) - (b[b0 + i] as number);
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}

/*
 * Pages keep their inflated bytes and the spans of each key, and compare
 * keys as bytes: with NUL (the smallest byte) between elements, byte order
 * of encoded keys is Python's tuple order, so lookups never decode a key.
 * Keys and references are decoded when asked for and not kept here: pages
 * sit in caches, and decoded keys kept alive with them would be copied by
 * every garbage collection.
 */

/** A parsed leaf page: `count` nodes in ascending key order. */
export class LeafPage {
  readonly kind = 'leaf' as const;
  readonly count: number;
  readonly #bytes: Uint8Array;
  readonly #shape: IndexShape;
  readonly #where: string;
  /** Per node: key start, key end, value start, line end. */
  readonly #spans: Int32Array;
  #decoder: KeyDecoder | null = null;

  constructor(bytes: Uint8Array, shape: IndexShape, where: string) {
    this.#bytes = bytes;
    this.#shape = shape;
    this.#where = where;
    const spans: number[] = [];
    let pos = LEAF_FLAG.length;
    let prevStart = -1;
    let prevEnd = -1;
    while (pos < bytes.length) {
      let end = bytes.indexOf(NL, pos);
      if (end < 0) end = bytes.length;
      if (end === pos) break;
      // The key is the first keyElements fields; the value follows the last NUL.
      let keyEnd = pos;
      for (let i = 0; i < shape.keyElements; i++) {
        const nul = bytes.indexOf(NUL, keyEnd);
        if (nul < 0 || nul >= end) throw new BadIndexData(where, 'a leaf line has too few fields');
        if (nul === keyEnd) throw new BadIndexData(where, 'a key has an empty element');
        keyEnd = nul + 1;
      }
      const valueStart = bytes.lastIndexOf(NUL, end - 1) + 1;
      if (valueStart <= keyEnd) throw new BadIndexData(where, 'a leaf line has too few fields');
      if (prevStart >= 0 && compareSpans(bytes, prevStart, prevEnd, bytes, pos, keyEnd - 1) >= 0) {
        throw new BadIndexData(where, 'keys out of order');
      }
      prevStart = pos;
      prevEnd = keyEnd - 1;
      spans.push(pos, keyEnd - 1, valueStart, end);
      pos = end + 1;
    }
    this.#spans = Int32Array.from(spans);
    this.count = spans.length / 4;
  }

  keyAt(i: number): Key {
    this.#decoder ??= new KeyDecoder(this.#bytes, this.#where);
    return this.#decoder.key(this.#spans[4 * i] as number, this.#spans[4 * i + 1] as number, this.#shape.keyElements);
  }

  valueAt(i: number): Uint8Array {
    return this.#bytes.subarray(this.#spans[4 * i + 2] as number, this.#spans[4 * i + 3] as number);
  }

  referencesAt(i: number): Key[][] {
    const decoder = (this.#decoder ??= new KeyDecoder(this.#bytes, this.#where));
    const elements = this.#shape.keyElements;
    const start = (this.#spans[4 * i + 1] as number) + 1;
    const end = (this.#spans[4 * i + 2] as number) - 1;
    return splitReferenceLists(this.#bytes, start, end, this.#shape.referenceLists, this.#where, (a, b) =>
      decoder.key(a, b, elements),
    );
  }

  /** First position whose key is >= the encoded key `probe`. */
  lowerBound(probe: Uint8Array): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compare(mid, probe) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of the encoded key `probe`, or -1. */
  find(probe: Uint8Array): number {
    const i = this.lowerBound(probe);
    return i < this.count && this.#compare(i, probe) === 0 ? i : -1;
  }

  /** True when node i's key starts with the encoded elements `head` (whole elements). */
  startsWith(i: number, head: Uint8Array): boolean {
    const start = this.#spans[4 * i] as number;
    const end = this.#spans[4 * i + 1] as number;
    if (end - start < head.length) return false;
    for (let j = 0; j < head.length; j++) if (this.#bytes[start + j] !== head[j]) return false;
    return end - start === head.length || this.#bytes[start + head.length] === NUL;
  }

  #compare(i: number, probe: Uint8Array): number {
    return compareSpans(this.#bytes, this.#spans[4 * i] as number, this.#spans[4 * i + 1] as number, probe, 0, probe.length);
  }
}

/** A parsed internal page: `offset` is its first child's position in the next row. */
export class InternalPage {
  readonly kind = 'internal' as const;
  readonly offset: number;
  readonly #bytes: Uint8Array;
  /** Per key: start, end. */
  readonly #spans: Int32Array;
  readonly #shape: IndexShape;
  readonly #where: string;

  constructor(bytes: Uint8Array, shape: IndexShape, where: string) {
    this.#bytes = bytes;
    this.#shape = shape;
    this.#where = where;
    let pos = INTERNAL_FLAG.length;
    const offsetEnd = bytes.indexOf(NL, pos);
    if (offsetEnd < 0 || !startsWith(bytes.subarray(pos), OFFSET_PREFIX)) {
      throw new BadIndexData(where, 'internal page without an offset line');
    }
    const offset = parseDecimal(bytes, pos + OFFSET_PREFIX.length, offsetEnd);
    if (offset === null) throw new BadIndexData(where, 'bad internal page offset');
    this.offset = offset;
    pos = offsetEnd + 1;
    const spans: number[] = [];
    while (pos < bytes.length) {
      let end = bytes.indexOf(NL, pos);
      if (end < 0) end = bytes.length;
      if (end === pos) break;
      let nuls = 0;
      for (let i = pos; i < end; i++) if (bytes[i] === NUL) nuls += 1;
      if (nuls !== shape.keyElements - 1) throw new BadIndexData(where, `a key does not have ${shape.keyElements} elements`);
      const n = spans.length;
      if (n > 0 && compareSpans(bytes, spans[n - 2] as number, spans[n - 1] as number, bytes, pos, end) >= 0) {
        throw new BadIndexData(where, 'keys out of order');
      }
      spans.push(pos, end);
      pos = end + 1;
    }
    this.#spans = Int32Array.from(spans);
  }

  get count(): number {
    return this.#spans.length / 2;
  }

  /** The keys, decoded (for inspection; lookups use `childFor`). */
  keys(): Key[] {
    const decoder = new KeyDecoder(this.#bytes, this.#where);
    const out: Key[] = [];
    for (let i = 0; i < this.count; i++) out.push(decoder.key(this.#spans[2 * i] as number, this.#spans[2 * i + 1] as number, this.#shape.keyElements));
    return out;
  }

  /** Python's `offset + bisect_right(keys, key)` for the encoded key `probe`. */
  childFor(probe: Uint8Array): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareSpans(probe, 0, probe.length, this.#bytes, this.#spans[2 * mid] as number, this.#spans[2 * mid + 1] as number);
      if (c < 0) hi = mid;
      else lo = mid + 1;
    }
    return this.offset + lo;
  }
}

const OFFSET_PREFIX = utf8('offset=');

export type BTreePage = LeafPage | InternalPage;

/** The most a 4 KiB page may inflate to: zlib's best ratio is about 1032:1. */
export const MAX_PAGE_INFLATE = PAGE_SIZE * 1100;

/**
 * Inflates one page (trailing NUL padding is ignored) and parses it. Every
 * failure, a stream that does not inflate included, is `BadIndexData`.
 */
export function parseBTreePage(
  compressed: Uint8Array,
  shape: IndexShape,
  where: string,
  codec: ZlibCodec = fastZlib,
): BTreePage {
  let bytes: Uint8Array;
  try {
    bytes = codec.inflate(compressed, { maxOutput: MAX_PAGE_INFLATE, what: where });
  } catch (err) {
    if (isVersionedFilesError(err)) throw new BadIndexData(where, `page does not inflate: ${err.message}`, { cause: err });
    throw err;
  }
  if (startsWith(bytes, LEAF_FLAG)) return new LeafPage(bytes, shape, where);
  if (startsWith(bytes, INTERNAL_FLAG)) return new InternalPage(bytes, shape, where);
  throw new BadIndexData(where, 'unknown page type');
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
