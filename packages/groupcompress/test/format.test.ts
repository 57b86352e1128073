// The pure codecs: base128, the delta (apply, parse), the block and its
// records, the wire form; round-trip properties and corrupt input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UnsupportedFormat, VersionedFilesError, bytesEqual, compatZlib, concatBytes, fastZlib, utf8 } from '@versionedfiles/core';
import {
  DeltaIndex,
  GroupCompressBlock,
  GroupCompressCorrupt,
  GroupCompressor,
  applyDelta,
  blockRecords,
  decodeBase128,
  decodeWireBlock,
  encodeBase128,
  encodeBlock,
  encodeCopy,
  encodeWireBlock,
  makeDelta,
  parseBlock,
  parseDelta,
} from '@versionedfiles/groupcompress';

const RUNS = { numRuns: 60 };

/** Texts that share material, so deltas have copies to find. */
const relatedTexts = fc
  .tuple(fc.array(fc.stringMatching(/^[a-e ]{0,12}\n$/), { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }))
  .map(([lines, edits]) => {
    const texts: Uint8Array[] = [];
    let cur = [...lines];
    for (const e of edits) {
      const at = e % (cur.length + 1);
      if (e % 3 === 0) cur.splice(at, 1);
      else cur.splice(at, 0, `line ${e}\n`);
      texts.push(utf8(cur.join('')));
    }
    return texts;
  });

function groupOf(texts: readonly Uint8Array[], options: { maxBytesToIndex?: number } = {}) {
  const c = new GroupCompressor(options);
  const ranges = texts.map((t, i) => c.compress([`k${i}`], [t], t.length));
  const { chunks } = c.flush();
  return { ranges, chunks, bytes: concatBytes(encodeBlock(chunks)) };
}

function corruptWith(fn: () => unknown): VersionedFilesError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VersionedFilesError);
    return err as VersionedFilesError;
  }
  throw new Error('expected a typed error');
}

describe('base128', () => {
  it('round-trips every 32-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const enc = encodeBase128(n);
        expect(decodeBase128(enc, 0)).toEqual([n, enc.length]);
      }),
      RUNS,
    );
    expect([...encodeBase128(300)]).toEqual([0xac, 0x02]);
  });
  it('refuses encodings that run on or overflow', () => {
    expect(() => decodeBase128(Uint8Array.from([0x80, 0x80]), 0)).toThrow(GroupCompressCorrupt);
    expect(() => decodeBase128(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x7f]), 0)).toThrow(GroupCompressCorrupt);
  });
});

