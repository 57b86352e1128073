// GraphIndex, "Bazaar Graph Index 1": a sorted text file of nodes whose
// references are byte offsets of other lines.
//
//   "Bazaar Graph Index 1\n"
//   "node_ref_lists=" R "\n" "key_elements=" K "\n" "len=" N "\n"
//   ( KEY "\0" ABSENT "\0" REFS "\0" VALUE "\n" )*      sorted by key
//   "\n"
//
// KEY is K elements joined by NUL; ABSENT is "" or "a" (a key that is only
// referenced, never added); REFS is R lists joined by TAB, each list the
// offsets of the referenced lines joined by CR, every offset zero-padded to
// the same width so a builder can compute them in one pass.
//
// Entry points: `GraphIndexBuilder` (byte-identical to Breezy's
// `GraphIndexBuilder.finish()`), `parseGraphIndex` (a whole file in memory),
// `parseGraphIndexHeader` and `parseGraphIndexLine` (the pieces the
// bisecting reader in `../index/graph-index-reader.ts` uses).

import { KeyMap, compareKeys, concatBytes, utf8 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { BadIndexData, DuplicateIndexKey } from '../errors.js';
import {
  KeyDecoder,
  checkIndexNode,
  encodeIndexKey,
  parseDecimal,
  parseOptionLines,
  sortByKey,
  splitReferenceLists,
} from './index-common.js';
import type { IndexNode, IndexOptions, IndexShape } from './index-common.js';

export const GRAPH_INDEX_SIGNATURE = utf8('Bazaar Graph Index 1\n');

const NL = 0x0a;
const NUL = 0x00;

export interface IndexBuilderOptions {
  readonly referenceLists?: number;
  readonly keyElements?: number;
}

interface BuilderNode {
  readonly absent: boolean;
  readonly references: readonly (readonly Key[])[];
  readonly value: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * Collects nodes and writes a GraphIndex. Keys referenced but never added
 * are written as absent lines, as Breezy does.
 */
export class GraphIndexBuilder implements IndexShape {
  readonly referenceLists: number;
  readonly keyElements: number;
  readonly #nodes = new KeyMap<BuilderNode>();
  #absent = 0;

  constructor(options: IndexBuilderOptions = {}) {
    this.referenceLists = options.referenceLists ?? 0;
    this.keyElements = options.keyElements ?? 1;
  }

  /** Present (not absent) keys added so far. */
  get keyCount(): number {
    return this.#nodes.size - this.#absent;
  }

  addNode(key: Key, value: Uint8Array, references: readonly (readonly Key[])[] = []): void {
    checkIndexNode({ key, value, references }, this);
    const existing = this.#nodes.get(key);
    if (existing !== undefined && !existing.absent) throw new DuplicateIndexKey(key);
    for (const list of references) {
      for (const ref of list) {
        if (!this.#nodes.has(ref)) {
          this.#nodes.set(ref, { absent: true, references: [], value: EMPTY });
          this.#absent += 1;
        }
      }
    }
    // The key may have been absent before, or just now through a self-reference.
    if (this.#nodes.get(key)?.absent) this.#absent -= 1;
    this.#nodes.set(key, { absent: false, references: references.map((l) => [...l]), value });
  }

  /** The present nodes, in key order. */
  nodes(): IndexNode[] {
    const out: IndexNode[] = [];
    for (const [key, node] of this.#sorted()) {
      if (!node.absent) out.push({ key, value: node.value, references: node.references });
    }
    return out;
  }

  #sorted(): (readonly [Key, BuilderNode])[] {
    return sortByKey([...this.#nodes.entries()], ([key]) => key);
  }

  /** The index file's bytes. */
  finish(): Uint8Array {
    const header = utf8(
      `Bazaar Graph Index 1\nnode_ref_lists=${this.referenceLists}\nkey_elements=${this.keyElements}\nlen=${this.keyCount}\n`,
    );
    const nodes = this.#sorted().map(([key, node]) => ({ key, node, keyBytes: encodeIndexKey(key) }));
    // Offsets are zero-padded to one width, so one pass over the non-reference
    // bytes and the reference count gives every line's address.
    const addresses = new KeyMap<number>();
    let width = 1;
    if (this.referenceLists > 0) {
      let nonRef = header.length;
      let refs = 0;
      const before: [number, number][] = [];
      for (const { node, keyBytes } of nodes) {
        before.push([nonRef, refs]);
        nonRef += keyBytes.length + node.value.length + 4;
        if (node.absent) nonRef += 1;
        else {
          nonRef += this.referenceLists - 1;
          for (const list of node.references) {
            refs += list.length;
            if (list.length > 0) nonRef += list.length - 1;
          }
        }
      }
      while (10 ** width < nonRef + refs * width) width += 1;
      nodes.forEach(({ key }, i) => {
        const [n, r] = before[i] as [number, number];
        addresses.set(key, n + r * width);
      });
    }
    const parts: Uint8Array[] = [header];
    const text: string[] = [];
    for (const { node } of nodes) {
      const lists = node.references.map((list) =>
        list.map((ref) => String(addresses.get(ref) as number).padStart(width, '0')).join('\r'),
      );
      text.push(`${node.absent ? 'a' : ''}\u0000${lists.join('\t')}\u0000`);
    }
    nodes.forEach(({ node, keyBytes }, i) => {
      parts.push(keyBytes, ZERO, utf8(text[i] as string), node.value, NEWLINE);
    });
    parts.push(NEWLINE);
    return concatBytes(parts);
  }
}

const ZERO = Uint8Array.of(NUL);
const NEWLINE = Uint8Array.of(NL);

// -- parsing --------------------------------------------------------------------

/** One parsed line: references are still byte offsets. */
export interface GraphIndexLine {
  readonly key: Key;
  readonly absent: boolean;
  readonly referenceOffsets: readonly (readonly number[])[];
  readonly value: Uint8Array;
}

export function parseGraphIndexHeader(bytes: Uint8Array, where: string): IndexOptions {
  return parseOptionLines(bytes, GRAPH_INDEX_SIGNATURE, where, false);
}

/**
 * Parses the node line in bytes[start, end) (end excludes the newline).
 * `value` is a view into `bytes`.
 */
export function parseGraphIndexLine(
  bytes: Uint8Array,
  start: number,
  end: number,
  shape: IndexShape,
  decoder: KeyDecoder,
  where: string,
): GraphIndexLine {
  // KEY has keyElements - 1 NULs; then three more separate ABSENT, REFS, VALUE.
  let pos = start;
  for (let i = 0; i < shape.keyElements; i++) {
    const nul = bytes.indexOf(NUL, pos);
    if (nul < 0 || nul >= end) throw new BadIndexData(where, 'a line has too few fields');
    pos = nul + 1;
  }
  const keyEnd = pos - 1;
  const absentEnd = bytes.indexOf(NUL, pos);
  if (absentEnd < 0 || absentEnd >= end) throw new BadIndexData(where, 'a line has too few fields');
  const refsStart = absentEnd + 1;
  const refsEnd = bytes.indexOf(NUL, refsStart);
  if (refsEnd < 0 || refsEnd >= end) throw new BadIndexData(where, 'a line has too few fields');
  const valueStart = refsEnd + 1;
  const extra = bytes.indexOf(NUL, valueStart);
  if (extra >= 0 && extra < end) throw new BadIndexData(where, 'a line has too many fields');
  const absentLen = absentEnd - pos;
  if (absentLen > 1 || (absentLen === 1 && bytes[pos] !== 0x61)) throw new BadIndexData(where, 'bad absent flag');
  const absent = absentLen === 1;
  const key = decoder.key(start, keyEnd, shape.keyElements);
  // An absent line has no references whatever the index's shape.
  const referenceOffsets = splitReferenceLists(bytes, refsStart, refsEnd, absent ? 0 : shape.referenceLists, where, (a, b) => {
    const n = parseDecimal(bytes, a, b);
    if (n === null) throw new BadIndexData(where, 'a reference is not a number');
    return n;
  });
  return { key, absent, referenceOffsets, value: bytes.subarray(valueStart, end) };
}

export interface ParsedGraphIndex {
  readonly options: IndexOptions;
  /** Present nodes in file (key) order. */
  readonly nodes: IndexNode[];
}

/**
 * Parses a whole GraphIndex: every line, keys strictly ascending, every
 * reference resolved to a line, the empty trailer line last.
 */
export function parseGraphIndex(bytes: Uint8Array, where = 'graph index'): ParsedGraphIndex {
  const options = parseGraphIndexHeader(bytes, where);
  const decoder = new KeyDecoder(bytes, where);
  const lines: { offset: number; line: GraphIndexLine }[] = [];
  const keyAt = new Map<number, Key>();
  let pos = options.headerEnd;
  let previous: Key | null = null;
  for (;;) {
    const nl = bytes.indexOf(NL, pos);
    if (nl < 0) throw new BadIndexData(where, 'truncated: no trailer line');
    if (nl === pos) {
      if (nl !== bytes.length - 1) throw new BadIndexData(where, 'data after the trailer line');
      break;
    }
    const line = parseGraphIndexLine(bytes, pos, nl, options, decoder, `${where} at byte ${pos}`);
    if (previous !== null && compareKeys(previous, line.key) >= 0) {
      throw new BadIndexData(where, `keys out of order at byte ${pos}`);
    }
    previous = line.key;
    lines.push({ offset: pos, line });
    keyAt.set(pos, line.key);
    pos = nl + 1;
  }
  const nodes: IndexNode[] = [];
  for (const { line } of lines) {
    if (line.absent) continue;
    nodes.push({ key: line.key, value: line.value, references: resolveReferences(line, keyAt, where) });
  }
  if (nodes.length !== options.keyCount) {
    throw new BadIndexData(where, `header says ${options.keyCount} keys, found ${nodes.length}`);
  }
  return { options, nodes };
}

export function resolveReferences(
  line: GraphIndexLine,
  keyAt: { get(offset: number): Key | undefined },
  where: string,
): Key[][] {
  return line.referenceOffsets.map((list) =>
    list.map((offset) => {
      const key = keyAt.get(offset);
      if (key === undefined) throw new BadIndexData(where, `a reference to byte ${offset} is not a line`);
      return key;
    }),
  );
}
