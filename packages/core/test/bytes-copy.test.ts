// Copies that skip zeroing: `uninitializedBytes`, `copyOfRange`, and
// `concatBytes` built on them. Each result must be a plain Uint8Array that
// owns its bytes (not a pooled Buffer), equal to the source range, on both
// sides of the size where zeroing is skipped.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, copyOfRange, uninitializedBytes } from '@versionedfiles/core';

const SIZES = [0, 1, 4095, 65535, 65536, 65537, 300_000];

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe('uninitializedBytes', () => {
  it.each(SIZES)('gives a plain Uint8Array of %i bytes on a buffer of its own', (n) => {
    const bytes = uninitializedBytes(n);
    expect(bytes.length).toBe(n);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(n);
  });
});

describe('copyOfRange', () => {
  it.each(SIZES)('copies a range of %i bytes that no longer shares the source', (n) => {
    const source = pattern(n + 10, 7);
    const copy = copyOfRange(source, 5, 5 + n);
    expect(copy).toEqual(source.slice(5, 5 + n));
    expect(Object.getPrototypeOf(copy)).toBe(Uint8Array.prototype);
    if (n > 0) {
      const original = pattern(n + 10, 7);
      copy[n - 1] = (copy[n - 1] as number) ^ 0xff;
      expect(source).toEqual(original);
      source[5] = (source[5] as number) ^ 0xff;
      expect(copy[0]).toBe(n === 1 ? (original[5] as number) ^ 0xff : original[5]);
    }
  });

  it('equals slice for any range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.nat(), fc.nat(), (length, a, b) => {
        const source = pattern(length, length);
        const start = length === 0 ? 0 : a % (length + 1);
        const end = start + (length - start === 0 ? 0 : b % (length - start + 1));
        expect(copyOfRange(source, start, end)).toEqual(source.slice(start, end));
      }),
      { numRuns: 30 },
    );
  });
});

describe('concatBytes', () => {
  it('joins large chunks into a fresh plain array', () => {
    const chunks = [pattern(70_000, 1), pattern(3, 2), pattern(100_000, 3)];
    const joined = concatBytes(chunks);
    expect(Object.getPrototypeOf(joined)).toBe(Uint8Array.prototype);
    expect(joined.length).toBe(170_003);
    expect(joined.subarray(0, 70_000)).toEqual(chunks[0]);
    expect(joined.subarray(70_000, 70_003)).toEqual(chunks[1]);
    expect(joined.subarray(70_003)).toEqual(chunks[2]);
  });
});
