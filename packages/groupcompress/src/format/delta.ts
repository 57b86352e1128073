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
// `checkDelta` + `applyDeltaWithin` (the same, source, delta and text in one
// buffer: what a block's reads use), `parseDelta` (the instructions, for
// dumps and for checks), `encodeCopy` and `writeCopy`. One decoder, `runDelta`,
// serves them all.

import { MAX_TEXT_BYTES } from '@versionedfiles/core';
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
  if (!Number.isInteger(offset) || offset < 0 || offset >= 2 ** 32) throw new RangeError(`copy offset ${offset} out of range`);
  const out = new Uint8Array(MAX_COPY_BYTES);
  return out.subarray(0, writeCopy(out, 0, offset, length));
}

/** The most bytes a copy instruction takes: its opcode, four of offset, two of length. */
export const MAX_COPY_BYTES = 7;

/**
 * Writes the copy instruction of `length` (1..0x10000) bytes at `offset`
 * (< 2^32) into `out` at `at` (room for MAX_COPY_BYTES); returns where it
 * ends. The offset's and the length's nonzero bytes, low first, each flagged
 * in the opcode (a length of 0x10000 is written as none). One loop for every
 * byte, not code per byte: in the delta maker, code for the third offset
 * byte would first run when a group passed 64 KiB, and optimized code that
 * had never seen it run is thrown away there (a deoptimization, and a new
 * compile of the whole maker). Measured on a first insert of npm-small: 3
 * to 14% faster, as the host's noise allowed.
 */
export function writeCopy(out: Uint8Array, at: number, offset: number, length: number): number {
  const op = at++;
  let cmd = 0x80;
  for (let k = 0; k < 6; k++) {
    const byte = k < 4 ? (offset >>> (8 * k)) & 0xff : (length >>> (8 * (k - 4))) & 0xff;
    if (byte !== 0) {
      out[at++] = byte;
      cmd |= 1 << k;
    }
  }
  out[op] = cmd;
  return at;
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
  const [targetLength, used] = targetLengthOf(delta, start, end, where);
  runDelta(delta, start + used, end, targetLength, null, Infinity, null, 0, instructions, where);
  return { targetLength, instructions };
}

/**
 * The declared target length at `start` and the bytes it took. No store
 * holds a text over core's `MAX_TEXT_BYTES`, and copies may repeat their
 * source, so a short delta could otherwise declare (and truly make) gigabytes.
 */
export function targetLengthOf(delta: Uint8Array, start: number, end: number, where: GroupCompressWhere = {}): [number, number] {
  if (start >= end) throw new GroupCompressCorrupt('empty delta', where);
  const decoded = decodeBase128(delta.subarray(0, end), start, where);
  if (decoded[0] > MAX_TEXT_BYTES) {
    throw new GroupCompressCorrupt(`delta declares a ${decoded[0]}-byte text, over the limit of ${MAX_TEXT_BYTES}`, where);
  }
  return decoded;
}

/** Operand bytes after a copy opcode: one per set bit of its low seven. */
const COPY_OPERANDS = Uint8Array.from({ length: 128 }, (_, cmd) => {
  let n = 0;
  for (let bits = cmd; bits !== 0; bits >>= 1) n += bits & 1;
  return n;
});

/**
 * The one decoder of a delta's instructions `delta[pos, end)`. It checks each
 * one (framing, copies inside `source[0, sourceLength)`, never more than
 * `targetLength` bytes, exactly that many in the end) and, as asked, writes
 * the text into `out` (which the caller sized after a checking run without
 * it) at `out[outAt, ...)` and/or lists the instructions. Hot path of every read: plain integer
 * code, no callbacks, no allocation when only checking or writing.
 */
