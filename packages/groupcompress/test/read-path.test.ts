// The read path's fast forms: a delta applied inside one buffer agrees with
// `applyDelta` on good and bad deltas; a block's scratch room and buffers grow
// with what is inflated, never with what a header claims; a store's records
// let their texts go once the stream moves on and can still be asked again;
// a block hands over a fulltext that is most of it, and frees its content on
// release, and neither lets a reader's changes reach a later read.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FulltextContentFactory, MemoryTransport, VersionedFilesError, bytesEqual, compatZlib, concatBytes, utf8 } from '@versionedfiles/core';
import type { ContentFactory } from '@versionedfiles/core';
import type { BlockMemo } from '@versionedfiles/groupcompress';
import {
  GroupCompressBlock,
  GroupCompressCorrupt,
  GroupCompressor,
  GroupCompressVersionedFiles,
  GroupContentManager,
  MemoryGroupIndex,
  PackFileAccess,
  applyDelta,
  applyDeltaWithin,
  checkDelta,
  decodeWireBlock,
  encodeBase128,
  encodeBlock,
  encodeWireBlock,
  makeDelta,
  makePackFactory,
  parseBlock,
  parseGroupValue,
} from '@versionedfiles/groupcompress';

const RUNS = { numRuns: 60 };

/** What `f` gives: its result, or the class and message of what it threw. */
function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof GroupCompressCorrupt)) throw err;
    return `${err.code}: ${err.message}`;
  }
}

/** Source, delta and room for the text in one buffer, as a block lays them out. */
function within(source: Uint8Array, delta: Uint8Array): Uint8Array | string {
  const buffer = new Uint8Array(source.length + delta.length + 70_000);
  buffer.set(source);
  buffer.set(delta, source.length);
  const end = source.length + delta.length;
  return outcome(() => {
    const length = checkDelta(buffer, source.length, end, source.length);
    const written = applyDeltaWithin(buffer, source.length, end, source.length, end);
    expect(written).toBe(length);
    return buffer.slice(end, end + length);
  });
}

describe('a delta applied inside one buffer', () => {
  it('makes the same text as applyDelta', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.uint8Array({ maxLength: 300 }), fc.nat(), (base, extra, cut) => {
        const at = cut % (base.length + 1);
        const target = concatBytes([base.subarray(at), extra, base.subarray(0, at)]);
        if (target.length === 0) return;
        const delta = makeDelta(base, target) as Uint8Array;
        expect(within(base, delta)).toEqual(target);
        expect(applyDelta(base, delta)).toEqual(target);
      }),
      RUNS,
    );
  });

  it('fails exactly as applyDelta does on altered or cut deltas', () => {
    const base = utf8('the quick brown fox jumps over the lazy dog\n'.repeat(8));
    const target = utf8('the quick red fox jumps over the lazy dog\n'.repeat(9));
    const delta = makeDelta(base, target) as Uint8Array;
    fc.assert(
      fc.property(fc.nat(delta.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, x, cut) => {
        const bad = cut ? delta.subarray(0, at + 1) : delta.slice();
        if (!cut) bad[at] = (bad[at] as number) ^ x;
        expect(within(base, bad)).toEqual(outcome(() => applyDelta(base, bad)));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a text over the largest any store holds, however honest its copies', () => {
    const source = new Uint8Array(0x10000);
    // 17,000 one-byte copies of the whole 64 KiB source: a 17 KB delta that truly makes 1.06 GiB.
    const copies = 17_000;
    const delta = concatBytes([encodeBase128(copies * 0x10000), new Uint8Array(copies).fill(0x80)]);
    expect(() => applyDelta(source, delta)).toThrow(/over the limit/);
    expect(within(source, delta)).toMatch(/over the limit/);
  });

  it('refuses to write where the text would not fit or would overlap its input', () => {
    const base = utf8('0123456789abcdef');
    const delta = makeDelta(base, utf8('0123456789abcdef!')) as Uint8Array;
    const buffer = concatBytes([base, delta, new Uint8Array(4)]);
    const end = base.length + delta.length;
    expect(() => applyDeltaWithin(buffer, base.length, end, base.length, end)).toThrow(RangeError);
    expect(() => applyDeltaWithin(buffer, base.length, end, base.length, end - 1)).toThrow(RangeError);
  });
});

describe('a block whose header lies about its length', () => {
  /** A block declaring `declared` bytes of content over `z` (a real zlib stream of far fewer). */
  const lyingBlock = (declared: number, z: Uint8Array): GroupCompressBlock =>
    parseBlock(concatBytes([utf8(`gcb1z\n${z.length}\n${declared}\n`), z]));
  /** Incompressible bytes, so the compressed stream is as long as the content. */
  const noise = (n: number): Uint8Array => {
    let s = 7;
    return new Uint8Array(n).map(() => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24));
  };
  const content = concatBytes([utf8('f'), Uint8Array.of(100), noise(100), noise(200_000)]);

  it('allocates by what inflates, not by what the header declares', () => {
    const z = compatZlib.deflate(content);
    // 64 MiB declared, well within 1032:1 of the bytes present, but the
    // stream ends after about 200 KB.
    const block = lyingBlock(64 << 20, z);
    expect(block.extract(['k'], 0, 102)).toEqual(content.subarray(2, 102));
    expect(block.heldBytes).toBeLessThan(4 * z.length + (1 << 20));
    expect(() => block.extract(['k'], 0, 102 + (32 << 20))).toThrow(GroupCompressCorrupt);
    expect(() => block.content()).toThrow(GroupCompressCorrupt);
    expect(block.heldBytes).toBeLessThan(4 * z.length + (1 << 20));
  });

  it('is refused up front past 1032:1 of the bytes present or past the limit', () => {
    const z = compatZlib.deflate(content);
    expect(() => lyingBlock((z.length + 64) * 1032 + 1, z)).toThrow(/claims/);
    expect(() => parseBlock(concatBytes([utf8(`gcb1z\n${z.length}\n${content.length}\n`), z]), { maxContent: 1000 })).toThrow(/limit/);
  });
});

