// Knit content: the lines of one text in the form knit records store them, and
// the line deltas between such texts.
//
// Inside a record every line ends in `\n`; a text whose last line has none is
// stored with one added and the `no-eol` flag set, and `contentText` strips it
// again. Annotated knits prefix each stored line with the version id that
// introduced it (`origin SP line`); plain knits store the bare lines.
//
// A line delta is a list of hunks `start,end,count\n` followed by `count` new
// lines: "replace lines [start, end) of the basis with these". Offsets are in
// the basis' coordinates and hunks are sorted and do not overlap.
//
// Entry points: `KnitContent`, `DeltaHunk`, `parseFulltext`/`lowerFulltext`,
// `parseLineDelta`/`lowerLineDelta`/`denseLineDelta`, `applyDelta`, `deltaFromBlocks`,
// `contentText`.

import { concatBytes, fromUtf8, utf8 } from '@versionedfiles/core';
import type { MatchingBlock } from '@versionedfiles/core';
import { KnitCorrupt, type KnitWhere } from './errors.js';
import { parseDecimal } from './fields.js';

export interface KnitContent {
  /** Every line ends in `\n`, the last one included (see `noeol`). */
  readonly lines: readonly Uint8Array[];
  /** Annotated content: the origin version id of each line. Plain content: null. */
  readonly origins: readonly string[] | null;
  /** The text's last line has no `\n`: `contentText` strips the stored one. */
  readonly noeol: boolean;
}

export interface DeltaHunk {
  readonly start: number;
  readonly end: number;
  readonly lines: readonly Uint8Array[];
  /** Parallel to `lines` for annotated deltas; null for plain ones. */
  readonly origins: readonly string[] | null;
  /** Where `lines` start in the text they were taken from, for hunks `deltaFromBlocks` made. */
  readonly at?: number;
}


const SP = 0x20;
const NL = 0x0a;
const NEWLINE = Uint8Array.of(NL);

/** Splits `origin SP text` lines; origins are shared strings, decoded once each. */
class OriginReader {
  /** Origins seen, by a hash of their bytes. */
  readonly #seen = new Map<number, { bytes: Uint8Array; origin: string }[]>();
  // Runs of lines share an origin: the last one is checked first, byte for byte.
  #lastBytes: Uint8Array = new Uint8Array(0);
  #last = '';

  constructor(private readonly where: KnitWhere) {}

