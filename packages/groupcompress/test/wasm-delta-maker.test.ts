// The WebAssembly delta maker: its committed bytes are what its .wat builds
// to; through a delta index it makes, byte for byte, the deltas the
// JavaScript maker makes (which the fixture tests hold to Breezy's), for
// groups of fulltexts and deltas, with and without a size limit or a sparse
// index, across groups of one index (`reset`) and past the room its mirror
// first had; a delta made in it applies to its target.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, utf8 } from '@versionedfiles/core';
import { DeltaIndex, applyDelta } from '@versionedfiles/groupcompress';
import { DELTA_MAKE_WASM } from '../src/format/delta-make-wasm.js';
import { WasmDeltaMaker } from '../src/format/wasm-delta-maker.js';
// @ts-expect-error: a plain .mjs build script, without types
import { wasmModuleSource } from '../../../scripts/build-wasm.mjs';

/** Texts that share pieces, as a history's do: words from a small vocabulary, lines of them. */
const wordArb = fc.constantFrom('alpha', 'beta', 'gamma', 'delta', '{', '}', 'return x;', '\n', '    ', 'function f() {\n', '0123456789abcdef');
const textArb = fc.array(wordArb, { minLength: 1, maxLength: 120 }).map((ws) => utf8(ws.join(' ')));
const groupArb = fc.array(fc.tuple(textArb, fc.boolean()), { minLength: 2, maxLength: 12 });

/** Feeds one group to an index as a compressor would; returns every delta it made (or null). */
function feed(index: DeltaIndex, group: readonly (readonly [Uint8Array, boolean])[], limit: boolean): (Uint8Array | null)[] {
  const made: (Uint8Array | null)[] = [];
  const [[first]] = group as [[Uint8Array, boolean]];
  index.addSource(first, 7);
  for (const [text, asFulltext] of group.slice(1)) {
    const delta = index.makeDelta(text, limit ? text.length >> 1 : 0);
    made.push(delta);
    if (delta === null || asFulltext) index.addSource(text, 3);
    else index.addDeltaSource(delta, 5);
  }
  return made;
}

describe('WasmDeltaMaker', () => {
  it('is what delta-make.wat builds to', async () => {
    const source = (await wasmModuleSource('delta-make')) as string;
    expect(source).toContain(`export const DELTA_MAKE_WASM = '${DELTA_MAKE_WASM}';`);
    // Every test here runs it: this host is little-endian.
    expect(WasmDeltaMaker.create()).not.toBeNull();
    expect(() => WasmDeltaMaker.create({ roomScale: 2 })).toThrow(RangeError);
  });

  it('makes the bytes the JavaScript maker makes, group after group', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.constantFrom(0, 64, 1024), fc.constantFrom(0, 1), (groups, limit, maxBytesToIndex, roomScale) => {
        // Starting small, its memory is outgrown and replaced while tables are laid out in it.
        const wasm = new DeltaIndex({ maxBytesToIndex, wasm: { roomScale } });
        const js = new DeltaIndex({ maxBytesToIndex, wasm: false });
        for (const group of groups) {
          const made = feed(wasm, group, limit);
          expect(made).toEqual(feed(js, group, limit));
          group.slice(1).forEach(([text], i) => {
            const delta = made[i];
            if (delta) expect(applyDelta(wasm.content, delta)).toEqual(text);
          });
          wasm.reset();
          js.reset();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('matches past its first room, on long texts, long copies and long inserts', () => {
    const lines = Array.from({ length: 6000 }, (_, i) => `line ${i % 977} of a long text, ${i * 7919}\n`).join('');
    const base = utf8(lines);
    const longCopy = concatBytes([utf8('head\n'), base, utf8('tail\n')]);
    const noise = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24);
    const wasm = new DeltaIndex({ wasm: { roomScale: 0 } });
    const js = new DeltaIndex({ wasm: false });
    for (const index of [wasm, js]) index.addSource(utf8('small first source, so the maker starts small\n'), 0);
    for (const text of [base, longCopy, noise, concatBytes([noise, base])]) {
      const a = wasm.makeDelta(text);
      expect(a).toEqual(js.makeDelta(text));
      expect(applyDelta(wasm.content, a as Uint8Array)).toEqual(text);
      wasm.addSource(text, 1);
      js.addSource(text, 1);
    }
  });
});
