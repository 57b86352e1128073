// What both index formats share: the node model, key and value checks,
// the option lines, key order, fast decoding of keys from index bytes,
// reference lists, and prefix matching.
//
// Entry points: `IndexNode` (key, value, reference lists), `IndexEntry` (a
// node as a reader yields it, with its index), `GraphIndexReader` (the
// reader interface every index type implements), `checkIndexNode`,
// `encodeIndexKey`, `sortByKey`, `KeyDecoder`, `parseOptionLines`,
// `splitReferenceLists`, and for prefix queries `PrefixKey`,
// `matchesPrefix` and `prefixMatchPositions`.

import { InvalidKey, compareKeys, fromUtf8Strict, utf8 } from '@versionedfiles/core';
import type { Key, KeySet } from '@versionedfiles/core';
import { BadIndexData, BadIndexOptions, BadIndexSignature, BadIndexValue } from '../errors.js';

/** One node of an index: its key, an opaque value, and `referenceLists` lists of referenced keys. */
export interface IndexNode {
  readonly key: Key;
  readonly value: Uint8Array;
  readonly references: readonly (readonly Key[])[];
}

/** A node as an index yields it, with the index it came from (pack collections map it to a pack). */
export interface IndexEntry extends IndexNode {
  readonly index: GraphIndexReader;
}

/** A key with its trailing elements `null`: matches every key that starts with the non-null ones. */
export type PrefixKey = readonly (string | null)[];

export interface GraphIndexReader {
  /** Every node, in key order for the on-disk formats. */
  iterAllEntries(): AsyncIterable<IndexEntry>;
  /** The nodes for the given keys that are present, each once; absent keys are skipped. */
  iterEntries(keys: Iterable<Key>): AsyncIterable<IndexEntry>;
  /** The nodes whose keys match one of the prefixes. */
  iterEntriesPrefix(prefixes: Iterable<PrefixKey>): AsyncIterable<IndexEntry>;
  /** The number of keys (exact for every index here). */
  keyCount(): Promise<number>;
  /** Keys referenced from reference list `refList` that are not in this index. */
  externalReferences(refList: number): Promise<KeySet>;
  /** Reads and checks everything; throws a typed error at the first problem. */
  validate(): Promise<void>;
}

export interface IndexShape {
  readonly referenceLists: number;
  readonly keyElements: number;
}

const NL = 0x0a;
const NUL = 0x00;

/** Key elements may not be empty or hold whitespace or NUL (Breezy's `_whitespace_re`). */
const FORBIDDEN_IN_KEY = /[\t\n\v\f\r\0 ]/;

export function checkIndexKey(key: unknown, keyElements: number): Key {
  if (!Array.isArray(key)) throw new InvalidKey(key, 'a key must be an array of strings');
  if (key.length !== keyElements) throw new InvalidKey(key, `expected ${keyElements} element(s), got ${key.length}`);
  for (const element of key as unknown[]) {
    if (typeof element !== 'string' || element.length === 0) throw new InvalidKey(key, 'elements must be non-empty strings');
    if (FORBIDDEN_IN_KEY.test(element)) throw new InvalidKey(key, 'elements must not contain whitespace or NUL');
  }
  return key as Key;
}

/** Checks a node for a builder of the given shape. */
export function checkIndexNode(node: IndexNode, shape: IndexShape): void {
  checkIndexKey(node.key, shape.keyElements);
  if (!(node.value instanceof Uint8Array)) throw new BadIndexValue(node.key, 'the value must be bytes');
  if (node.value.includes(NL) || node.value.includes(NUL)) {
    throw new BadIndexValue(node.key, 'the value must not contain a newline or NUL');
  }
  if (node.references.length !== shape.referenceLists) {
    throw new BadIndexValue(node.key, `expected ${shape.referenceLists} reference list(s), got ${node.references.length}`);
  }
  for (const list of node.references) for (const ref of list) checkIndexKey(ref, shape.keyElements);
}

/** The key's on-disk form: elements as UTF-8 joined by NUL. */
export function encodeIndexKey(key: Key): Uint8Array {
  if (key.length === 1) return utf8(key[0] as string);
  return utf8(key.join('\u0000'));
}