describe('delta', () => {
  it('apply(makeDelta(base, target)) is the target', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.uint8Array({ maxLength: 400 }), fc.nat(), (base, extra, cut) => {
        const at = cut % (base.length + 1);
        const target = concatBytes([base.subarray(0, at), extra, base.subarray(at)]);
        if (target.length === 0) return;
        const delta = makeDelta(base, target);
        expect(delta).not.toBeNull();
        expect(applyDelta(base, delta as Uint8Array)).toEqual(target);
      }),
      RUNS,
    );
  });
  it('copies long runs in 64 KiB pieces', () => {
    const base = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
    const delta = makeDelta(base, base) as Uint8Array;
    const copies = parseDelta(delta).instructions.filter((i) => i.op === 'copy');
    expect(copies.length).toBeGreaterThanOrEqual(4);
    expect(copies.every((c) => c.length <= 0x10000)).toBe(true);
    expect(bytesEqual(applyDelta(base, delta), base)).toBe(true);
  });
  it('encodes copies with offsets of one to four bytes, in the delta maker as in encodeCopy', () => {
    // A source past 16 MiB, its bytes all different enough to index, and a
    // target of runs from its end, its middle and its start: copy offsets of
    // four, three, two and one bytes.
    const base = new Uint8Array((1 << 24) + 100_000);
    let seed = 7;
    for (let i = 0; i < base.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      base[i] = seed >>> 24;
    }
    const runs = [(1 << 24) + 50_000, 300_000, 70_000, 1_000, 100].map((at) => base.subarray(at, at + 200));
    const target = concatBytes(runs);
    const delta = makeDelta(base, target) as Uint8Array;
    expect(bytesEqual(applyDelta(base, delta), target)).toBe(true);
    const copies = parseDelta(delta).instructions.flatMap((i) => (i.op === 'copy' ? [i] : []));
    const widths = new Set(copies.map((c) => Math.max(1, Math.ceil(Math.log2(c.offset + 1) / 8))));
    expect([...widths].sort()).toEqual([1, 2, 3, 4]);
    for (const c of copies) {
      const encoded = encodeCopy(c.offset, c.length);
      expect(parseDelta(concatBytes([encodeBase128(c.length), encoded])).instructions).toEqual([c]);
    }
    expect(encodeCopy(0x01020304, 0x10000)).toEqual(Uint8Array.of(0x8f, 0x04, 0x03, 0x02, 0x01));
    expect(() => encodeCopy(2 ** 32, 1)).toThrow(RangeError);
  });
  it('gives no delta over the size limit, and none without a source', () => {
    const index = new DeltaIndex();
    expect(index.makeDelta(utf8('anything at all here'))).toBeNull();
    index.addSource(utf8('0123456789abcdefghijklmnopqrstuvwxyz'), 0);
    const target = utf8('0123456789abcdefghijklmnopqrstuvwxyzXXXXXXXXXXXXXXXX');
    const full = index.makeDelta(target) as Uint8Array;
    expect(index.makeDelta(target, full.length)).toEqual(full);
    expect(index.makeDelta(target, full.length - 1)).toBeNull();
  });
  it('honours maxBytesToIndex (sparser index, still correct deltas)', () => {
    const base = new Uint8Array(50_000).map((_, i) => (i * 31 + (i >> 9)) % 253);
    const target = concatBytes([base.subarray(100, 40_000), utf8('new'), base.subarray(41_000)]);
    for (const max of [0, 256, 4096]) {
      const index = new DeltaIndex({ maxBytesToIndex: max });
      index.addSource(base, 0);
      const delta = index.makeDelta(target) as Uint8Array;
      expect(bytesEqual(applyDelta(base, delta), target)).toBe(true);
    }
    expect(() => new DeltaIndex({ maxBytesToIndex: 8 })).toThrow(RangeError);
  });
  it('encodes copies as Breezy does (zero bytes omitted, 0x10000 as no size)', () => {
    expect([...encodeCopy(0, 0x10000)]).toEqual([0x80]);
    expect([...encodeCopy(0x0100, 5)]).toEqual([0x92, 0x01, 0x05]);
  });
  it('refuses copies out of range, lying lengths, opcode 0 and truncation', () => {
    const source = utf8('hello world, hello world');
    const good = Uint8Array.from([11, 0x90, 11]); // copy 11 bytes at 0
    expect(applyDelta(source, good)).toEqual(source.subarray(0, 11));
    const outOfRange = Uint8Array.from([11, 0x91, 20, 11]);
    expect(corruptWith(() => applyDelta(source, outOfRange)).code).toBe('GroupCompressCorrupt');
    expect(() => applyDelta(source, Uint8Array.from([12, 0x90, 11]))).toThrow(/declares/);
    expect(() => applyDelta(source, Uint8Array.from([5, 0x00]))).toThrow(/reserved/);
    expect(() => applyDelta(source, Uint8Array.from([5, 5, 0x61, 0x62]))).toThrow(/past the end/);
    expect(() => applyDelta(source, Uint8Array.from([3, 0x90]))).toThrow(/truncated/);
  });
});