describe('a wire record whose header length lies', () => {
  it('is refused before its header is inflated', () => {
    const block = GroupCompressBlock.fromContent(concatBytes([utf8('f'), Uint8Array.of(3), utf8('abc')]));
    const wire = encodeWireBlock(block.toChunks(), [{ key: ['k'], parents: [], start: 0, end: 5 }]);
    expect(decodeWireBlock(wire).entries.length).toBe(1);
    const text = new TextDecoder('latin1').decode(wire);
    const [kind, zLen, len] = text.split('\n') as [string, string, string];
    const lie = (n: number): Uint8Array =>
      concatBytes([utf8(`${kind}\n${zLen}\n${n}\n`), wire.subarray(kind.length + zLen.length + len.length + 3)]);
    expect(decodeWireBlock(lie(Number(len))).entries.length).toBe(1);
    expect(() => decodeWireBlock(lie((Number(zLen) + 64) * 1032 + 1))).toThrow(/claims/);
  });
});

describe('records of a store read', () => {
  const texts = Array.from({ length: 12 }, (_, i) => utf8(`line one\nline ${i}\n`.repeat(50 + i)));

  async function store() {
    const vf = makePackFactory(true, true, 1, { mode: 'compat' })(new MemoryTransport());
    await vf.insertRecordStream(
      (function* () {
        for (let i = 0; i < texts.length; i++) {
          const parents = i === 0 ? [] : [[`r${i - 1}`]];
          yield new FulltextContentFactory([`r${i}`], parents, null, texts[i] as Uint8Array);
        }
      })(),
    );
    return vf;
  }

  it('give the right texts, again after the stream moved past them', async () => {
    const vf = await store();
    const seen: ContentFactory[] = [];
    for await (const r of vf.getRecordStream(texts.map((_, i) => [`r${i}`]), 'unordered', true)) {
      const i = Number(r.key[0]?.slice(1));
      expect(r.getBytesAs('fulltext')).toEqual(texts[i]);
      seen.push(r);
    }
    expect(seen.length).toBe(texts.length);
    for (const r of seen) expect(r.getBytesAs('fulltext')).toEqual(texts[Number(r.key[0]?.slice(1))]);
  });

  it('read the same after the block cache is emptied', async () => {
    const vf = await store();
    for (const round of [0, 1]) {
      if (round === 1) vf.clearCache();
      const got = new Map<string, Uint8Array>();
      for await (const r of vf.getRecordStream([['r11'], ['r3']], 'topological', true)) got.set(r.key[0] as string, r.getBytesAs('fulltext'));
      expect(got).toEqual(new Map([['r3', texts[3]], ['r11', texts[11]]]));
    }
  });

  it('fail with a typed error, not a crash, when asked beyond a block', () => {
    const block = GroupCompressBlock.fromContent(concatBytes([utf8('f'), Uint8Array.of(3), utf8('abc')]));
    expect(block.extract(['k'], 0, 5)).toEqual(utf8('abc'));
    expect(() => block.extract(['k'], 0, 6)).toThrow(VersionedFilesError);
    expect(() => block.extract(['k'], 1, 5)).toThrow(VersionedFilesError);
  });
});

