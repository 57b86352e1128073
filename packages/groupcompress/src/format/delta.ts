// The groupcompress copy/insert delta (git's pack delta, as Breezy uses it).
//
//   delta  := base128(target length) instruction*
//   insert := 0NNNNNNN byte{N}                  N in 1..127
//   copy   := 1SSSOOOO offset-bytes size-bytes  each set bit O0..O3 brings one
//             little-endian offset byte, S0..S2 one size byte; size 0 means 0x10000
//   0x00 is reserved and invalid.
//
// Copies address the whole group content before the delta (the "source"), not
// one text. Entry points: `encodeBase128`, `decodeBase128`, `applyDelta`
// (checked: every copy in range, every length honest, or `GroupCompressCorrupt`),
// `parseDelta` (the instructions, for dumps and for checks), `encodeCopy`.

import { GroupCompressCorrupt } from './errors.js';
import type { GroupCompressWhere } from './errors.js';

/** Encodes a non-negative integer below 2^32 as 7-bit groups, least significant first. */
export function encodeBase128(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`cannot encode ${value} as base128`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/**
 * Decodes a base-128 integer at `pos`; returns `[value, bytesUsed]`. At most
 * five bytes (a 32-bit value); anything longer or running off the end is corrupt.
 */
export function decodeBase128(bytes: Uint8Array, pos: number, where: GroupCompressWhere = {}): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = pos; i < bytes.length && i < pos + 5; i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) break;
      return [value, i - pos + 1];
    }
  }
  throw new GroupCompressCorrupt('bad base128 length', where);
}

/** One delta instruction. */
export type DeltaInstruction =
  | { readonly op: 'copy'; readonly offset: number; readonly length: number }
  | { readonly op: 'insert'; readonly start: number; readonly length: number };

/** Encodes a copy of `length` (1..0x10000) bytes at `offset` (< 2^32). */
export function encodeCopy(offset: number, length: number): Uint8Array {
  if (length < 1 || length > 0x10000) throw new RangeError(`copy length ${length} out of range`);
  const out: number[] = [0x80];
  let cmd = 0x80;
  for (let i = 0; i < 4; i++) {
    const b = Math.floor(offset / 2 ** (8 * i)) & 0xff;
    if (b !== 0) {
      out.push(b);
      cmd |= 1 << i;
    }
  }
  const size = length === 0x10000 ? 0 : length;
  for (let i = 0; i < 2; i++) {
    const b = (size >> (8 * i)) & 0xff;
    if (b !== 0) {
      out.push(b);
      cmd |= 0x10 << i;
    }
  }
  out[0] = cmd;
  return Uint8Array.from(out);
}

/**
 * Reads the instructions of `delta[start, end)`: the target length and each
 * copy/insert. Checks the framing only (no instruction runs past the end, no
 * 0x00 opcode, the lengths add up to the target length).
 */
export function parseDelta(
  delta: Uint8Array,
  start = 0,
  end = delta.length,
  where: GroupCompressWhere = {},
): { targetLength: number; instructions: DeltaInstruction[] } {
  const instructions: DeltaInstruction[] = [];
  const targetLength = walkDelta(
    delta,
    start,
    end,
    where,
    (offset, length) => instructions.push({ op: 'copy', offset, length }),
    (at, length) => instructions.push({ op: 'insert', start: at, length }),
  );
  return { targetLength, instructions };
}

type OnCopy = (offset: number, length: number) => void;
type OnInsert = (start: number, length: number) => void;

/**
 * Decodes and checks each instruction, calling `onCopy`/`onInsert` when
 * given; returns the declared target length. With `sourceLength`, a copy
 * reaching past it is an error.
 */
