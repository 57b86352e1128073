import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import nodeZlib from 'node:zlib';
import { CorruptData, DEFLATE_PIECE_BYTES, LimitExceeded, adler32, compatZlib, concatBytes, deflateOnThreadPool, fastZlib, inflateOnThreadPool, utf8 } from '@versionedfiles/core';

describe('zlib codecs', () => {
  it('round-trip in both modes and read each other', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 9 }), (data, level) => {
        for (const w of [compatZlib, fastZlib]) {
          const z = w.deflate(data, { level });
          expect(compatZlib.inflate(z)).toEqual(data);
          expect(fastZlib.inflate(z)).toEqual(data);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('a size hint, right, short, long or absurd, changes nothing but speed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200_000 }), fc.boolean(), fc.integer({ min: -100_000, max: 100_000 }), (data, raw, off) => {
        const z = fastZlib.deflate(data, { raw });
        for (const sizeHint of [data.length, Math.max(0, data.length + off), 2 ** 31]) {
          expect(fastZlib.inflate(z, { raw, sizeHint })).toEqual(data);
          expect(compatZlib.inflate(z, { raw, sizeHint })).toEqual(data);
        }
        if (data.length > 0) expect(() => fastZlib.inflate(z, { raw, sizeHint: data.length, maxOutput: data.length - 1 })).toThrow(LimitExceeded);
      }),
      { numRuns: 40 },
    );
  });

  it('a raw deflate in the smallest window that fits is the stream the full window makes', () => {
    // Sizes about each window's limit (its size less 262) and its size, texts that repeat far back.
    const sizes = [0, 1, 249, 250, 251, 500, 762, 763, 1000, 1786, 1787, 2040, 3834, 3835, 4090, 7930, 7931, 8190, 16122, 16123, 16380, 32506, 32507, 32760, 70000];
    fc.assert(
      fc.property(fc.constantFrom(...sizes), fc.uint8Array({ minLength: 4, maxLength: 40 }), fc.constantFrom(1, 6, 9), (size, seed, level) => {
        // The seed at both ends, noise between: the end matches the start, as far back as the text allows.
        const text = new Uint8Array(size);
        let noise = size;
        for (let i = 0; i < size; i++) {
          noise = (noise * 1103515245 + 12345) >>> 0;
          text[i] = i < seed.length || i >= size - seed.length ? (seed[i % seed.length] as number) : noise >>> 24;
        }
        const expected = new Uint8Array(nodeZlib.deflateRawSync(text, { level }));
        expect(fastZlib.deflate(text, { raw: true, level })).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a partial inflate of any front of a stream gives a front of the content', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('ab', 'cd\n', 'hello ', '\u00e9'), { maxLength: 3000 }), fc.nat(), fc.boolean(), (parts, cut, compat) => {
        const text = utf8(parts.join(''));
        const z = (compat ? compatZlib : fastZlib).deflate(text);
        const front = fastZlib.inflate(z.subarray(0, cut % (z.length + 1)), { partial: true });
        expect(front).toEqual(text.subarray(0, front.length));
        expect(fastZlib.inflate(z, { partial: true })).toEqual(text);
      }),
      { numRuns: 200 },
    );
  });

  it('inflating on the thread pool gives what inflate gives, and its typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), async (text, raw) => {
        const z = fastZlib.deflate(text, { raw });
        expect(await inflateOnThreadPool(z, { raw, sizeHint: text.length })).toEqual(fastZlib.inflate(z, { raw }));
      }),
      { numRuns: 50 },
    );
    await expect(inflateOnThreadPool(utf8('not zlib at all'))).rejects.toBeInstanceOf(CorruptData);
    await expect(inflateOnThreadPool(fastZlib.deflate(new Uint8Array(5000)), { maxOutput: 100 })).rejects.toBeInstanceOf(LimitExceeded);
  });

  it('incremental deflate with sync flushes inflates to the input', () => {
    const d = compatZlib.createDeflater();
    const parts = [d.push(utf8('hello '), 'sync'), d.push(utf8('world')), d.finish()];
    const z = Uint8Array.from(parts.flatMap((p) => [...p]));
    expect(new TextDecoder().decode(compatZlib.inflate(z))).toBe('hello world');
  });

  it('refuses bombs and garbage with typed errors', () => {
    const bomb = compatZlib.deflate(new Uint8Array(1 << 20));
    expect(() => compatZlib.inflate(bomb, { maxOutput: 1000 })).toThrow(LimitExceeded);
    expect(() => fastZlib.inflate(bomb, { maxOutput: 1000 })).toThrow(LimitExceeded);
    expect(() => compatZlib.inflate(utf8('not zlib at all'))).toThrow(CorruptData);
    expect(() => fastZlib.inflate(utf8('not zlib at all'))).toThrow(CorruptData);
    expect(() => compatZlib.inflate(bomb.subarray(0, 10))).toThrow(CorruptData);
  });

  it('reports bytes after the end of the stream', () => {
    const z = compatZlib.deflate(utf8('abc'));
    const inf = compatZlib.createInflater();
    const joined = new Uint8Array(z.length + 4);
    joined.set(z);
    expect(new TextDecoder().decode(inf.push(joined))).toBe('abc');
    expect(inf.ended).toBe(true);
    expect(inf.unusedBytes).toBe(4);
  });
});