describe('index values', () => {
  it('read as four decimals, anything else a typed error naming the key', () => {
    expect(parseGroupValue(utf8('0 1234 56 789'), ['k'], 'p')).toEqual({ block: { pack: 'p', offset: 0, length: 1234 }, start: 56, end: 789 });
    expect(parseGroupValue(utf8('999999999999999 1 0 0'), ['k'], 'p').block.offset).toBe(999999999999999);
    for (const bad of ['', '1 2 3', '1 2 3 4 5', '1 2 3 4 ', ' 1 2 3 4', '1  2 3 4', '1 2 x 4', '1 2 -3 4', '1234567890123456 1 2 3', '1 2 9 8']) {
      const err = outcome(() => parseGroupValue(utf8(bad), ['k'], 'p'));
      expect(typeof err === 'string' && err.startsWith('GroupCompressCorrupt')).toBe(true);
    }
  });
});

describe('a run of records read from a block', () => {
  let seed = 99;
  const noise = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  const texts = Array.from({ length: 40 }, () => new Uint8Array(4000).map(noise));
  const compressor = new GroupCompressor();
  const ranges = texts.map((t, i) => compressor.compress([`k${i}`], [t], t.length));
  const bytes = concatBytes(encodeBlock(compressor.flush().chunks));

  it('inflates only as far as its own records when read alone', () => {
    const manager = new GroupContentManager(parseBlock(bytes));
    const first = ranges[0] as { start: number; end: number };
    const record = manager.addRecord(['k0'], [], first.start, first.end);
    expect(record.getBytesAs('fulltext')).toEqual(texts[0]);
    expect(manager.block.inflated).toBeLessThan(manager.block.contentLength / 2);
  });

  it('inflates at once as far as the whole read goes when told (readAhead)', () => {
    const block = parseBlock(bytes);
    const manager = new GroupContentManager(block, undefined, block.contentLength);
    const first = ranges[0] as { start: number; end: number };
    expect(manager.addRecord(['k0'], [], first.start, first.end).getBytesAs('fulltext')).toEqual(texts[0]);
    expect(block.inflated).toBe(block.contentLength);
  });
});

