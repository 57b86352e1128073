// Plain knit texts as one buffer and line offsets, for building texts from
// records without a view per line: a fulltext record's body is used where it
// was inflated, and a line delta is applied by copying runs of lines (one
// copy per run, whatever its number of lines) into a buffer sized up front.
// The text as one piece, what readers mostly want, is then a view, not a join.
// An annotated record's stored lines carry origins, so no run of them is a
// run of the text: when only the text is wanted, its origins are cut off
// first (`stripOrigins`, a copy per line of the record, not of the text), and
// the rest goes as for plain records. Annotations themselves come from the
// line arrays of content.ts.
//
// Entry points: `FlatText`, `flatFulltext`, `applyFlatDelta`, `stripOrigins`,
// `flatLines`, `flatJoined`, `lineViews`, `HunkSpan`.

import { markSplitFrom } from '@versionedfiles/core';
import { KnitCorrupt, type KnitWhere } from './errors.js';
import { parseHunkHeader } from './content.js';
import type { RecordLines } from './record.js';

const SP = 0x20;

/**
 * A text whose line i is `bytes[starts[i], starts[i + 1])`; every line ends
 * in `\n`, the last one included (as knit stores a no-eol text).
 */
export interface FlatText {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  /** The text's last line has no `\n`: `flatJoined` leaves the stored one out. */
  readonly noeol: boolean;
}

