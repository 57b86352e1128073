// How knit packs describe a record in their GraphIndex (Breezy's `_KnitGraphIndex`).
//
// Value: one flag byte, `N` when the text has no final newline else SP, then
// `<offset> SP <length>` in decimal: the span of the record's container
// record (header and body) in the pack.
// References, by index shape:
//   graph and deltas (2 lists): [parents], [compression parent] (empty for fulltexts)
//   graph only (1 list):        [parents]
//   no graph (0 lists):         none; every record is a fulltext
//
// Entry points: `encodePackValue`, `decodePackValue`, `packReferences`.

import { latin1, utf8 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { KnitCorrupt } from './errors.js';
import { parseDecimal } from './fields.js';

export interface PackValue {
  readonly noeol: boolean;
  readonly pos: number;
  readonly size: number;
}

export function encodePackValue(value: PackValue): Uint8Array {
  return utf8(`${value.noeol ? 'N' : ' '}${value.pos} ${value.size}`);
}

export function decodePackValue(bytes: Uint8Array, key: Key | null = null): PackValue {
  const sp = bytes.indexOf(0x20, 1);
  const pos = sp < 0 ? null : parseDecimal(bytes, 1, sp);
  const size = sp < 0 ? null : parseDecimal(bytes, sp + 1);
  if (pos === null || size === null) throw new KnitCorrupt(`bad knit index value ${JSON.stringify(latin1(bytes))}`, { key });
  return { noeol: bytes[0] === 0x4e, pos, size };
}

export interface PackShape {
  readonly graph: boolean;
  readonly deltas: boolean;
}

/** Reference lists for a record: see the table above. */
export function packReferences(shape: PackShape, parents: readonly Key[], delta: boolean, key: Key): Key[][] {
  if (!shape.deltas && delta) throw new KnitCorrupt('attempt to add line-delta in non-delta knit', { key });
  if (!shape.graph) {
    if (parents.length > 0) throw new KnitCorrupt('attempt to add node with parents in parentless index', { key });
    return [];
  }
  if (!shape.deltas) return [[...parents]];
  if (!delta) return [[...parents], []];
  const basis = parents[0];
  if (basis === undefined) throw new KnitCorrupt('line-delta record without parents', { key });
  return [[...parents], [basis]];
}