describe('blocks', () => {
  it('a group round-trips through its block, in either codec, whole or partial', () => {
    fc.assert(
      fc.property(relatedTexts, fc.constantFrom(0, 256), fc.boolean(), (texts, max, fast) => {
        const { ranges, chunks } = groupOf(texts, { maxBytesToIndex: max });
        const bytes = concatBytes(encodeBlock(chunks, fast ? fastZlib : compatZlib));
        const block = parseBlock(bytes);
        texts.forEach((t, i) => {
          const r = ranges[i] as { start: number; end: number };
          expect(block.extract([`k${i}`], r.start, r.end)).toEqual(t);
        });
        const content = block.content();
        expect(blockRecords(content).length).toBe(texts.filter((t) => t.length > 0).length);
      }),
      RUNS,
    );
  });
  it('inflates only the front when only the front is wanted', () => {
    let seed = 12345;
    const noise = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    const texts = Array.from({ length: 60 }, () => new Uint8Array(4000).map(noise));
    const { ranges, bytes } = groupOf(texts);
    const block = parseBlock(bytes);
    const first = ranges[0] as { start: number; end: number };
    expect(block.extract(['k0'], first.start, first.end)).toEqual(texts[0]);
    expect(block.inflated).toBeLessThan(block.contentLength / 2);
    const last = ranges[59] as { start: number; end: number };
    expect(block.extract(['k59'], last.start, last.end)).toEqual(texts[59]);
    expect(block.inflated).toBe(block.contentLength);
  });
  it('reads an LZMA block as UnsupportedFormat, and bad headers as corrupt', () => {
    expect(() => parseBlock(utf8('gcb1l\n3\n3\nabc'))).toThrow(UnsupportedFormat);
    expect(() => parseBlock(utf8('gcb2z\n3\n3\nabc'))).toThrow(GroupCompressCorrupt);
    expect(() => parseBlock(utf8('gcb1z\n4\n3\nabc'))).toThrow(/header says/);
    expect(() => parseBlock(utf8('gcb1z\nx\n3\nabc'))).toThrow(GroupCompressCorrupt);
    expect(() => parseBlock(utf8('gcb1z\n3\n5000000\nabc'))).toThrow(/claims/);
  });
  it('names the key when a record lies about its length or the zlib stream is cut', () => {
    const texts = [utf8('first text, long enough to matter\n'.repeat(3)), utf8('second\n')];
    const { ranges, chunks, bytes } = groupOf(texts);
    const block = parseBlock(bytes);
    const r1 = ranges[1] as { start: number; end: number };
    const err = corruptWith(() => block.extract(['k1'], r1.start, r1.end + 1)) as GroupCompressCorrupt;
    expect(err.key).toEqual(['k1']);
    const content = concatBytes(chunks);
    const header = utf8(`gcb1z\n`);
    const z = compatZlib.deflate(content);
    const cut = concatBytes([header, utf8(`${z.length - 4}\n${content.length}\n`), z.subarray(0, z.length - 4)]);
    const e2 = corruptWith(() => parseBlock(cut).extract(['k1'], r1.start, r1.end));
    expect(e2.code).toBe('GroupCompressCorrupt');
  });
  it('fuzz: any change to a block gives the right texts or a typed error', () => {
    const texts = [utf8('alpha beta gamma\n'.repeat(20)), utf8('alpha beta gamma\n'.repeat(19) + 'delta\n'), utf8('zeta\n')];
    const { ranges, bytes } = groupOf(texts);
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, x, truncate) => {
        const bad = truncate ? bytes.subarray(0, at) : bytes.slice();
        if (!truncate) bad[at] = (bad[at] as number) ^ x;
        try {
          const block = parseBlock(bad);
          block.content();
          texts.forEach((t, i) => {
            const r = ranges[i] as { start: number; end: number };
            expect(block.extract([`k${i}`], r.start, r.end)).toEqual(t);
          });
        } catch (err) {
          expect(err).toBeInstanceOf(VersionedFilesError);
        }
      }),
      { numRuns: 300 },
    );
  });
  it('fuzz: arbitrary content bytes extract to a typed error or some text, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), (content, a, b) => {
        const block = GroupCompressBlock.fromContent(content);
        const start = content.length ? a % content.length : 0;
        const end = start + (b % 64);
        try {
          block.extract(['k'], start, end);
        } catch (err) {
          expect(err).toBeInstanceOf(VersionedFilesError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('wire form', () => {
  it('round-trips a block with its entries (parents, no parents, no graph)', () => {
    const texts = [utf8('one\n'), utf8('one\ntwo\n')];
    const { ranges, bytes } = groupOf(texts);
    const entries = [
      { key: ['f', 'r1'], parents: [], start: (ranges[0] as { start: number }).start, end: (ranges[0] as { end: number }).end },
      { key: ['f', 'r2'], parents: [['f', 'r1'], ['g', 'x']], start: (ranges[1] as { start: number }).start, end: (ranges[1] as { end: number }).end },
      { key: ['f', 'r3'], parents: null, start: 0, end: 0 },
    ];
    const wire = encodeWireBlock([bytes], entries);
    const decoded = decodeWireBlock(wire);
    expect(decoded.entries).toEqual(entries);
    expect(decoded.block.extract(['f', 'r2'], entries[1]!.start, entries[1]!.end)).toEqual(texts[1]);
  });
  it('fuzz: truncated or altered wire bytes are typed errors', () => {
    const { bytes } = groupOf([utf8('one\n')]);
    const wire = encodeWireBlock([bytes], [{ key: ['a'], parents: [], start: 0, end: 5 }]);
    fc.assert(
      fc.property(fc.nat(wire.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const bad = wire.slice();
        bad[at] = (bad[at] as number) ^ x;
        for (const input of [bad, wire.subarray(0, at)]) {
          try {
            const { block, entries } = decodeWireBlock(input);
            for (const e of entries) block.extract(e.key, e.start, e.end);
          } catch (err) {
            expect(err).toBeInstanceOf(VersionedFilesError);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
