// What a knit store needs from its two halves, so the same store logic runs
// over knit files (`.kndx` + `.knit`) and over knit packs (GraphIndex + pack):
// - a `KnitIndex`: per key its parents, compression method, no-eol flag and
//   where its record lies;
// - a `KnitAccess`: raw record bytes in and out.
//
// Entry points: `KnitIndex`, `KnitAccess`, `IndexMemo`, `BuildDetails`,
// `ChainLink`, `BoundedChainLink`, `IndexRecord`.

import type { Key, KeyMap, KeySet, Parents } from '@versionedfiles/core';
import type { KnitMethod } from '../format/index.js';

/** Where one record lies: a file (or pack) name, an offset and a length. */
export interface IndexMemo {
  readonly file: string;
  readonly pos: number;
  readonly size: number;
}

export interface BuildDetails {
  readonly memo: IndexMemo;
  /** The record a line delta applies to; null for fulltexts. */
  readonly compressionParent: Key | null;
  readonly parents: Parents;
  readonly method: KnitMethod;
  readonly noeol: boolean;
}

/** What the delta-or-fulltext choice reads of a stored record: its basis and its memo's size. */
export interface ChainLink {
  readonly compressionParent: Key | null;
  readonly size: number;
}

/** A link whose size may not be known yet: it lies in `[least, most]` (equal once known). */
export interface BoundedChainLink {
  readonly compressionParent: Key | null;
  readonly least: number;
  readonly most: number;
}

export interface IndexRecord {
  readonly key: Key;
  /** Breezy's option list, in its order: `fulltext`/`line-delta`, `no-eol`. */
  readonly options: readonly string[];
  readonly memo: IndexMemo;
  readonly parents: Parents;
}

export interface AddRecordsOptions {
  readonly randomId?: boolean;
  /** These records' compression parents are not (yet) in the index. */
  readonly missingCompressionParents?: boolean;
}

export interface KnitIndex {
  readonly hasGraph: boolean;
  /** Details of the keys present; absent keys are left out. */
  getBuildDetails(keys: readonly Key[]): Promise<KeyMap<BuildDetails>>;
  getParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>>;
  keys(): Promise<KeySet>;
  addRecords(records: readonly IndexRecord[], options?: AddRecordsOptions): Promise<void>;
  /** Compression parents that records added with `missingCompressionParents` still lack. */
  missingCompressionParents(): KeySet;
}

export interface KnitAccess {
  /** Stores each record's bytes; returns where each went. */
  addRawRecords(records: readonly { readonly key: Key; readonly bytes: Uint8Array }[]): Promise<IndexMemo[]>;
  /** The memo size a record of `length` bytes will have once stored (a pack frames it); never smaller for a longer record. */
  storedSize(length: number): number;
  /** The bytes at each memo, in the order given. */
  getRawRecords(memos: readonly IndexMemo[]): Promise<Uint8Array[]>;
}

/** Orders memos for reading: by file, then offset. */
export function compareMemos(a: IndexMemo, b: IndexMemo): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.pos - b.pos;
}