/** Where a delta hunk replaced lines `[start, end)` of its basis with `count` lines. */
export interface HunkSpan {
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

export function lineCount(text: FlatText): number {
  return text.starts.length - 1;
}

/** The text of a fulltext record: its body, where it lies. */
export function flatFulltext(record: RecordLines, noeol: boolean): FlatText {
  return { bytes: record.text, starts: record.starts, noeol };
}

/** The hunks of a line delta's body: where each replaced its basis's lines, and where its new lines start in the record. */
export interface DeltaHunks {
  readonly spans: readonly HunkSpan[];
  /** Per hunk, the record line its new lines start at. */
  readonly firsts: readonly number[];
}

/**
 * Reads and checks the hunk headers of the line delta `record` holds, for a
 * basis of `basisLines` lines, with `parseLineDelta`'s and `applyDelta`'s errors.
 */
export function readDeltaHunks(record: RecordLines, basisLines: number, where: KnitWhere = {}): DeltaHunks {
  const { text: rec, starts: rs } = record;
  const bodyLines = rs.length - 1;
  const spans: HunkSpan[] = [];
  const firsts: number[] = [];
  let cur = 0;
  let last = 0;
  while (cur < bodyLines) {
    const [start, end, count] = parseHunkHeader(rec.subarray(rs[cur] as number, rs[cur + 1] as number), where);
    cur += 1;
    if (start < last) throw new KnitCorrupt('line-delta hunks overlap or are out of order', where);
    last = end;
    if (count > bodyLines - cur) throw new KnitCorrupt('line-delta hunk is truncated', where);
    spans.push({ start, end, count });
    firsts.push(cur);
    cur += count;
  }
  for (const { start, end } of spans) {
    if (end > basisLines) throw new KnitCorrupt(`line-delta hunk ${start},${end} does not fit a basis of ${basisLines} lines`, where);
  }
  return { spans, firsts };
}

/** The line count of a delta's result: the basis's, less what the hunks replace, plus their new lines. */
export function deltaResultLines(spans: readonly HunkSpan[], basisLines: number): number {
  let lines = basisLines;
  for (const { start, end, count } of spans) lines += count - (end - start);
  return lines;
}

/**
 * Applies the line delta whose body `record` holds to `basis`, checking it
 * as `parseLineDelta` and `applyDelta` do, with the same errors. Gives the new
 * text and where its hunks were.
 */
export function applyFlatDelta(
  basis: FlatText,
  record: RecordLines,
  noeol: boolean,
  where: KnitWhere = {},
): { text: FlatText; spans: readonly HunkSpan[] } {
  const { text: rec, starts: rs } = record;
  const bs = basis.starts;
  const basisLines = bs.length - 1;
  const { spans, firsts } = readDeltaHunks(record, basisLines, where);
  let size = 0;
  let pos = 0;
  for (let h = 0; h < spans.length; h++) {
    const { start, end, count } = spans[h] as HunkSpan;
    const first = firsts[h] as number;
    size += (bs[start] as number) - (bs[pos] as number) + (rs[first + count] as number) - (rs[first] as number);
    pos = end;
  }
  size += (bs[basisLines] as number) - (bs[pos] as number);
  const lines = deltaResultLines(spans, basisLines);

  const bytes = new Uint8Array(size);
  const starts = new Int32Array(lines + 1);
  let at = 0;
  let line = 0;
  // Lines [from, to) of `src` (offsets `offsets`) go to `at`.
  const copy = (src: Uint8Array, offsets: Int32Array, from: number, to: number): void => {
    if (from === to) return;
    const base = offsets[from] as number;
    const shift = at - base;
    for (let i = from; i < to; i++) starts[line++] = (offsets[i] as number) + shift;
    const length = (offsets[to] as number) - base;
    bytes.set(src.subarray(base, base + length), at);
    at += length;
  };
  pos = 0;
  for (let h = 0; h < spans.length; h++) {
    const { start, end, count } = spans[h] as HunkSpan;
    copy(basis.bytes, bs, pos, start);
    const first = firsts[h] as number;
    copy(rec, rs, first, first + count);
    pos = end;
  }
  copy(basis.bytes, bs, pos, basisLines);
  starts[line] = at;
  return { text: { bytes, starts, noeol }, spans };
}

/**
 * The body of an annotated record with each text line's origin (and its
 * space) cut off, hunk headers kept: what the plain record of the same text
 * would hold, for building annotated texts flat when only the text is wanted.
 * Checks what `parseFulltext` and `parseLineDelta` check of the origins
 * (every text line has one), with the same errors; the headers are checked
 * when the delta is applied.
 */
export function stripOrigins(record: RecordLines, delta: boolean, where: KnitWhere = {}): RecordLines {
  const { text, starts } = record;
  const n = starts.length - 1;
  const out = new Uint8Array(text.length);
  const outStarts = new Int32Array(n + 1);
  let at = 0;
  // Text lines still to come in the current hunk (a fulltext: all of them).
  let left = delta ? 0 : n;
  for (let i = 0; i < n; i++) {
    const start = starts[i] as number;
    const end = starts[i + 1] as number;
    outStarts[i] = at;
    let from = start;
    if (left === 0) {
      left = parseHunkHeader(text.subarray(start, end), where)[2];
    } else {
      const sp = text.indexOf(SP, start);
      if (sp < 0 || sp >= end) throw new KnitCorrupt(`annotated line ${i} has no origin`, where);
      from = sp + 1;
      left--;
    }
    out.set(text.subarray(from, end), at);
    at += end - from;
  }
  outStarts[n] = at;
  return { versionId: record.versionId, sha1: record.sha1, text: out.subarray(0, at), starts: outStarts };
}

/** The text's lines as the user gave them (`contentText`): views of its buffer. */
export function flatLines(text: FlatText): Uint8Array[] {
  const n = text.starts.length - 1;
  const out = lineViews(text.bytes, text.starts);
  if (text.noeol && n > 0) {
    const lastLine = out[n - 1] as Uint8Array;
    out[n - 1] = lastLine.subarray(0, lastLine.length - 1);
  }
  // Marked as a split of the whole text, so the line interner finds the lines
  // it shares with another such text at both ends with native compares. Every
  // stored line ends in its only newline; a no-eol text's last line is not
  // empty unless the record is corrupt, and then it is not marked.
  if (!text.noeol || ((out[n - 1] as Uint8Array | undefined)?.length ?? 0) > 0) markSplitFrom(out, flatJoined(text));
  return out;
}

/**
 * Line i of `bytes` is `bytes[starts[i], starts[i + 1])`: a view per line.
 * Made with the constructor, which V8 runs in about half the time of
 * `subarray` (no species lookup); at hundreds of thousands of lines it shows.
 */
export function lineViews(bytes: Uint8Array, starts: Int32Array): Uint8Array[] {
  const n = starts.length - 1;
  const out: Uint8Array[] = new Array(n);
  const buffer = bytes.buffer;
  const base = bytes.byteOffset;
  for (let i = 0; i < n; i++) {
    const start = starts[i] as number;
    out[i] = new Uint8Array(buffer, base + start, (starts[i + 1] as number) - start);
  }
  return out;
}

/** The whole text as the user gave it: a view of its buffer. */
export function flatJoined(text: FlatText): Uint8Array {
  const { bytes, starts } = text;
  const n = starts.length - 1;
  const end = starts[n] as number;
  return bytes.subarray(starts[0] as number, text.noeol && n > 0 ? end - 1 : end);
}
