// The checks every store makes on lines it is asked to add, and the text they
// join into, in one pass over the lines (each line is a separate small array:
// a pass over them costs more than a pass over the text's bytes).
//
// Entry point: `checkAddedLines(lines, checkContent)`.

import { concatBytes, countNewlines, splitSourceOf } from './bytes.js';
import { BadParameterContainsNewline, BadParameterNotBytes } from './errors.js';

export interface CheckedLines {
  /** The lines joined: a new array. */
  readonly text: Uint8Array;
  /** The lines are already the text split at its newlines (none empty, only the last without one). */
  readonly proper: boolean;
}

/**
 * Lines must be bytes (always checked: `BadParameterNotBytes`) and, when
 * `checkContent`, hold no newline but at their end (`BadParameterContainsNewline`,
 * naming the first such line).
 */
export function checkAddedLines(lines: readonly Uint8Array[], checkContent = true): CheckedLines {
  if (!Array.isArray(lines)) throw new BadParameterNotBytes('lines', -1);
  // Lines just split from a text: nothing to check, one copy to join.
  const source = splitSourceOf(lines);
  if (source !== undefined) return { text: source.slice(), proper: true };
  const last = lines.length - 1;
  let terminated = 0;
  let proper = true;
  for (let i = 0; i <= last; i++) {
    const line: unknown = lines[i];
    if (!(line instanceof Uint8Array)) throw new BadParameterNotBytes('lines', i);
    if (line[line.length - 1] === 0x0a) terminated++;
    else if (i !== last || line.length === 0) proper = false;
  }
  // concatBytes hands back a lone line itself; stores keep this text, so it must not be the caller's array.
  const text = lines.length === 1 ? (lines[0] as Uint8Array).slice() : concatBytes(lines);
  // Lines without a newline inside hold exactly one when terminated: count
  // the text's, and look for the culprit only on a mismatch.
  if ((checkContent || proper) && countNewlines(text) !== terminated) {
    if (checkContent) throw new BadParameterContainsNewline('lines', lines.findIndex(hasInnerNewline));
    proper = false;
  }
  return { text, proper };
}

function hasInnerNewline(line: Uint8Array): boolean {
  const nl = line.indexOf(0x0a);
  return nl >= 0 && nl !== line.length - 1;
}
