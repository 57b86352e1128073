// Plain knit texts as line ids: what an annotator needs of the texts it only
// walks through. A history's annotation matches texts against their parents;
// with every text held as ids of one `LineInterner`, a line delta is applied
// by copying runs of its basis's ids and interning only its new lines, a
// fulltext costs one hash per line, and no text is assembled as bytes. The
// ids are of the stored lines (each ends in `\n`, as the knit stores even a
// no-eol text's last line), which is what the next delta applies to;
// `textIds` gives the ids of the lines as the user gave them.
//
// Entry points: `InternedKnitText`, `internedFulltext`, `applyInternedDelta`,
// `textIds`.

import type { LineInterner } from '@versionedfiles/core';
import { KnitCorrupt, type KnitWhere } from './errors.js';
import { deltaResultLines, readDeltaHunks, type HunkSpan } from './flat.js';
import type { RecordLines } from './record.js';

export interface InternedKnitText {
  /** One id per stored line. */
  readonly ids: Int32Array;
  readonly noeol: boolean;
  /** The interner the ids belong to: ids of two texts compare only within one. */
  readonly interner: LineInterner;
}

/** The text of a plain fulltext record, interned. */
export function internedFulltext(record: RecordLines, noeol: boolean, interner: LineInterner): InternedKnitText {
  const { text, starts } = record;
  const ids = new Int32Array(starts.length - 1);
  for (let i = 0; i < ids.length; i++) ids[i] = interner.internSpan(text, starts[i] as number, starts[i + 1] as number);
  return { ids, noeol, interner };
}

/**
 * Applies the plain line delta `record` holds to `basis`, checked as
 * `applyFlatDelta` checks it (the same errors); only its new lines are interned.
 */
export function applyInternedDelta(
  basis: InternedKnitText,
  record: RecordLines,
  noeol: boolean,
  where: KnitWhere = {},
): { text: InternedKnitText; spans: readonly HunkSpan[] } {
  const { text: rec, starts: rs } = record;
  const { interner } = basis;
  const from = basis.ids;
  const { spans, firsts } = readDeltaHunks(record, from.length, where);
  const ids = new Int32Array(deltaResultLines(spans, from.length));
  let at = 0;
  let pos = 0;
  for (let h = 0; h < spans.length; h++) {
    const { start, end, count } = spans[h] as HunkSpan;
    ids.set(from.subarray(pos, start), at);
    at += start - pos;
    const first = firsts[h] as number;
    for (let i = first; i < first + count; i++) ids[at++] = interner.internSpan(rec, rs[i] as number, rs[i + 1] as number);
    pos = end;
  }
  ids.set(from.subarray(pos), at);
  return { text: { ids, noeol, interner }, spans };
}

/**
 * The ids of the text's lines as the user gave them: a no-eol text's last
 * line is its stored line without the newline, a different line (and id).
 */
export function textIds(text: InternedKnitText): Int32Array {
  const { ids, interner } = text;
  const n = ids.length;
  if (!text.noeol || n === 0) return ids;
  const stored = interner.bytesOf(ids[n - 1] as number);
  // Every stored line ends in its newline (records are split at them).
  if (stored === undefined || stored[stored.length - 1] !== 0x0a) throw new KnitCorrupt("a no-eol text's last stored line has no newline");
  const out = ids.slice();
  out[n - 1] = interner.internSpan(stored, 0, stored.length - 1);
  return out;
}