describe('memory a block lets go', () => {
  let seed = 7;
  const noise = (n: number): Uint8Array => new Uint8Array(n).map(() => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff);
  const big = noise(200_000);
  const small = noise(3_000);

  it('hands over a fulltext that is most of its content, and reads it again afterwards', () => {
    const compressor = new GroupCompressor();
    const r0 = compressor.compress(['big'], [big], big.length);
    const r1 = compressor.compress(['small'], [small], small.length);
    const block = parseBlock(concatBytes(encodeBlock(compressor.flush().chunks)));
    const text = block.extract(['big'], r0.start, r0.end);
    expect(bytesEqual(text, big)).toBe(true);
    // The block forgot its content: the text is the reader's alone.
    expect(block.inflated).toBe(0);
    text.fill(0);
    expect(bytesEqual(block.extract(['small'], r1.start, r1.end), small)).toBe(true);
    expect(bytesEqual(block.extract(['big'], r0.start, r0.end), big)).toBe(true);
  });

  it('copies a fulltext that is a small part of its content', () => {
    const compressor = new GroupCompressor();
    const r0 = compressor.compress(['small'], [small], small.length);
    compressor.compress(['big'], [big], big.length);
    const block = parseBlock(concatBytes(encodeBlock(compressor.flush().chunks)));
    const text = block.extract(['small'], r0.start, r0.end);
    text.fill(0);
    expect(block.inflated).toBeGreaterThan(0);
    expect(bytesEqual(block.extract(['small'], r0.start, r0.end), small)).toBe(true);
  });

  it('frees its content on release and inflates it again when read', () => {
    const texts = Array.from({ length: 30 }, (_, i) => concatBytes([small, utf8(`version ${i}\n`), noise(2000)]));
    const compressor = new GroupCompressor();
    const ranges = texts.map((t, i) => compressor.compress([`k${i}`], [t], t.length));
    const block = parseBlock(concatBytes(encodeBlock(compressor.flush().chunks)));
    const last = ranges[29] as { start: number; end: number };
    expect(bytesEqual(block.extract(['k29'], last.start, last.end), texts[29] as Uint8Array)).toBe(true);
    expect(block.heldBytes).toBeGreaterThan(block.contentLength);
    block.release();
    expect(block.inflated).toBe(0);
    expect(block.heldBytes).toBe(block.zContent.length);
    ranges.forEach((r, i) => expect(bytesEqual(block.extract([`k${i}`], r.start, r.end), texts[i] as Uint8Array)).toBe(true));
  });

  it('keeps a caller’s content given to fromContent on release', () => {
    const content = concatBytes([utf8('f'), encodeBase128(big.length), big]);
    const block = GroupCompressBlock.fromContent(content);
    block.release();
    expect(content.length).toBe(big.length + 4);
    expect(bytesEqual(block.extract(['big'], 0, content.length), big)).toBe(true);
  });
});

describe('a store whose block cache is smaller than its blocks', () => {
  it('reads every text right, again and again, as blocks are evicted and freed', async () => {
    let seed = 3;
    const noise = (n: number): Uint8Array => new Uint8Array(n).map(() => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff);
    const texts = new Map<string, Uint8Array>();
    for (let f = 0; f < 6; f++) {
      const base = noise(40_000);
      for (let v = 0; v < 5; v++) texts.set(`f${f}/v${v}`, concatBytes([base.subarray(0, 30_000 + 2000 * v), utf8(`file ${f} version ${v}\n`)]));
    }
    const vf = new GroupCompressVersionedFiles({
      keyLength: 2,
      index: new MemoryGroupIndex(true, 2),
      access: new PackFileAccess(new MemoryTransport(), 'newpack'),
      workers: 0,
      groupBytes: 64 * 1024,
      cacheBytes: 100 * 1024,
    });
    await vf.insertRecordStream(
      [...texts].map(([k, t]) => {
        const [f, v] = k.split('/') as [string, string];
        return new FulltextContentFactory([f, v], v === 'v0' ? [] : [[f, `v${Number(v.slice(1)) - 1}`]], null, t);
      }),
    );
    const keys = [...texts.keys()].map((k) => k.split('/'));
    for (const ordering of ['unordered', 'topological', 'groupcompress', 'unordered'] as const) {
      for await (const r of vf.getRecordStream(keys, ordering, true)) {
        const text = r.getBytesAs('fulltext');
        expect(bytesEqual(text, texts.get(r.key.join('/')) as Uint8Array)).toBe(true);
        // A reader may do what it likes with its text: the store's blocks keep their own.
        text.fill(0x2a);
      }
    }
    vf.clearCache();
    for await (const r of vf.getRecordStream(keys.slice(0, 3), 'unordered', true)) expect(bytesEqual(r.getBytesAs('fulltext'), texts.get(r.key.join('/')) as Uint8Array)).toBe(true);
  });
});