  split(line: Uint8Array, index: number): [string, Uint8Array] {
    const sp = line.indexOf(SP);
    if (sp < 0) throw new KnitCorrupt(`annotated line ${index} has no origin`, this.where);
    const bytes = line.subarray(0, sp);
    if (!sameBytes(bytes, this.#lastBytes)) {
      this.#last = this.#lookup(bytes);
      this.#lastBytes = bytes;
    }
    return [this.#last, line.subarray(sp + 1)];
  }

  #lookup(bytes: Uint8Array): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
    let bucket = this.#seen.get(h);
    if (bucket === undefined) {
      bucket = [];
      this.#seen.set(h, bucket);
    }
    for (const entry of bucket) if (sameBytes(entry.bytes, bytes)) return entry.origin;
    const origin = fromUtf8(bytes);
    bucket.push({ bytes, origin });
    return origin;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Joins origins and lines back into `origin SP text` lines: views into one
 * buffer, as one allocation is far cheaper than one per line.
 */
function annotateLines(origins: readonly string[], lines: readonly Uint8Array[]): Uint8Array[] {
  const encoded = new Map<string, Uint8Array>();
  const prefixes: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    const origin = origins[i] as string;
    let prefix = encoded.get(origin);
    if (prefix === undefined) {
      prefix = concatBytes([utf8(origin), Uint8Array.of(SP)]);
      encoded.set(origin, prefix);
    }
    prefixes.push(prefix);
    total += prefix.length + (lines[i] as Uint8Array).length;
  }
  const joined = new Uint8Array(total);
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    const prefix = prefixes[i] as Uint8Array;
    const line = lines[i] as Uint8Array;
    joined.set(prefix, at);
    joined.set(line, at + prefix.length);
    const end = at + prefix.length + line.length;
    out.push(joined.subarray(at, end));
    at = end;
  }
  return out;
}

/** Parses the body lines of a fulltext record. */
export function parseFulltext(
  body: readonly Uint8Array[],
  annotated: boolean,
  noeol: boolean,
  where: KnitWhere = {},
): KnitContent {
  if (!annotated) return { lines: body, origins: null, noeol };
  const reader = new OriginReader(where);
  const lines: Uint8Array[] = new Array(body.length);
  const origins: string[] = new Array(body.length);
  for (let i = 0; i < body.length; i++) {
    const [origin, text] = reader.split(body[i] as Uint8Array, i);
    origins[i] = origin;
    lines[i] = text;
  }
  return { lines, origins, noeol };
}

/** The body lines of a fulltext record for `content`. */
export function lowerFulltext(content: KnitContent, annotated: boolean): readonly Uint8Array[] {
  if (!annotated) return content.lines;
  if (content.origins === null) throw new TypeError('annotated knits need annotated content');
  return annotateLines(content.origins, content.lines);
}


/** A hunk header line, `start,end,count\n`. */
export function parseHunkHeader(line: Uint8Array, where: KnitWhere): [number, number, number] {
  const end = line.length > 0 && line[line.length - 1] === NL ? line.length - 1 : line.length;
  const c1 = line.indexOf(0x2c);
  const c2 = c1 < 0 ? -1 : line.indexOf(0x2c, c1 + 1);
  const start = c1 < 0 ? null : parseDecimal(line, 0, c1);
  const stop = c2 < 0 ? null : parseDecimal(line, c1 + 1, c2);
  const count = c2 < 0 ? null : parseDecimal(line, c2 + 1, end);
  if (start === null || stop === null || count === null || stop < start) {
    throw new KnitCorrupt(`bad line-delta hunk header ${JSON.stringify(fromUtf8(line))}`, where);
  }
  return [start, stop, count];
}

/** Parses the body lines of a line-delta record. */
export function parseLineDelta(body: readonly Uint8Array[], annotated: boolean, where: KnitWhere = {}): DeltaHunk[] {
  const hunks: DeltaHunk[] = [];
  const reader = annotated ? new OriginReader(where) : null;
  let cur = 0;
  let last = 0;
  while (cur < body.length) {
    const [start, end, count] = parseHunkHeader(body[cur] as Uint8Array, where);
    cur += 1;
    if (start < last) throw new KnitCorrupt('line-delta hunks overlap or are out of order', where);
    last = end;
    if (count > body.length - cur) throw new KnitCorrupt('line-delta hunk is truncated', where);
    const raw = body.slice(cur, cur + count);
    cur += count;
    if (reader === null) {
      hunks.push({ start, end, lines: raw, origins: null });
    } else {
      const lines: Uint8Array[] = new Array(count);
      const origins: string[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const [origin, text] = reader.split(raw[i] as Uint8Array, cur - count + i);
        origins[i] = origin;
        lines[i] = text;
      }
      hunks.push({ start, end, lines, origins });
    }
  }
  return hunks;
}

/**
 * A plain delta's body, as `lowerLineDelta` gave it (`body`), in fewer
 * chunks: each hunk's header, then its lines as one view of the target's
 * `text`, whose lines start at `bounds` (`lineBoundaries`); a stored no-eol
 * last line, whose newline the text lacks, gets it as a chunk of its own.
 * Copying a record into the deflate worker's ring, or deflating it, is then
 * a native call per hunk, not per line. Hunks without `at` keep their lines.
 */
export function denseLineDelta(body: readonly Uint8Array[], hunks: readonly DeltaHunk[], text: Uint8Array, bounds: Int32Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const lastLine = bounds.length - 1;
  let k = 0;
  for (const h of hunks) {
    out.push(body[k++] as Uint8Array);
    const count = h.lines.length;
    const from = k;
    k += count;
    if (count === 0) continue;
    if (h.at === undefined) {
      for (let i = from; i < k; i++) out.push(body[i] as Uint8Array);
      continue;
    }
    const end = h.at + count;
    out.push(text.subarray(bounds[h.at] as number, bounds[end] as number));
    if (end === lastLine && text[text.length - 1] !== NL) out.push(NEWLINE);
  }
  return out;
}

/** The body lines of a line-delta record for `hunks`. */
export function lowerLineDelta(hunks: readonly DeltaHunk[], annotated: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const h of hunks) {
    out.push(utf8(`${h.start},${h.end},${h.lines.length}\n`));
    if (annotated) {
      if (h.origins === null) throw new TypeError('annotated knits need annotated deltas');
      for (const l of annotateLines(h.origins, h.lines)) out.push(l);
    } else {
      for (const l of h.lines) out.push(l);
    }
  }
  return out;
}