/** `length` bytes of text-like data: lines repeating at a distance, with a changing number in each, so matches cross any cut. */
function linesOf(length: number): Uint8Array {
  const out = new Uint8Array(length);
  const line = utf8('a line of text that comes back every few lines, numbered ');
  let at = 0;
  for (let n = 0; at < length; n++) {
    const number = utf8(`${(n * 7919) % 100003}\n`);
    out.set(line.subarray(0, Math.min(line.length, length - at)), at);
    at += line.length;
    if (at < length) out.set(number.subarray(0, Math.min(number.length, length - at)), at);
    at += number.length;
  }
  return out;
}

/** Whether two long arrays hold the same bytes (an assertion's diff of megabytes would not fit in memory). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** `bytes` cut at the given points. */
function cut(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

describe('native deflate of long inputs, in pieces', () => {
  const P = DEFLATE_PIECE_BYTES;

  it('up to one piece, it is the one-shot zlib stream', async () => {
    for (const length of [0, 1, 1000, P]) {
      const data = linesOf(length);
      const single = new Uint8Array(nodeZlib.deflateSync(data, { level: 6 }));
      expect(same(fastZlib.deflate(cut(data, [Math.floor(length / 3)]), { level: 6 }), single)).toBe(true);
      expect(same(concatBytes(await deflateOnThreadPool(data, { level: 6 })), single)).toBe(true);
    }
  });

  it('past one piece, both inflaters restore it, from any cut of the input; the thread pool writes the same bytes', async () => {
    const data = linesOf(2 * P + 12345);
    for (const level of [0, 1, 6, 9]) {
      const whole = fastZlib.deflate(data, { level });
      const chunked = fastZlib.deflate(cut(data, [7, P - 5, P + 40000]), { level });
      expect(same(chunked, whole)).toBe(true);
      expect(same(concatBytes(await deflateOnThreadPool(cut(data, [P + 1]), { level })), whole)).toBe(true);
      expect(same(fastZlib.inflate(whole, { maxOutput: data.length }), data)).toBe(true);
      expect(same(compatZlib.inflate(whole, { maxOutput: data.length }), data)).toBe(true);
      // The header zlib itself writes at this level, and a few bytes per cut at most.
      const single = nodeZlib.deflateSync(data, { level });
      expect([...whole.subarray(0, 2)]).toEqual([...single.subarray(0, 2)]);
      expect(whole.length).toBeLessThanOrEqual(Math.ceil(single.length * 1.001) + 64);
    }
  });

  it('a raw stream past one piece is the pieces alone: inflated raw, from any cut, the same bytes on the thread pool', async () => {
    const data = linesOf(P + 54321);
    const zlibForm = fastZlib.deflate(data);
    const raw = fastZlib.deflate(cut(data, [3, P + 2]), { raw: true });
    // The zlib form is the raw pieces under a 2-byte header and a 4-byte Adler-32.
    expect(same(raw, zlibForm.subarray(2, zlibForm.length - 4))).toBe(true);
    expect(same(concatBytes(await deflateOnThreadPool(cut(data, [P - 1]), { raw: true })), raw)).toBe(true);
    expect(same(fastZlib.inflate(raw, { raw: true, maxOutput: data.length }), data)).toBe(true);
    expect(same(new Uint8Array(nodeZlib.inflateRawSync(raw)), data)).toBe(true);
  });

  it('a raw stream up to one piece is the one-shot raw deflate, here and on the thread pool', async () => {
    for (const length of [0, 1, 300, 70000, P]) {
      const data = linesOf(length);
      const here = fastZlib.deflate(data, { raw: true });
      expect(same(concatBytes(await deflateOnThreadPool(cut(data, [length >> 1]), { raw: true })), here)).toBe(true);
      expect(same(new Uint8Array(nodeZlib.inflateRawSync(here)), data)).toBe(true);
    }
  });

  it('a damaged pieced stream is refused', () => {
    const data = linesOf(P + 100);
    const z = fastZlib.deflate(data);
    const badSum = z.slice();
    badSum[badSum.length - 1] = (badSum[badSum.length - 1] as number) ^ 1;
    expect(() => fastZlib.inflate(badSum, { maxOutput: data.length })).toThrow(CorruptData);
    expect(() => fastZlib.inflate(z.subarray(0, z.length - 9), { maxOutput: data.length })).toThrow(CorruptData);
  });

  it('adler32 runs on across chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20000 }), fc.nat(20000), (data, at) => {
        const split = Math.min(at, data.length);
        const once = adler32(data);
        expect(adler32(data.subarray(split), adler32(data.subarray(0, split)))).toBe(once);
        const trailer = nodeZlib.deflateSync(data).subarray(-4);
        expect(once).toBe(new DataView(trailer.buffer, trailer.byteOffset, 4).getUint32(0));
      }),
      { numRuns: 50 },
    );
  });
});