function runDelta(
  delta: Uint8Array,
  pos: number,
  end: number,
  targetLength: number,
  source: Uint8Array | null,
  sourceLength: number,
  out: Uint8Array | null,
  outAt: number,
  list: DeltaInstruction[] | null,
  where: GroupCompressWhere,
): void {
  let at = 0;
  while (pos < end) {
    const cmd = delta[pos++] as number;
    if (cmd >= 0x80) {
      if (pos + (COPY_OPERANDS[cmd & 0x7f] as number) > end) throw new GroupCompressCorrupt('truncated copy instruction', where);
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
      if (at + size > targetLength) throw new GroupCompressCorrupt('delta makes more bytes than it declares', where);
      if (offset + size > sourceLength) {
        throw new GroupCompressCorrupt(`copy of ${size} bytes at ${offset} is outside the ${sourceLength}-byte source`, where);
      }
      if (out !== null) copyBytes(source as Uint8Array, offset, out, outAt + at, size);
      if (list !== null) list.push({ op: 'copy', offset, length: size });
      at += size;
    } else if (cmd === 0) {
      throw new GroupCompressCorrupt('delta opcode 0 is reserved', where);
    } else {
      if (pos + cmd > end) throw new GroupCompressCorrupt('insert runs past the end of the delta', where);
      if (at + cmd > targetLength) throw new GroupCompressCorrupt('delta makes more bytes than it declares', where);
      if (out !== null) copyBytes(delta, pos, out, outAt + at, cmd);
      if (list !== null) list.push({ op: 'insert', start: pos, length: cmd });
      pos += cmd;
      at += cmd;
    }
  }
  if (at !== targetLength) throw new GroupCompressCorrupt(`delta makes ${at} bytes but declares ${targetLength}`, where);
}

/**
 * Applies the delta at `delta[start, end)` to `source[0, sourceLength)`.
 * Every copy must lie inside the source; the output is allocated once, at the
 * declared length, only after a first run checked the instructions make it.
 */
export function applyDelta(
  source: Uint8Array,
  delta: Uint8Array,
  start = 0,
  end = delta.length,
  where: GroupCompressWhere = {},
  sourceLength = source.length,
): Uint8Array {
  const targetLength = checkDelta(delta, start, end, sourceLength, where);
  const out = new Uint8Array(targetLength);
  runDelta(delta, start + base128Length(delta, start), end, targetLength, source, sourceLength, out, 0, null, where);
  return out;
}

/**
 * Checks every instruction of the delta at `delta[start, end)` against a
 * source of `sourceLength` bytes, allocating nothing; returns the length of
 * the text it makes.
 */
export function checkDelta(delta: Uint8Array, start: number, end: number, sourceLength: number, where: GroupCompressWhere = {}): number {
  const [targetLength, used] = targetLengthOf(delta, start, end, where);
  runDelta(delta, start + used, end, targetLength, null, sourceLength, null, 0, null, where);
  return targetLength;
}

/**
 * `applyDelta` with everything in one buffer, so each instruction is one
 * `copyWithin` (no view made per instruction): the source is
 * `buffer[0, sourceLength)`, the delta `buffer[start, end)`, and the text
 * (of the length `checkDelta` gave) is written at `buffer[at, ...)`, which
 * must lie past both. Returns the text's length.
 */
export function applyDeltaWithin(
  buffer: Uint8Array,
  start: number,
  end: number,
  sourceLength: number,
  at: number,
  where: GroupCompressWhere = {},
): number {
  const [targetLength, used] = targetLengthOf(buffer, start, end, where);
  if (at < end || at < sourceLength || at + targetLength > buffer.length) {
    throw new RangeError(`no room for a ${targetLength}-byte text at ${at} of a ${buffer.length}-byte buffer`);
  }
  runDelta(buffer, start + used, end, targetLength, buffer, sourceLength, buffer, at, null, where);
  return targetLength;
}

/** Bytes taken by the base-128 number at `pos` (already checked). */
function base128Length(bytes: Uint8Array, pos: number): number {
  let i = pos;
  while ((bytes[i] as number) & 0x80) i++;
  return i - pos + 1;
}

/**
 * Inside one buffer, one `copyWithin` (a builtin: quick even before the JIT
 * has warmed up). Between two, short runs byte by byte (cheaper than making
 * a view), long ones with `set`.
 */
function copyBytes(from: Uint8Array, start: number, to: Uint8Array, at: number, length: number): void {
  if (from === to) {
    to.copyWithin(at, start, start + length);
  } else if (length < 16) {
    for (let i = 0; i < length; i++) to[at + i] = from[start + i] as number;
  } else {
    to.set(from.subarray(start, start + length), at);
  }
}
