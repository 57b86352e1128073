// The largest text a store accepts, and the reader limits derived from it.
//
// One rule serves both sides. Writers refuse a text over `MAX_TEXT_BYTES`
// (or a store's lower `maxTextBytes`) with `LimitExceeded` before writing
// anything, and refuse an encoded record or block over `readerLimitFor(max)`;
// readers stop inflating at `MAX_ENCODED_BYTES = readerLimitFor(MAX_TEXT_BYTES)`.
// So whatever a writer acknowledged, a reader with the defaults can read back,
// and hostile input still stops at a bound.
//
// Why twice the text: a knit record of a text carries, besides the text, its
// header and end lines (bounded) and, in annotated knits, an origin per line,
// and a line delta carries a hunk header per change; a groupcompress group
// grows to twice its largest text before Breezy's rule starts a new one.
// Writers still check the exact encoded size, so an encoding that is larger
// still (say, annotations on very short lines) is refused, never stored.
//
// Entry points: `MAX_TEXT_BYTES`, `FRAMING_ALLOWANCE_BYTES`, `readerLimitFor`,
// `MAX_ENCODED_BYTES`, `checkTextSize`, `checkMaxTextOption`.

import { LimitExceeded } from './errors.js';

/** The largest text any store here accepts: 1 GiB. */
export const MAX_TEXT_BYTES = 2 ** 30;

/** Room for the fixed parts around a text: record header and end lines, a no-eol newline, a block's record header. */
export const FRAMING_ALLOWANCE_BYTES = 64 * 1024;

/** The largest encoded record or block content a reader must take for texts of up to `maxTextBytes`. */
export function readerLimitFor(maxTextBytes: number): number {
  return 2 * maxTextBytes + FRAMING_ALLOWANCE_BYTES;
}

/** What readers inflate at most for one knit record or groupcompress block content (2 GiB + 64 KiB). */
export const MAX_ENCODED_BYTES = readerLimitFor(MAX_TEXT_BYTES);

/** Refuses a text longer than `maxTextBytes` (`LimitExceeded`). */
export function checkTextSize(length: number, maxTextBytes: number = MAX_TEXT_BYTES, what = 'text'): void {
  if (length > maxTextBytes) throw new LimitExceeded(what, maxTextBytes, length);
}

/** A store's `maxTextBytes` option: a positive integer no larger than `MAX_TEXT_BYTES` (readers could not take more). */
export function checkMaxTextOption(value: number | undefined): number {
  if (value === undefined) return MAX_TEXT_BYTES;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_TEXT_BYTES) {
    throw new RangeError(`maxTextBytes must be an integer from 1 to ${MAX_TEXT_BYTES}, got ${value}`);
  }
  return value;
}
