// Newlines found in WebAssembly (long ranges) and in JavaScript (short
// ones): `lineStarts` and `countNewlines` agree with a plain byte loop on
// both paths, across the module's 64-byte blocks and its chunk edges, for
// any sub-range; and the committed module is what its .wat source builds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countNewlines, lineStarts } from '@versionedfiles/core';
import { NEWLINES_WASM } from '../src/wasm/newlines-wasm.js';
import { countNewlinesInWasm, lineStartsInWasm } from '../src/wasm/newlines.js';
// @ts-expect-error a development script in JavaScript, without types
import { wasmModuleSource } from '../../../scripts/build-wasm.mjs';

const NL = 0x0a;
/** The module's chunk: texts past it are searched in several calls. */
const CHUNK = 256 * 1024;

/** The offsets `lineStarts` promises, by the definition: `from`, each offset past a `\n` before `to`, then `to`. */
function expectedStarts(text: Uint8Array, from: number, to: number): number[] {
  const out = from < to ? [from] : [];
  for (let i = from; i < to; i++) if (text[i] === NL && i + 1 < to) out.push(i + 1);
  out.push(to);
  return out;
}

function expectedCount(text: Uint8Array): number {
  let n = 0;
  for (const b of text) if (b === NL) n++;
  return n;
}

/** Texts with newlines anywhere: runs of them, none at all, at block edges. */
const texts = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }).map((t) => t.map((b) => (b % 7 === 0 ? NL : b))),
  fc.array(fc.constantFrom(NL, 0x61, 0xff, 0x00), { maxLength: 1500 }).map((a) => Uint8Array.from(a)),
  fc.uint8Array({ maxLength: 2000 }).map((t) => t.map((b) => (b === NL ? 0x20 : b))),
);

describe('newlines', () => {
  it('the committed module is the one newlines.wat builds', async () => {
    const source = (await wasmModuleSource('newlines')) as string;
    expect(source).toContain(`export const NEWLINES_WASM = '${NEWLINES_WASM}';`);
  });

  it('lineStarts and countNewlines give what a byte loop gives, on both paths, for any range', () => {
    fc.assert(
      fc.property(texts, fc.nat(), fc.nat(), (text, a, b) => {
        const from = text.length === 0 ? 0 : a % (text.length + 1);
        const to = from + (text.length === from ? 0 : b % (text.length - from + 1));
        const expected = expectedStarts(text, from, to);
        expect([...lineStarts(text, from, to)]).toEqual(expected);
        expect([...(lineStartsInWasm(text, from, to) ?? [])]).toEqual(expected);
        expect([...lineStarts(text)]).toEqual(expectedStarts(text, 0, text.length));
        expect(countNewlines(text)).toBe(expectedCount(text));
        expect(countNewlinesInWasm(text)).toBe(expectedCount(text));
      }),
      { numRuns: 300 },
    );
  });

  it('finds every newline of a block of 64 wherever it falls, and none that is not there', () => {
    for (let length = 0; length <= 200; length++) {
      for (const at of [0, 1, 15, 16, 31, 63, 64, 65, 127, 128, 199]) {
        if (at >= length) continue;
        const text = new Uint8Array(length).fill(0x0b);
        text[at] = NL;
        expect([...(lineStartsInWasm(text, 0, length) ?? [])]).toEqual(expectedStarts(text, 0, length));
        expect(countNewlinesInWasm(text)).toBe(1);
      }
    }
  });

  it('crosses its chunks: texts of several, newlines at their edges, ranges starting inside one', () => {
    const length = 2 * CHUNK + 777;
    const text = new Uint8Array(length);
    for (let i = 0; i < length; i++) text[i] = i % 41 === 40 ? NL : 0x61;
    for (const edge of [CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, length - 1]) text[edge] = NL;
    for (const [from, to] of [
      [0, length],
      [5, length - 3],
      [CHUNK - 2, CHUNK + 2],
      [CHUNK, 2 * CHUNK],
      [1000, 2 * CHUNK + 1],
      [CHUNK + 1, length],
    ] as const) {
      expect([...lineStarts(text, from, to)]).toEqual(expectedStarts(text, from, to));
    }
    expect(countNewlines(text)).toBe(expectedCount(text));
    const allNewlines = new Uint8Array(CHUNK + 100).fill(NL);
    expect(lineStarts(allNewlines).length).toBe(CHUNK + 101);
    expect(countNewlines(allNewlines)).toBe(CHUNK + 100);
  });
});