function walkDelta(
  delta: Uint8Array,
  start: number,
  end: number,
  where: GroupCompressWhere,
  onCopy: OnCopy | null,
  onInsert: OnInsert | null,
  sourceLength = Infinity,
): number {
  if (start >= end) throw new GroupCompressCorrupt('empty delta', where);
  const [targetLength, used] = decodeBase128(delta.subarray(0, end), start, where);
  let pos = start + used;
  let produced = 0;
  while (pos < end) {
    const cmd = delta[pos++] as number;
    if (cmd & 0x80) {
      let offset = 0;
      let size = 0;
      for (let i = 0; i < 4; i++) {
        if (cmd & (1 << i)) {
          if (pos >= end) throw new GroupCompressCorrupt('truncated copy instruction', where);
          offset += (delta[pos++] as number) * 2 ** (8 * i);
        }
      }
      for (let i = 0; i < 3; i++) {
        if (cmd & (0x10 << i)) {
          if (pos >= end) throw new GroupCompressCorrupt('truncated copy instruction', where);
          size |= (delta[pos++] as number) << (8 * i);
        }
      }
      if (size === 0) size = 0x10000;
      produced += size;
      if (produced > targetLength) throw new GroupCompressCorrupt('delta makes more bytes than it declares', where);
      if (offset + size > sourceLength) {
        throw new GroupCompressCorrupt(`copy of ${size} bytes at ${offset} is outside the ${sourceLength}-byte source`, where);
      }
      onCopy?.(offset, size);
    } else if (cmd === 0) {
      throw new GroupCompressCorrupt('delta opcode 0 is reserved', where);
    } else {
      if (pos + cmd > end) throw new GroupCompressCorrupt('insert runs past the end of the delta', where);
      produced += cmd;
      if (produced > targetLength) throw new GroupCompressCorrupt('delta makes more bytes than it declares', where);
      onInsert?.(pos, cmd);
      pos += cmd;
    }
  }
  if (produced !== targetLength) {
    throw new GroupCompressCorrupt(`delta makes ${produced} bytes but declares ${targetLength}`, where);
  }
  return targetLength;
}

/**
 * Applies the delta at `delta[start, end)` to `source[0, sourceLength)`.
 * Every copy must lie inside the source; the output is allocated once, at the
 * declared length, only after the instructions were checked to produce it.
 */
export function applyDelta(
  source: Uint8Array,
  delta: Uint8Array,
  start = 0,
  end = delta.length,
  where: GroupCompressWhere = {},
  sourceLength = source.length,
): Uint8Array {
  // First pass: check every instruction, allocating nothing; then build
  // with a plain loop (no callbacks: this is the hot path of every read),
  // which can trust what the first pass checked.
  const targetLength = walkDelta(delta, start, end, where, null, null, sourceLength);
  const out = new Uint8Array(targetLength);
  let pos = start;
  while ((delta[pos++] as number) & 0x80);
  let at = 0;
  while (pos < end) {
    const cmd = delta[pos++] as number;
    if (cmd & 0x80) {
      let offset = 0;
      let size = 0;
      if (cmd & 0x01) offset = delta[pos++] as number;
      if (cmd & 0x02) offset |= (delta[pos++] as number) << 8;
      if (cmd & 0x04) offset |= (delta[pos++] as number) << 16;
      if (cmd & 0x08) offset += (delta[pos++] as number) * 0x1000000;
      if (cmd & 0x10) size = delta[pos++] as number;
      if (cmd & 0x20) size |= (delta[pos++] as number) << 8;
      if (cmd & 0x40) size |= (delta[pos++] as number) << 16;
      if (size === 0) size = 0x10000;
      copyBytes(source, offset, out, at, size);
      at += size;
    } else {
      copyBytes(delta, pos, out, at, cmd);
      pos += cmd;
      at += cmd;
    }
  }
  return out;
}

/** Short runs byte by byte (cheaper than a subarray), long ones with `set`. */
function copyBytes(from: Uint8Array, start: number, to: Uint8Array, at: number, length: number): void {
  if (length < 32) {
    for (let i = 0; i < length; i++) to[at + i] = from[start + i] as number;
  } else {
    to.set(from.subarray(start, start + length), at);
  }
}
