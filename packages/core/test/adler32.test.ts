// The Adler-32 sums: WebAssembly (long inputs) and JavaScript (short ones)
// agree with each other and with zlib's own trailer, across the module's
// chunk edges and with any running sum; and the committed module is what
// its .wat source builds.
import * as nodeZlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adler32 } from '@versionedfiles/core';
import { adler32InScript } from '../src/codecs/adler32.js';
import { ADLER32_WASM } from '../src/codecs/adler32-wasm.js';
// @ts-expect-error a development script in JavaScript, without types
import { wasmModuleSource } from '../../../scripts/build-wasm.mjs';

const MIB = 1024 * 1024;

function zlibSum(bytes: Uint8Array): number {
  const trailer = nodeZlib.deflateSync(bytes, { level: 1 }).subarray(-4);
  return new DataView(trailer.buffer, trailer.byteOffset, 4).getUint32(0);
}

describe('adler32', () => {
  it('the committed module is the one adler32.wat builds', async () => {
    const source = (await wasmModuleSource('adler32')) as string;
    expect(source).toContain(`export const ADLER32_WASM = '${ADLER32_WASM}';`);
  });

  it('gives zlib sums on both paths, with any running sum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40_000 }), fc.nat(40_000), (data, at) => {
        const split = Math.min(at, data.length);
        const whole = zlibSum(data);
        expect(adler32(data)).toBe(whole);
        expect(adler32InScript(data)).toBe(whole);
        const front = adler32(data.subarray(0, split));
        expect(adler32(data.subarray(split), front)).toBe(whole);
        expect(adler32InScript(data.subarray(split), front)).toBe(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('sums across the chunk edges, the largest bytes included (the sums at their highest)', () => {
    for (const length of [MIB - 1, MIB, MIB + 1, 3 * MIB + 5553]) {
      const ones = new Uint8Array(length).fill(0xff);
      expect(adler32(ones)).toBe(zlibSum(ones));
      const mixed = Uint8Array.from({ length }, (_, i) => (i * 2654435761) >>> 24);
      expect(adler32(mixed)).toBe(adler32InScript(mixed));
      expect(adler32(mixed.subarray(1), adler32(mixed.subarray(0, 1)))).toBe(zlibSum(mixed));
    }
  });
});
