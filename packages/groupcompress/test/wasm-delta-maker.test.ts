// The WebAssembly delta maker: its committed bytes are what its .wat builds
// to; through a delta index it makes, byte for byte, the deltas the
// JavaScript maker makes (which the fixture tests hold to Breezy's), for
// groups of fulltexts and deltas, with and without a size limit or a sparse
// index, across groups of one index (`reset`) and past the room its mirror
// first had; a delta made in it applies to its target. Its table layout
// puts every slot where the layout rule says, from no table or an old one
// of the same or a smaller size, and declines what it cannot reach; it
// hashes a fulltext's windows and a delta's inserts as the index does.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, utf8 } from '@versionedfiles/core';
import { DeltaIndex, applyDelta, rabinHash } from '@versionedfiles/groupcompress';
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

describe('WasmDeltaMaker.layOut', () => {
  /** Entries as a delta index chains them: bucket heads and links, newest pushed first so chains ascend. */
  function chained(vals: readonly number[], hsize: number): { head: Int32Array; next: Int32Array; ptr: Int32Array; val: Uint32Array } {
    const head = new Int32Array(hsize).fill(-1);
    const next = new Int32Array(vals.length);
    const ptr = Int32Array.from(vals, (_, i) => 16 + 16 * i);
    const val = Uint32Array.from(vals);
    for (let e = vals.length - 1; e >= 0; e--) {
      const b = (val[e] as number) & (hsize - 1);
      next[e] = head[b] as number;
      head[b] = e;
    }
    return { head, next, ptr, val };
  }

  /** The table the layout rule gives, slot by slot: [hash, position, source] per used slot, buckets apart. */
  function expected(
    hsize: number,
    old: { readonly hash: Int32Array; readonly slots: Int32Array; readonly src: Int32Array; readonly hashMask: number } | null,
    fresh: ReturnType<typeof chained>,
    src: number,
  ): number[][][] {
    const buckets: number[][][] = [];
    for (let b = 0; b < hsize; b++) {
      const bucket: number[][] = [];
      if (old !== null) {
        const j = b & old.hashMask;
        for (let e = old.hash[j] as number; e < (old.hash[j + 1] as number) && old.slots[2 * e + 1] !== 0; e++) {
          if (((old.slots[2 * e] as number) & (hsize - 1)) === b) bucket.push([old.slots[2 * e] as number, old.slots[2 * e + 1] as number, old.src[e] as number]);
        }
      }
      for (let e = fresh.head[b] as number; e !== -1; e = fresh.next[e] as number) bucket.push([(fresh.val[e] as number) | 0, fresh.ptr[e] as number, src]);
      buckets.push(bucket);
    }
    return buckets;
  }

  /** A laid-out table read back bucket by bucket; each must end in 4 free slots (all zero). */
  function readBack(t: { readonly hash: Int32Array; readonly slots: Int32Array; readonly src: Int32Array }, hsize: number): number[][][] {
    const buckets: number[][][] = [];
    let spareWords = '';
    for (let b = 0; b < hsize; b++) {
      const from = t.hash[b] as number;
      const to = Math.max(from + 4, t.hash[b + 1] as number);
      const bucket: number[][] = [];
      for (let e = from; e < to - 4; e++) bucket.push([t.slots[2 * e] as number, t.slots[2 * e + 1] as number, t.src[e] as number]);
      spareWords += t.slots.subarray(2 * (to - 4), 2 * to).join('');
      buckets.push(bucket);
    }
    expect(spareWords).toBe('0'.repeat(8 * hsize));
    return buckets;
  }

  it('lays out a first table, then a grown or same-size one from it, as the layout rule says', () => {
    // One maker of the usual room for every run: its tables alternate between its two regions.
    const maker = WasmDeltaMaker.create() as WasmDeltaMaker;
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 9 }),
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 400 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 400 }),
        (bits, grow, firstVals, secondVals) => {
          const hsize = 1 << bits;
          const first = chained(firstVals, hsize);
          const firstCount = firstVals.length + 4 * hsize;
          const t1 = maker.takeTables(hsize, firstCount);
          expect(t1).not.toBeNull();
          const a = t1 as NonNullable<typeof t1>;
          // Whatever the arrays held before: every slot is written.
          a.slots.fill(-7);
          expect(maker.layOut(a, hsize, null, { src: 0, ...first }, first, firstVals.length, 4)).toBe(firstCount);
          expect(readBack(a, hsize)).toEqual(expected(hsize, null, first, 0));

          const old = { ...a, hashMask: hsize - 1 };
          const hsize2 = hsize << grow;
          const second = chained(secondVals, hsize2);
          const secondCount = firstVals.length + secondVals.length + 4 * hsize2;
          const b = maker.takeTables(hsize2, secondCount) as NonNullable<typeof t1>;
          const want = expected(hsize2, old, second, 1);
          expect(maker.layOut(b, hsize2, old, { src: 1, ...second }, second, secondVals.length, 4)).toBe(secondCount);
          expect(readBack(b, hsize2)).toEqual(want);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('declines tables not in its memory, and entries past their room (the next memory has it)', () => {
    const maker = WasmDeltaMaker.create({ roomScale: 0 }) as WasmDeltaMaker;
    const elsewhere = { hash: new Int32Array(17), slots: new Int32Array(2 * 64), src: new Int32Array(64) };
    const fresh = chained([1, 2, 3], 16);
    expect(maker.layOut(elsewhere, 16, null, { src: 0, ...fresh }, fresh, 3, 4)).toBeNull();
    const t = maker.takeTables(16, 3 + 64) as NonNullable<ReturnType<WasmDeltaMaker['takeTables']>>;
    const many = 1 << 20;
    const big = { head: new Int32Array(16).fill(-1), next: new Int32Array(many), ptr: new Int32Array(many), val: new Uint32Array(many) };
    expect(maker.layOut(t, 16, null, { src: 0, ...big }, big, many, 4)).toBeNull();
    // A new memory (a bigger table asks for one) has room for them.
    const roomy = maker.takeTables(1 << 12, 64 + 4 * (1 << 12)) as NonNullable<ReturnType<WasmDeltaMaker['takeTables']>>;
    const bigHead = { ...big, head: new Int32Array(1 << 12).fill(-1) };
    expect(maker.layOut(roomy, 1 << 12, null, { src: 0, ...bigHead }, bigHead, many, 4)).toBe(4 * (1 << 12));
  });
});

