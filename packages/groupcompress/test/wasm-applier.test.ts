// The WebAssembly delta applier: its committed bytes are what its .wat
// builds to; it makes the text JavaScript makes from every sound delta and
// declines exactly the deltas JavaScript refuses (which then give the error);
// blocks read through it give the same texts, loaded whole or front first,
// from one block or switching; it says what a read would copy in; the last
// released is kept a second for the next reader; at most four are in use at
// once, and a dropped one's place comes back when collected.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesEqual, concatBytes, utf8 } from '@versionedfiles/core';
import { GroupCompressBlock, GroupCompressCorrupt, GroupCompressor, applyDeltaWithin, checkDelta, encodeBase128, makeDelta } from '@versionedfiles/groupcompress';
import { MAX_WASM_BYTES, WasmDeltaApplier } from '../src/format/wasm-applier.js';
import { DELTA_APPLY_WASM } from '../src/format/delta-apply-wasm.js';
// @ts-expect-error: a plain .mjs build script, without types
import { wasmModuleSource } from '../../../scripts/build-wasm.mjs';

/** An applier for the test's length; released after. */
function withApplier<T>(f: (applier: WasmDeltaApplier) => T): T {
  const applier = WasmDeltaApplier.acquire();
  expect(applier).not.toBeNull();
  try {
    return f(applier as WasmDeltaApplier);
  } finally {
    applier?.release();
  }
}

/** Source and delta laid out as a block's content: the delta's record starts where the source ends. */
function layout(source: Uint8Array, delta: Uint8Array): { content: Uint8Array; start: number; end: number } {
  return { content: concatBytes([source, delta]), start: source.length, end: source.length + delta.length };
}

/** What JavaScript gives for the delta at `content[start, end)`: the text, or the error's message. */
function javascript(content: Uint8Array, start: number, end: number): Uint8Array | string {
  try {
    const length = checkDelta(content, start, end, start);
    const buffer = new Uint8Array(end + length);
    buffer.set(content.subarray(0, end));
    applyDeltaWithin(buffer, start, end, start, end);
    return buffer.slice(end);
  } catch (err) {
    if (!(err instanceof GroupCompressCorrupt)) throw err;
    return err.message;
  }
}

