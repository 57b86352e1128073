// Planning a readv: check the ranges, merge neighbours into fewer reads.
//
// Entry points: `checkRanges` (refuses malformed ranges and ones past the end,
// before any IO), `coalesceRanges` (sorted reads covering every range, each
// remembering which requests it serves).

import { ShortRead } from '../errors.js';
import type { ByteRange } from './transport.js';
import { TransportError } from './transport.js';

export interface CoalescedRead {
  readonly start: number;
  readonly length: number;
  /** Indices into the request list of the ranges this read covers. */
  readonly requests: readonly number[];
}

export interface CoalesceOptions {
  /** Merge reads separated by a gap of at most this many bytes. */
  readonly fudge?: number;
  /** Do not grow a merged read beyond this many bytes (a single larger range stays alone). */
  readonly maxSize?: number;
  /** At most this many ranges per read. */
  readonly maxRanges?: number;
}

export function checkRanges(path: string, ranges: readonly ByteRange[], fileSize: number): void {
  for (const [offset, length] of ranges) {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new TransportError(path, 'invalidRange', `[${offset}, ${length}]`);
    }
    if (offset + length > fileSize) throw new ShortRead(path, offset, length, Math.max(0, fileSize - offset));
  }
}

export function coalesceRanges(ranges: readonly ByteRange[], options: CoalesceOptions = {}): CoalescedRead[] {
  const fudge = options.fudge ?? 0;
  const maxSize = options.maxSize ?? 16 * 1024 * 1024;
  const maxRanges = options.maxRanges ?? 50;
  const order = ranges.map((_, i) => i).sort((a, b) => {
    const [oa, la] = ranges[a] as ByteRange;
    const [ob, lb] = ranges[b] as ByteRange;
    return oa - ob || la - lb;
  });
  const reads: CoalescedRead[] = [];
  let start = 0;
  let end = 0;
  let requests: number[] = [];
  for (const i of order) {
    const [offset, length] = ranges[i] as ByteRange;
    const newEnd = Math.max(end, offset + length);
    if (requests.length > 0 && offset <= end + fudge && newEnd - start <= maxSize && requests.length < maxRanges) {
      end = newEnd;
      requests.push(i);
      continue;
    }
    if (requests.length > 0) reads.push({ start, length: end - start, requests });
    start = offset;
    end = offset + length;
    requests = [i];
  }
  if (requests.length > 0) reads.push({ start, length: end - start, requests });
  return reads;
}
