// The slice of bencode the network record stream needs: byte strings, integers
// and lists (Breezy bencodes `(key, parents)` tuples for `fulltext` records).
//
// Decoding is for untrusted bytes: every length is checked against what is
// left, nesting is bounded, and anything else (dictionaries, junk, trailing
// bytes) is a `NetworkRecordCorrupt`.
//
// Entry points: `BValue`, `bencode`, `bdecode`.

import { concatBytes, utf8 } from '../bytes.js';
import { NetworkRecordCorrupt } from './errors.js';

export type BValue = Uint8Array | number | readonly BValue[];

/** Deeper than any key tuple list; stops hostile nesting from exhausting the stack. */
const MAX_DEPTH = 32;

export function bencode(value: BValue): Uint8Array {
  const out: Uint8Array[] = [];
  const walk = (v: BValue): void => {
    if (v instanceof Uint8Array) {
      out.push(utf8(`${v.length}:`), v);
    } else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new RangeError(`cannot bencode ${v}`);
      out.push(utf8(`i${v}e`));
    } else {
      out.push(Uint8Array.of(0x6c)); // 'l'
      for (const item of v) walk(item);
      out.push(Uint8Array.of(0x65)); // 'e'
    }
  };
  walk(value);
  return concatBytes(out);
}

export function bdecode(bytes: Uint8Array): BValue {
  let pos = 0;
  const fail = (how: string): never => {
    throw new NetworkRecordCorrupt(`bencode ${how} at byte ${pos}`);
  };
  const digits = (end: number): number => {
    // Decimal digits up to `end` (exclusive), no sign handled here, no leading zeros but "0".
    if (end === pos || end - pos > 15) fail('bad number');
    if (bytes[pos] === 0x30 && end - pos > 1) fail('leading zero');
    let n = 0;
    for (let i = pos; i < end; i++) {
      const c = bytes[i] as number;
      if (c < 0x30 || c > 0x39) fail('bad digit');
      n = n * 10 + (c - 0x30);
    }
    return n;
  };
  const value = (depth: number): BValue => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    const c = bytes[pos];
    if (c === undefined) return fail('truncated');
    if (c === 0x6c) {
      pos += 1;
      const items: BValue[] = [];
      while (bytes[pos] !== 0x65) {
        if (pos >= bytes.length) fail('unterminated list');
        items.push(value(depth + 1));
      }
      pos += 1;
      return items;
    }
    if (c === 0x69) {
      const end = bytes.indexOf(0x65, pos + 1);
      if (end < 0) fail('unterminated integer');
      pos += 1;
      const negative = bytes[pos] === 0x2d;
      if (negative) pos += 1;
      const n = digits(end);
      if (negative && n === 0) fail('negative zero');
      pos = end + 1;
      return negative ? -n : n;
    }
    if (c >= 0x30 && c <= 0x39) {
      const colon = bytes.indexOf(0x3a, pos);
      if (colon < 0) fail('unterminated string length');
      const length = digits(colon);
      if (length > bytes.length - colon - 1) fail('string longer than the input');
      pos = colon + 1 + length;
      return bytes.subarray(colon + 1, pos);
    }
    return fail(`unexpected byte 0x${c.toString(16)}`);
  };
  const result = value(0);
  if (pos !== bytes.length) fail('trailing bytes');
  return result;
}