/**
 * Turns byte spans of a buffer into key strings. When the buffer is all ASCII
 * (the common case), it is decoded once and keys are substrings of it; else
 * each element is decoded strictly, and invalid UTF-8 is `BadIndexData`.
 */
export class KeyDecoder {
  readonly #bytes: Uint8Array;
  readonly #ascii: string | null;
  readonly #where: string;

  constructor(bytes: Uint8Array, where: string) {
    this.#bytes = bytes;
    this.#where = where;
    // Valid UTF-8 decodes to as many UTF-16 units as bytes only when it is all ASCII.
    let text: string | null = null;
    try {
      text = strictDecoder.decode(bytes);
    } catch {
      text = null;
    }
    this.#ascii = text !== null && text.length === bytes.length ? text : null;
  }

  /** The text of bytes[start, end). */
  text(start: number, end: number): string {
    if (this.#ascii !== null) return this.#ascii.slice(start, end);
    const s = fromUtf8Strict(this.#bytes.subarray(start, end));
    if (s === null) throw new BadIndexData(this.#where, 'a key is not valid UTF-8');
    return s;
  }

  /** The key in bytes[start, end), elements separated by NUL; exactly `elements` of them. */
  key(start: number, end: number, elements: number): Key {
    const out: string[] = [];
    let pos = start;
    for (let i = 0; i < elements - 1; i++) {
      const nul = this.#bytes.indexOf(NUL, pos);
      if (nul < 0 || nul >= end) throw new BadIndexData(this.#where, `a key has fewer than ${elements} elements`);
      out.push(this.#element(pos, nul));
      pos = nul + 1;
    }
    const nul = this.#bytes.indexOf(NUL, pos);
    if (nul >= 0 && nul < end) throw new BadIndexData(this.#where, `a key has more than ${elements} elements`);
    out.push(this.#element(pos, end));
    return out;
  }

  #element(start: number, end: number): string {
    if (start === end) throw new BadIndexData(this.#where, 'a key has an empty element');
    return this.text(start, end);
  }
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Parses a non-negative decimal made only of digits; null when it is not one. */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number | null {
  if (end <= start || end - start > 15) return null;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c < 0x30 || c > 0x39) return null;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

export interface IndexOptions extends IndexShape {
  readonly keyCount: number;
  /** BTree only: nodes per row, root first. */
  readonly rowLengths?: readonly number[];
  /** Offset of the first byte after the option lines. */
  readonly headerEnd: number;
}

/**
 * Parses the signature and option lines at the start of an index. `bytes`
 * may hold more than the header; a header that does not end within it is
 * `BadIndexOptions`, so callers must pass enough (the header is < 200 bytes
 * in any index Breezy writes; we accept up to the given bytes).
 */
export function parseOptionLines(
  bytes: Uint8Array,
  signature: Uint8Array,
  where: string,
  withRowLengths: boolean,
): IndexOptions {
  if (bytes.length < signature.length || signature.some((b, i) => bytes[i] !== b)) {
    throw new BadIndexSignature(where, new TextDecoder().decode(signature).trim());
  }
  let pos = signature.length;
  const option = (name: string): Uint8Array => {
    const nl = bytes.indexOf(NL, pos);
    if (nl < 0) throw new BadIndexOptions(where, `missing ${name} line`);
    const line = bytes.subarray(pos, nl);
    pos = nl + 1;
    const prefix = utf8(name);
    if (line.length < prefix.length || prefix.some((b, i) => line[i] !== b)) {
      throw new BadIndexOptions(where, `expected ${name}`);
    }
    return line.subarray(prefix.length);
  };
  const number = (name: string, max: number): number => {
    const raw = option(name);
    const n = parseDecimal(raw, 0, raw.length);
    if (n === null || n > max) throw new BadIndexOptions(where, `bad ${name} value`);
    return n;
  };
  const referenceLists = number('node_ref_lists=', 1000);
  const keyElements = number('key_elements=', 1000);
  if (keyElements < 1) throw new BadIndexOptions(where, 'key_elements must be at least 1');
  const keyCount = number('len=', Number.MAX_SAFE_INTEGER);
  if (!withRowLengths) return { referenceLists, keyElements, keyCount, headerEnd: pos };
  const raw = option('row_lengths=');
  const rowLengths: number[] = [];
  let start = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i === raw.length || raw[i] === 0x2c) {
      if (i > start) {
        const n = parseDecimal(raw, start, i);
        if (n === null) throw new BadIndexOptions(where, 'bad row_lengths value');
        rowLengths.push(n);
      }
      start = i + 1;
    }
  }
  return { referenceLists, keyElements, keyCount, rowLengths, headerEnd: pos };
}

/** Checks a prefix for an index with `keyElements`-element keys (Breezy's `_sanity_check_key`). */
export function checkPrefix(prefix: PrefixKey, keyElements: number): void {
  if (!Array.isArray(prefix) || prefix.length !== keyElements || prefix[0] === null || prefix[0] === undefined) {
    throw new InvalidKey(prefix, `a prefix must have ${keyElements} element(s), the first not null`);
  }
}

/**
 * True when `key` matches `prefix`: the elements before the first null are
 * equal (later elements of the prefix are ignored, as in Breezy).
 */
export function matchesPrefix(key: Key, prefix: PrefixKey): boolean {
  for (let i = 0; i < prefix.length; i++) {
    const p = prefix[i];
    if (p === null || p === undefined) return true;
    if (key[i] !== p) return false;
  }
  return true;
}

/**
 * The positions in `sorted` (ascending keys) of the nodes matching any of the
 * prefixes, each once, ascending: a binary search to each prefix's head, then
 * a scan while keys match.
 */
export function prefixMatchPositions<N extends { readonly key: Key }>(
  sorted: readonly N[],
  prefixes: Iterable<PrefixKey>,
  keyElements: number,
): number[] {
  const hits = new Set<number>();
  for (const prefix of prefixes) {
    checkPrefix(prefix, keyElements);
    const head = prefixHead(prefix);
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys((sorted[mid] as N).key, head) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < sorted.length && matchesPrefix((sorted[i] as N).key, prefix); i++) hits.add(i);
  }
  return [...hits].sort((a, b) => a - b);
}

/** The non-null leading part of a prefix, as a key to seek to in sorted order. */
export function prefixHead(prefix: PrefixKey): Key {
  const out: string[] = [];
  for (const p of prefix) {
    if (p === null) break;
    out.push(p);
  }
  return out;
}

/**
 * Splits bytes[start, end) into reference lists (TAB between lists, CR
 * between references, empty references skipped) and maps each reference's
 * span with `item`. Both index formats write references this way; only what
 * a reference is (an offset, a key) differs.
 */
export function splitReferenceLists<T>(
  bytes: Uint8Array,
  start: number,
  end: number,
  expected: number,
  where: string,
  item: (start: number, end: number) => T,
): T[][] {
  const lists: T[][] = [];
  if (expected === 0) {
    if (end !== start) throw new BadIndexData(where, 'references where none are allowed');
    return lists;
  }
  let listStart = start;
  for (let i = start; i <= end; i++) {
    if (i !== end && bytes[i] !== 0x09) continue;
    const list: T[] = [];
    let refStart = listStart;
    for (let j = listStart; j <= i; j++) {
      if (j !== i && bytes[j] !== 0x0d) continue;
      if (j > refStart) list.push(item(refStart, j));
      refStart = j + 1;
    }
    lists.push(list);
    listStart = i + 1;
  }
  if (lists.length !== expected) {
    throw new BadIndexData(where, `expected ${expected} reference lists, found ${lists.length}`);
  }
  return lists;
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * Sorts items by key in index order (Python's tuple order over UTF-8 bytes).
 * Keys joined by NUL compare natively as JS strings in that same order unless
 * a key holds a character beyond the BMP (UTF-16 surrogates sort differently
 * from UTF-8), and then the exact comparison is used.
 */
export function sortByKey<T>(items: readonly T[], keyOf: (item: T) => Key): T[] {
  const decorated = items.map((item) => ({ id: keyOf(item).join('\u0000'), item }));
  if (decorated.some((d) => SURROGATE.test(d.id))) return [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  decorated.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return decorated.map((d) => d.item);
}

/** Sorts and dedupes keys in index order. */
export function sortedUniqueKeys(keys: Iterable<Key>): Key[] {
  const sorted = [...keys].sort(compareKeys);
  const out: Key[] = [];
  for (const k of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || compareKeys(last, k) !== 0) out.push(k);
  }
  return out;
}