describe('WasmDeltaMaker.hashSource', () => {
  it('hashes every window a fulltext is indexed at, keeping the lowest of a run of equal hashes', () => {
    const maker = WasmDeltaMaker.create() as WasmDeltaMaker;
    // Repeated pieces make runs of equal windows; the stride as a sparse index sets it.
    const contentArb = fc.array(fc.constantFrom('aaaaaaaaaaaaaaaa', 'abcdefghijklmnop', 'x', '\n', 'qrstuvwxyz012345'), { minLength: 1, maxLength: 80 });
    let generation = 0;
    fc.assert(
      fc.property(contentArb, fc.nat(40), fc.integer({ min: 0, max: 40 }), (pieces, gap, extra) => {
        const text = utf8(pieces.join(''));
        const content = concatBytes([new Uint8Array(gap), text]);
        const full = Math.floor((text.length - 1) / 16);
        const numEntries = Math.max(0, full - (extra % (full + 1)));
        const stride = numEntries === 0 ? 16 : Math.floor((text.length - 1) / numEntries);
        const want: [number, number][] = [];
        for (let d = numEntries * stride - 16; d >= 0; d -= stride) {
          const val = rabinHash(content, gap + d + 1);
          const at = gap + d + 16;
          const last = want[want.length - 1];
          if (last !== undefined && last[1] === val) last[0] = at;
          else want.push([at, val]);
        }
        const out = { ptr: new Int32Array(numEntries), val: new Uint32Array(numEntries) };
        const n = maker.hashSource(content, maker, generation++, gap, numEntries, stride, out);
        expect(n).toBe(want.length);
        expect([...out.ptr.subarray(0, want.length)].map((at, i) => [at, out.val[i]])).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });
});

describe('a delta source', () => {
  it('is hashed alike with and without the maker, and a malformed one is refused by both', () => {
    const base = utf8(Array.from({ length: 300 }, (_, i) => `line ${i} of the base text\n`).join(''));
    const repeated = utf8('an insert long enough to be indexed, and then some more\n'.repeat(3));
    const target = concatBytes([base.subarray(0, 2000), repeated, base.subarray(2000)]);
    const again = concatBytes([utf8('head\n'), repeated, utf8('tail\n')]);
    // Its length header, then an insert of 60 bytes that runs past the end.
    const malformed = concatBytes([Uint8Array.of(0x90, 0x03, 60), utf8('this insert is shorter than it says')]);
    const made = [true, false].map((wasm) => {
      const index = new DeltaIndex({ wasm });
      index.addSource(base, 0);
      const delta = index.makeDelta(target) as Uint8Array;
      index.addDeltaSource(delta, 2);
      // What the index found in the delta's insert: the deltas of a text that reuses it.
      const reuse = index.makeDelta(again) as Uint8Array;
      expect(applyDelta(index.content, reuse)).toEqual(again);
      // The repeated lines are only in the delta's insert: a short delta copies them from there.
      expect(reuse.length).toBeLessThan(again.length / 3);
      expect(() => index.addDeltaSource(malformed, 2)).toThrow('delta source is not a well-formed delta');
      return reuse;
    });
    expect(made[0]).toEqual(made[1]);
  });
});
