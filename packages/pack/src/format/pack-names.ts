// The layout of a Breezy pack repository and its `pack-names` file.
//
//   pack-names                 an index (0 reference lists, 1-element keys; a B+Tree,
//                              or a GraphIndex in pack-0.92 repositories):
//                              key = pack name (md5 hex of the pack's bytes),
//                              value = the pack's index sizes, decimal, space-separated,
//                              in the order revision, inventory, text, signature[, chk]
//   packs/NAME.pack            the pack container
//   indices/NAME.rix .iix .tix .six [.cix]   one index per kind
//   upload/                    packs being written; obsolete_packs/: packs replaced
//
// Entry points: `IndexKind`, `PackLayout` with `FORMAT_2A_LAYOUT`,
// `KNIT_PACK_LAYOUT` (pack-0.92's GraphIndex) and `KNIT_BTREE_PACK_LAYOUT`
// (1.9 and later knit packs), `PackNameEntry`, `encodePackNames` and
// `decodePackNameValue`.

import { compareUtf8, utf8 } from '@versionedfiles/core';
import { BadIndexData } from '../errors.js';
import { BTreeBuilder } from './btree.js';
import { GraphIndexBuilder } from './graph-index.js';
import { parseDecimal } from './index-common.js';

export type IndexKind = 'revision' | 'inventory' | 'text' | 'signature' | 'chk';

export interface IndexSpec {
  readonly suffix: string;
  /** Position of this index's size in the pack-names value. */
  readonly position: number;
  readonly referenceLists: number;
  readonly keyElements: number;
}

export interface PackLayout {
  readonly name: string;
  /** Which index format the pack's indices use. */
  readonly indexFormat: 'btree' | 'graph';
  readonly indices: Readonly<Partial<Record<IndexKind, IndexSpec>>>;
}

const SUFFIX: Record<IndexKind, [string, number]> = {
  revision: ['.rix', 0],
  inventory: ['.iix', 1],
  text: ['.tix', 2],
  signature: ['.six', 3],
  chk: ['.cix', 4],
};

function spec(kind: IndexKind, referenceLists: number, keyElements = 1): IndexSpec {
  const [suffix, position] = SUFFIX[kind];
  return { suffix, position, referenceLists, keyElements };
}

/** "Bazaar repository format 2a": groupcompress, one reference list everywhere, and CHK pages. */
export const FORMAT_2A_LAYOUT: PackLayout = {
  name: '2a',
  indexFormat: 'btree',
  indices: {
    revision: spec('revision', 1),
    inventory: spec('inventory', 1),
    text: spec('text', 1, 2),
    signature: spec('signature', 0),
    chk: spec('chk', 0),
  },
};

/** Knit packs with B+Tree indices (formats 1.9 and later): parents and compression parents. */
export const KNIT_BTREE_PACK_LAYOUT: PackLayout = {
  name: 'knit-btree',
  indexFormat: 'btree',
  indices: {
    revision: spec('revision', 1),
    inventory: spec('inventory', 2),
    text: spec('text', 2, 2),
    signature: spec('signature', 0),
  },
};

/** pack-0.92 knit packs: the same indices as GraphIndex files. */
export const KNIT_PACK_LAYOUT: PackLayout = { ...KNIT_BTREE_PACK_LAYOUT, name: 'pack-0.92', indexFormat: 'graph' };

export function layoutKinds(layout: PackLayout): IndexKind[] {
  return (Object.keys(layout.indices) as IndexKind[]).sort(
    (a, b) => (layout.indices[a] as IndexSpec).position - (layout.indices[b] as IndexSpec).position,
  );
}

export interface PackNameEntry {
  readonly name: string;
  /** Index sizes by position (see `IndexSpec.position`). */
  readonly sizes: readonly number[];
}

/** The bytes of a pack-names file listing `entries`, in the layout's index format. */
export function encodePackNames(entries: Iterable<PackNameEntry>, format: PackLayout['indexFormat'] = 'btree'): Uint8Array {
  const shape = { referenceLists: 0, keyElements: 1 };
  const builder = format === 'btree' ? new BTreeBuilder(shape) : new GraphIndexBuilder(shape);
  const sorted = [...entries].sort((a, b) => compareUtf8(a.name, b.name));
  for (const { name, sizes } of sorted) builder.addNode([name], utf8(sizes.join(' ')));
  return builder.finish();
}

/** Parses a pack-names value: decimal sizes separated by single spaces. */
export function decodePackNameValue(value: Uint8Array, where = 'pack-names'): number[] {
  const sizes: number[] = [];
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i < value.length && value[i] !== 0x20) continue;
    const n = parseDecimal(value, start, i);
    if (n === null) throw new BadIndexData(where, 'an index size is not a number');
    sizes.push(n);
    start = i + 1;
  }
  return sizes;
}