/**
 * Applies `hunks` to `basis`, giving the new content (the basis is not changed).
 * Plain deltas applied to annotated content take `origin` for their new lines.
 */
export function applyDelta(
  basis: KnitContent,
  hunks: readonly DeltaHunk[],
  noeol: boolean,
  origin: string,
  where: KnitWhere = {},
): KnitContent {
  const lines: Uint8Array[] = [];
  const origins: string[] | null = basis.origins === null ? null : [];
  let pos = 0;
  const copy = (from: number, to: number): void => {
    for (let i = from; i < to; i++) lines.push(basis.lines[i] as Uint8Array);
    if (origins !== null) for (let i = from; i < to; i++) origins.push((basis.origins as readonly string[])[i] as string);
  };
  for (const h of hunks) {
    if (h.start < pos || h.end > basis.lines.length) {
      throw new KnitCorrupt(`line-delta hunk ${h.start},${h.end} does not fit a basis of ${basis.lines.length} lines`, where);
    }
    copy(pos, h.start);
    for (const l of h.lines) lines.push(l);
    if (origins !== null) {
      if (h.origins !== null) for (const o of h.origins) origins.push(o);
      else for (let i = 0; i < h.lines.length; i++) origins.push(origin);
    }
    pos = h.end;
  }
  copy(pos, basis.lines.length);
  return { lines, origins, noeol };
}

/**
 * The hunks that turn a basis into `target`, given the matching blocks between
 * them (`[basisStart, targetStart, length]`, in order). Every gap between blocks
 * becomes one hunk, as difflib's non-equal opcodes.
 */
export function deltaFromBlocks(
  blocks: readonly MatchingBlock[],
  basisLength: number,
  target: KnitContent,
): DeltaHunk[] {
  const hunks: DeltaHunk[] = [];
  let i = 0;
  let j = 0;
  const gap = (ai: number, bj: number): void => {
    if (i < ai || j < bj) {
      hunks.push({
        start: i,
        end: ai,
        lines: target.lines.slice(j, bj),
        origins: target.origins === null ? null : target.origins.slice(j, bj),
        at: j,
      });
    }
  };
  for (const [a, b, n] of blocks) {
    if (n === 0) continue;
    gap(a, b);
    i = a + n;
    j = b + n;
  }
  gap(basisLength, target.lines.length);
  return hunks;
}

/** The text's lines as the user gave them: the stored `\n` of a no-eol text removed. */
export function contentText(content: KnitContent): readonly Uint8Array[] {
  const { lines } = content;
  if (!content.noeol || lines.length === 0) return lines;
  const out = lines.slice();
  let last = out[out.length - 1] as Uint8Array;
  let end = last.length;
  while (end > 0 && last[end - 1] === NL) end--;
  last = last.subarray(0, end);
  out[out.length - 1] = last;
  return out;
}
