import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import nodeZlib from 'node:zlib';
import { CorruptData, LimitExceeded, compatZlib, fastZlib, inflateOnThreadPool, utf8 } from '@versionedfiles/core';

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