describe('a block inflated elsewhere', () => {
  const content = concatBytes([utf8('f'), encodeBase128(5000), new Uint8Array(5000).fill(0x61)]);
  const z = compatZlib.deflate(content);
  const parse = (): GroupCompressBlock => parseBlock(concatBytes([utf8(`gcb1z\n${z.length}\n${content.length}\n`), z]));

  it('takes content of the declared length, once', () => {
    const block = parse();
    expect(block.adoptContent(content.subarray(1))).toBe(false);
    expect(block.inflated).toBe(0);
    expect(block.adoptContent(content.slice())).toBe(true);
    expect(block.inflated).toBe(content.length);
    expect(block.adoptContent(content.slice())).toBe(false);
    expect(bytesEqual(block.extract(['k'], 0, content.length), content.subarray(content.length - 5000))).toBe(true);
  });
});

describe('a store with a block larger than its cache', () => {
  it('reads it (inflated on the thread pool) and its neighbours right, again and again', async () => {
    // 9 MiB of text in one block: past the size inflated off this thread, and too big for a 10 MiB cache.
    const big = utf8('a line of the big file, repeated\n'.repeat(290_000));
    const small = Array.from({ length: 6 }, (_, i) => utf8(`small file ${i}\n`.repeat(2000 + i)));
    const vf = new GroupCompressVersionedFiles({
      keyLength: 1,
      index: new MemoryGroupIndex(true, 1),
      access: new PackFileAccess(new MemoryTransport(), 'newpack'),
      workers: 0,
      cacheBytes: 10 * 1024 * 1024,
    });
    const texts = new Map<string, Uint8Array>([['big', big], ...small.map((t, i): [string, Uint8Array] => [`s${i}`, t])]);
    // One stream each: the big text gets a block of its own.
    for (const [k, t] of texts) await vf.insertRecordStream([new FulltextContentFactory([k], [], null, t)]);
    const keys = [...texts.keys()].map((k) => [k]);
    for (const ordering of ['unordered', 'topological', 'unordered'] as const) {
      for await (const r of vf.getRecordStream(keys, ordering, true)) {
        const text = r.getBytesAs('fulltext');
        expect(bytesEqual(text, texts.get(r.key[0] as string) as Uint8Array)).toBe(true);
        text.fill(0);
      }
    }
  });
});

describe('the block cache and a stream larger than it', () => {
  /** A pack access that counts the blocks it reads. */
  class CountingAccess extends PackFileAccess {
    blocksRead = 0;
    override getRawRecords(memos: readonly BlockMemo[]): Promise<Uint8Array[]> {
      this.blocksRead += memos.length;
      return super.getRawRecords(memos);
    }
  }

  async function storeOf(cacheBytes: number): Promise<{ vf: GroupCompressVersionedFiles; access: CountingAccess; keys: string[][] }> {
    const access = new CountingAccess(new MemoryTransport(), 'newpack');
    const vf = new GroupCompressVersionedFiles({ keyLength: 1, index: new MemoryGroupIndex(true, 1), access, workers: 0, cacheBytes });
    const keys: string[][] = [];
    // One stream per file: a block each of about 60 KB.
    for (let f = 0; f < 6; f++) {
      keys.push([`f${f}`]);
      await vf.insertRecordStream([new FulltextContentFactory([`f${f}`], [], null, utf8(`line ${f}\n`.repeat(7500)))]);
    }
    return { vf, access, keys };
  }

  async function readAll(vf: GroupCompressVersionedFiles, keys: readonly string[][]): Promise<number> {
    let n = 0;
    for await (const r of vf.getRecordStream(keys, 'unordered', true)) n += r.getBytesAs('fulltext').length > 0 ? 1 : 0;
    return n;
  }

  it('leaves none of its blocks cached once past them: the next read of any of them reads it again', async () => {
    const { vf, access, keys } = await storeOf(200 * 1024);
    expect(await readAll(vf, keys)).toBe(6);
    expect(access.blocksRead).toBe(6);
    // An LRU alone would still hold the last blocks read; every one is read again.
    for (const key of keys) expect(await readAll(vf, [key])).toBe(1);
    expect(access.blocksRead).toBe(12);
  });

  it('leaves the blocks of a stream that fits cached for the next', async () => {
    const { vf, access, keys } = await storeOf(10 * 1024 * 1024);
    expect(await readAll(vf, keys)).toBe(6);
    for (const key of keys) expect(await readAll(vf, [key])).toBe(1);
    expect(await readAll(vf, keys)).toBe(6);
    expect(access.blocksRead).toBe(6);
  });
});
