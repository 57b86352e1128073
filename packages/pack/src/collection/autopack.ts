// Keeping the number of packs of a collection bounded, as Breezy's autopack
// does: every write group adds one pack, and once there are more packs than
// the digits of the total count add up to (1,234 keys: 1+2+3+4 = 10 packs),
// the smaller packs are combined so that pack sizes follow the powers of ten
// of the total (one pack of 1,000, two of 100, ...). Each key is so copied
// about once per power of ten it grows past, and reads stay over a handful
// of indices.
//
// How packs are combined is the caller's choice (`CombinePacks`).
// `combinePacks` copies records as they are, as Breezy's knit packer does:
// the container records are appended to a new pack and their index nodes
// re-added with the value pointing at the new span (`ValueSpans` says where
// a format keeps the span in an index value). Nothing is decompressed or
// re-diffed; a span that several nodes share is copied once. (Breezy's
// groupcompress packer recompresses instead, through a record stream.)
//
// Entry points: `packDistribution(total)`, `maxPackCount(total)` and
// `planAutopack(packs, total)` (Breezy's `pack_distribution`,
// `_max_pack_count` and `plan_autopack_combinations`; pure), `combinePacks`
// and `autopack` (IO, over a `PackCollection`).

import type { RecordSpan } from '../format/container.js';
import type { IndexKind } from '../format/pack-names.js';
import { layoutKinds } from '../format/pack-names.js';
import type { Key } from '@versionedfiles/core';
import type { NewPack, Pack, PackCollection } from './pack-collection.js';

/** The counts the packs of a collection of `total` keys should hold, largest first. */
export function packDistribution(total: number): number[] {
  if (total === 0) return [0];
  const out: number[] = [];
  const digits = String(total);
  for (let i = 0; i < digits.length; i++) {
    const size = 10 ** (digits.length - 1 - i);
    for (let n = 0; n < Number(digits[i]); n++) out.push(size);
  }
  return out;
}

/** How many packs a collection of `total` keys may have before it is autopacked. */
export function maxPackCount(total: number): number {
  if (total === 0) return 1;
  let sum = 0;
  for (const digit of String(total)) sum += Number(digit);
  return sum;
}

export interface CountedPack {
  readonly name: string;
  /** Keys in the pack (of the kind the collection is counted by). */
  readonly count: number;
}

/**
 * The packs to combine into one, or none: the largest packs that already
 * fill a slot of the distribution stay, the others are grouped into the
 * slots they fit, and every group's packs go into one new pack.
 */
export function planAutopack(packs: readonly CountedPack[], total: number): string[] {
  const distribution = packDistribution(total);
  // Packs with no key are left alone, as Breezy leaves revision-less packs.
  const pending = packs.filter((p) => p.count > 0).sort((a, b) => b.count - a.count || (a.name < b.name ? 1 : -1));
  if (pending.length <= distribution.length) return [];
  const groups: { count: number; names: string[] }[] = [{ count: 0, names: [] }];
  for (const pack of pending) {
    const slot = distribution[0] ?? 0;
    if (pack.count >= slot) {
      // Already packed as well as this slot asks: keep it, and use up its slots.
      let left = pack.count;
      while (left > 0 && distribution.length > 0) {
        left -= distribution[0] as number;
        if (left >= 0) distribution.shift();
        else distribution[0] = -left;
      }
    } else {
      const group = groups[groups.length - 1] as { count: number; names: string[] };
      group.count += pack.count;
      group.names.push(pack.name);
      if (group.count >= slot) {
        distribution.shift();
        groups.push({ count: 0, names: [] });
      }
    }
  }
  const names = groups.flatMap((g) => g.names);
  return names.length > 1 ? names : [];
}

/** Where the record span lives in an index value of a format, and how to point it elsewhere. */
export interface ValueSpans {
  spanOf(value: Uint8Array, key: Key): RecordSpan;
  withSpan(value: Uint8Array, span: RecordSpan, key: Key): Uint8Array;
}

/** Records read from a pack per batch: bounds memory to a few MiB of records. */
const COPY_BATCH_BYTES = 4 << 20;

/** Copies the records and index nodes of one listed pack into `target`. */
async function copyPack(source: Pack, target: NewPack, kinds: readonly IndexKind[], spans: ValueSpans): Promise<void> {
  const nodes: { kind: IndexKind; key: Key; value: Uint8Array; references: readonly (readonly Key[])[]; span: RecordSpan }[] = [];
  for (const kind of kinds) {
    const index = source.index(kind);
    if (index === null) continue;
    for await (const e of index.iterAllEntries()) {
      nodes.push({ kind, key: e.key, value: e.value, references: e.references, span: spans.spanOf(e.value, e.key) });
    }
  }
  const distinct = new Map<number, RecordSpan>();
  for (const n of nodes) distinct.set(n.span.offset, n.span);
  const ordered = [...distinct.values()].sort((a, b) => a.offset - b.offset);
  const moved = new Map<number, RecordSpan>();
  for (let i = 0; i < ordered.length; ) {
    let j = i;
    let bytes = 0;
    while (j < ordered.length && (j === i || bytes < COPY_BATCH_BYTES)) bytes += (ordered[j++] as RecordSpan).length;
    const batch = ordered.slice(i, j);
    const records = await source.readRecords(batch);
    records.forEach((record, k) => moved.set((batch[k] as RecordSpan).offset, target.addRecord(record.body, record.names)));
    i = j;
  }
  for (const n of nodes) {
    const span = moved.get(n.span.offset) as RecordSpan;
    target.indexBuilder(n.kind).addNode(n.key, spans.withSpan(n.value, span, n.key), n.references);
  }
}

/**
 * Combines listed packs into one new pack and swaps them for it in
 * pack-names (the old packs move to `obsolete_packs/`). A crash before the
 * swap leaves the old packs listed and the new one unlisted.
 */
export async function combinePacks(collection: PackCollection, names: readonly string[], spans: ValueSpans): Promise<void> {
  const kinds = layoutKinds(collection.layout);
  const target = collection.newPack();
  try {
    for (const name of names) {
      const pack = collection.pack(name);
      if (pack === undefined) throw new RangeError(`pack ${name} is not listed`);
      await copyPack(pack, target, kinds, spans);
    }
    await collection.addPacks([target], { obsolete: names });
  } catch (err) {
    await target.abort();
    throw err;
  }
}

/** Replaces listed packs by one new pack holding their keys (e.g. `combinePacks`). */
export type CombinePacks = (collection: PackCollection, names: readonly string[]) => Promise<void>;

/**
 * Combines packs when there are more than the total count allows (counted
 * by the keys of the index of `kind`), with `combine` (default: copying
 * records as they are, which needs `spans`); returns the packs combined.
 * Files left in `obsolete_packs/` by earlier runs are deleted first.
 */
export async function autopack(collection: PackCollection, kind: IndexKind, combine: CombinePacks): Promise<string[]> {
  const counted: CountedPack[] = [];
  for (const pack of collection.packs()) counted.push({ name: pack.name, count: (await pack.index(kind)?.keyCount()) ?? 0 });
  const total = counted.reduce((sum, p) => sum + p.count, 0);
  if (counted.length <= maxPackCount(total)) return [];
  const names = planAutopack(counted, total);
  if (names.length === 0) return [];
  await collection.clearObsoletePacks();
  await combine(collection, names);
  return names;
}