describe('the WebAssembly delta applier', () => {
  it('is built from delta-apply.wat into the committed bytes', async () => {
    const source = (await wasmModuleSource('delta-apply')) as string;
    expect(source).toContain(`export const DELTA_APPLY_WASM = '${DELTA_APPLY_WASM}';`);
  });

  it('makes the text JavaScript makes from a sound delta', () => {
    withApplier((applier) => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.uint8Array({ maxLength: 400 }), fc.nat(), fc.nat(), (base, extra, cut, repeat) => {
          const at = cut % (base.length + 1);
          const target = concatBytes([base.subarray(at), extra, base.subarray(0, at), base.subarray(0, repeat % 100)]);
          if (target.length === 0) return;
          const { content, start, end } = layout(base, makeDelta(base, target) as Uint8Array);
          // A fresh owner each time: the content differs.
          expect(applier.apply({}, content, start, end)).toEqual(target);
        }),
        { numRuns: 150 },
      );
    });
  });

  it('declines exactly the altered or cut deltas JavaScript refuses, and agrees on the rest', () => {
    const base = utf8('the quick brown fox jumps over the lazy dog\n'.repeat(30));
    const target = utf8('the quick red fox jumps over the lazy cat\n'.repeat(31));
    const delta = makeDelta(base, target) as Uint8Array;
    withApplier((applier) => {
      fc.assert(
        fc.property(fc.nat(delta.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, x, cut) => {
          const bad = cut ? delta.subarray(0, at + 1) : delta.slice();
          if (!cut) bad[at] = (bad[at] as number) ^ x;
          const { content, start, end } = layout(base, bad);
          const js = javascript(content, start, end);
          let wasm: Uint8Array | null | string;
          try {
            wasm = applier.apply({}, content, start, end);
          } catch (err) {
            if (!(err instanceof GroupCompressCorrupt)) throw err;
            wasm = err.message;
          }
          // Declined (null) where JavaScript throws after the declared length; the same otherwise.
          if (wasm === null) expect(typeof js).toBe('string');
          else expect(wasm).toEqual(js);
        }),
        { numRuns: 400 },
      );
    });
  });

  it('declines copies outside the source, opcode 0, and texts shorter or longer than declared', () => {
    const source = utf8('0123456789abcdef');
    const cases = [
      concatBytes([encodeBase128(4), Uint8Array.of(0x91, 14, 4)]), // copy of 4 at 14: past the 16-byte source
      concatBytes([encodeBase128(4), Uint8Array.of(0x98, 0x80, 4)]), // an offset with its top bit set
      concatBytes([encodeBase128(4), Uint8Array.of(0)]), // opcode 0
      concatBytes([encodeBase128(4), Uint8Array.of(3), utf8('abc')]), // 3 bytes made, 4 declared
      concatBytes([encodeBase128(2), Uint8Array.of(3), utf8('abc')]), // 3 bytes made, 2 declared
      concatBytes([encodeBase128(4), Uint8Array.of(0x91)]), // a truncated copy
    ];
    withApplier((applier) => {
      for (const delta of cases) {
        const { content, start, end } = layout(source, delta);
        expect(applier.apply({}, content, start, end)).toBeNull();
        expect(typeof javascript(content, start, end)).toBe('string');
      }
    });
  });

  it('leaves texts and blocks past its size to JavaScript', () => {
    const delta = concatBytes([encodeBase128(MAX_WASM_BYTES + 1), Uint8Array.of(0x90, 0)]);
    withApplier((applier) => {
      const { content, start, end } = layout(new Uint8Array(0x10000), delta);
      expect(applier.apply({}, content, start, end)).toBeNull();
    });
  });

  it('gives a block the same texts through it, front first or whole, from one block or switching', () => {
    const texts = Array.from({ length: 40 }, (_, i) => utf8(`header ${i % 3}\n${'shared line\n'.repeat(20 + i)}tail ${i}\n`));
    const blocks = [0, 1].map((b) => {
      const compressor = new GroupCompressor();
      const ranges = texts.map((t) => compressor.compressText(concatBytes([t, utf8(`block ${b}\n`)])));
      return { content: concatBytes(compressor.flush().chunks), ranges, b };
    });
    withApplier((applier) => {
      for (const order of ['one block at a time', 'switching'] as const) {
        const reads = blocks.map(({ content, ranges, b }) => ({ block: GroupCompressBlock.fromContent(content), ranges, b }));
        const steps = order === 'switching' ? texts.flatMap((_, i) => reads.map((r) => [r, i] as const)) : reads.flatMap((r) => texts.map((_, i) => [r, i] as const));
        for (const [{ block, ranges, b }, i] of steps) {
          const { start, end } = ranges[i] as { start: number; end: number };
          const want = concatBytes([texts[i] as Uint8Array, utf8(`block ${b}\n`)]);
          expect(block.extract([`t${i}`], start, end, applier)).toEqual(want);
          expect(block.extract([`t${i}`], start, end)).toEqual(want);
        }
      }
    });
  });

  it('moves to a larger memory when a block outgrows its own, keeping every text right', () => {
    let seed = 5;
    const noise = (n: number): Uint8Array => new Uint8Array(n).map(() => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff);
    // 2 MB of content: past the first memory (twice the first text's needs, at least 1 MiB).
    const base = noise(40_000);
    const texts = Array.from({ length: 40 }, (_, i) => concatBytes([noise(40_000), base.subarray(i * 1000)]));
    const compressor = new GroupCompressor();
    const ranges = texts.map((t) => compressor.compressText(t));
    const block = GroupCompressBlock.fromContent(concatBytes(compressor.flush().chunks));
    expect(block.contentLength).toBeGreaterThan(2_000_000);
    withApplier((applier) => {
      // Front to back, then back to the front from the memory it has now.
      for (const round of [0, 1]) {
        for (const [i, { start, end }] of ranges.entries()) {
          expect(bytesEqual(block.extract([`t${i}`], start, end, applier), texts[i] as Uint8Array), `round ${round}, text ${i}`).toBe(true);
        }
      }
    });
  });

  it('says how much of a block a read would copy in', () => {
    const base = utf8('abcdefgh'.repeat(100));
    const { content, start, end } = layout(base, makeDelta(base, base.subarray(8)) as Uint8Array);
    const owner = {};
    withApplier((applier) => {
      expect(applier.loadCost(owner, end)).toBe(end);
      expect(applier.apply(owner, content, start, end)).toEqual(base.subarray(8));
      expect(applier.loadCost(owner, end)).toBe(0);
      expect(applier.loadCost(owner, end + 100)).toBe(100);
      expect(applier.loadCost({}, 10)).toBe(10);
    });
  });

  it('gives back the place of one dropped unreleased, once collected', async () => {
    const { execFileSync } = await import('node:child_process');
    // In a child with --expose-gc (the built module, as a store's reader runs it): four dropped, collected, and four more to be had.
    const script = `
      const { WasmDeltaApplier } = await import(${JSON.stringify(new URL('../dist/format/wasm-applier.js', import.meta.url).href)});
      (() => { for (let i = 0; i < 4; i++) WasmDeltaApplier.acquire(); })();
      const before = WasmDeltaApplier.acquire();
      for (let i = 0; i < 20; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
      const after = [0, 1, 2, 3].map(() => WasmDeltaApplier.acquire());
      console.log(JSON.stringify({ before: before === null, after: after.every((a) => a !== null) }));
    `;
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ before: true, after: true });
  });

  it('is kept for the next stream once released, and reads its blocks afresh', async () => {
    const base = utf8('abcdefgh'.repeat(100));
    const first = layout(base, makeDelta(base, base.subarray(8)) as Uint8Array);
    const other = utf8('ABCDEFGH'.repeat(100));
    const second = layout(other, makeDelta(other, other.subarray(16)) as Uint8Array);
    const owner = {};
    const a = WasmDeltaApplier.acquire() as WasmDeltaApplier;
    expect(a.apply(owner, first.content, first.start, first.end)).toEqual(base.subarray(8));
    a.release();
    const b = WasmDeltaApplier.acquire() as WasmDeltaApplier;
    try {
      expect(b).toBe(a);
      // The same owner object with other bytes: a reused applier holds nothing of what it held.
      expect(b.loadCost(owner, first.end)).toBe(first.end);
      expect(b.apply(owner, second.content, second.start, second.end)).toEqual(other.subarray(16));
    } finally {
      b.release();
    }
    // Dropped after a second unused.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const c = WasmDeltaApplier.acquire() as WasmDeltaApplier;
    expect(c).not.toBe(a);
    c.release();
  });

  it('is in use at most four at a time, and applies nothing once released', () => {
    const held = [0, 1, 2, 3].map(() => WasmDeltaApplier.acquire());
    try {
      expect(held.every((a) => a !== null)).toBe(true);
      expect(WasmDeltaApplier.acquire()).toBeNull();
      held[0]?.release();
      held[0]?.release();
      const again = WasmDeltaApplier.acquire();
      expect(again).not.toBeNull();
      expect(WasmDeltaApplier.acquire()).toBeNull();
      again?.release();
      const base = utf8('abcdefgh'.repeat(10));
      const { content, start, end } = layout(base, makeDelta(base, base.subarray(8)) as Uint8Array);
      expect(again?.apply({}, content, start, end)).toBeNull();
    } finally {
      for (const a of held) a?.release();
    }
  });
});
