import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import * as nodeZlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import {
  CorruptData,
  LimitExceeded,
  compatZlib,
  concatBytes,
  crc32,
  fastZlib,
  gunzip,
  gunzipConcatenated,
  gunzipConcatenatedAsync,
  gzipChunks,
  gzipMemberBounds,
  gzipOnThreadPool,
  DEFLATE_PIECE_BYTES,
  toHex,
  utf8,
} from '@versionedfiles/core';

interface Fixtures {
  breezy: { chunks: string[]; gzip: string }[];
  python: { content: string; gzip: string; note: string }[];
  knit: { file: string; offsets: number[]; contents: string[] };
}

const fixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../test-fixtures/core/gzip/fixtures.json', import.meta.url)), 'utf8'),
) as Fixtures;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

describe('gzipChunks against what Breezy wrote', () => {
  it.each(fixtures.breezy.map((f, i) => [i, f] as const))('fixture %i is byte-identical in compat mode', (_i, f) => {
    expect(toHex(gzipChunks(f.chunks.map(hex), compatZlib))).toBe(f.gzip);
  });

  it('fast mode writes members that read back to the same content', () => {
    for (const f of fixtures.breezy) {
      const content = concatBytes(f.chunks.map(hex));
      expect(toHex(gunzip(gzipChunks(f.chunks.map(hex), fastZlib)).data)).toBe(toHex(content));
    }
  });
});

describe('gzipOnThreadPool', () => {
  /** Numbered lines, `length` bytes in all, cut into chunks at `cuts`. */
  function text(length: number, cuts: readonly number[]): Uint8Array[] {
    const whole = new Uint8Array(length);
    for (let at = 0, n = 0; at < length; n++) {
      const line = utf8(`line ${(n * 7919) % 65521} of a text made to be deflated\n`);
      whole.set(line.subarray(0, length - at), at);
      at += line.length;
    }
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const p of [...cuts, length]) {
      chunks.push(whole.subarray(from, p));
      from = p;
    }
    return chunks;
  }

  it('writes the bytes gzipChunks(fastZlib) writes, below and past one deflate piece, and they read back', async () => {
    const P = DEFLATE_PIECE_BYTES;
    for (const [length, cuts] of [
      [0, []],
      [5000, [10]],
      [P + 1, [40]],
      [2 * P + 777, [P - 3, P + 9]],
    ] as const) {
      const chunks = text(length, cuts);
      const member = await gzipOnThreadPool(chunks);
      expect(Buffer.compare(member, gzipChunks(chunks, fastZlib))).toBe(0);
      const back = gunzip(member, { maxOutput: length });
      expect(back.end).toBe(member.length);
      expect(Buffer.compare(back.data, concatBytes(chunks))).toBe(0);
      expect(Buffer.compare(new Uint8Array(nodeZlib.gunzipSync(member)), concatBytes(chunks))).toBe(0);
    }
  });
});

describe('gzipMemberBounds', () => {
  /** Bytes no deflater can shrink: the worst case for the upper bound. */
  function noise(length: number, seed: number): Uint8Array {
    const out = new Uint8Array(length);
    let x = seed | 1;
    for (let i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  }

  function expectWithin(member: Uint8Array, length: number): void {
    const { least, most } = gzipMemberBounds(length);
    expect(member.length).toBeGreaterThanOrEqual(least);
    expect(member.length).toBeLessThanOrEqual(most);
  }

  it("holds every member either codec makes, of text that compresses and of bytes that do not, in any chunking", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 70_000 }),
          fc.tuple(fc.nat({ max: 70_000 }), fc.integer()).map(([length, seed]) => noise(length, seed)),
          fc.tuple(fc.string({ maxLength: 40 }), fc.nat({ max: 3000 })).map(([line, times]) => utf8(`${line}\n`.repeat(times))),
        ),
        fc.array(fc.nat(), { maxLength: 4 }),
        (text, cuts) => {
          const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [...at, text.length].map((end, i) => text.subarray(i === 0 ? 0 : (at[i - 1] as number), end));
          for (const codec of [fastZlib, compatZlib]) expectWithin(gzipChunks(chunks, codec), text.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('holds a member deflated in pieces, on this thread and on the thread pool', async () => {
    const length = DEFLATE_PIECE_BYTES + 4099;
    const text = noise(length, 7);
    expectWithin(gzipChunks([text], fastZlib), length);
    expectWithin(await gzipOnThreadPool([text]), length);
    expect(gzipMemberBounds(0).least).toBe(20);
  });
});

describe('gunzip', () => {
  it('reads Breezy members and reports where each ends', () => {
    for (const f of fixtures.breezy) {
      const member = hex(f.gzip);
      const { data, end } = gunzip(member);
      expect(toHex(data)).toBe(f.chunks.join(''));
      expect(end).toBe(member.length);
    }
  });

  it("reads what Python's gzip module writes, optional header fields included", () => {
    for (const f of fixtures.python) {
      const member = hex(f.gzip);
      const { data, end } = gunzip(member);
      expect(toHex(data), f.note).toBe(f.content);
      expect(end).toBe(member.length);
    }
  });

  it('walks a knit data file member by member', () => {
    const file = hex(fixtures.knit.file);
    let offset = 0;
    const seen: string[] = [];
    const starts: number[] = [];
    while (offset < file.length) {
      starts.push(offset);
      const { data, end } = gunzip(file, { offset });
      seen.push(toHex(data));
      offset = end;
    }
    expect(starts).toEqual(fixtures.knit.offsets);
    expect(seen).toEqual(fixtures.knit.contents);
  });

  it("reads node:zlib's gzip output", () => {
    const text = utf8('node wrote this\n'.repeat(30));
    const gz = nodeZlib.gzipSync(text);
    expect(gunzip(new Uint8Array(gz)).data).toEqual(text);
  });

  it('round-trips any chunks, in both modes, at any offset', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.boolean(),
        (chunks, prefix, compat) => {
          const member = gzipChunks(chunks, compat ? compatZlib : fastZlib);
          const file = concatBytes([prefix, member, utf8('trailing junk')]);
          const { data, end } = gunzip(file, { offset: prefix.length });
          expect(data).toEqual(concatBytes(chunks.length ? chunks : [new Uint8Array(0)]));
          expect(end).toBe(prefix.length + member.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('computes zlib crc32', () => {
    expect(crc32(utf8('123456789'))).toBe(0xcbf43926);
    expect(crc32(utf8('6789'), crc32(utf8('12345')))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('gunzip on damaged input', () => {
  const member = hex(fixtures.breezy[4]!.gzip);

  it('names each kind of damage with a typed error', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /truncated header/],
      ['bad magic', Uint8Array.of(0x1f, 0x8c, ...member.subarray(2)), /bad magic/],
      ['method', Uint8Array.of(0x1f, 0x8b, 7, ...member.subarray(3)), /compression method/],
      ['reserved flag', Uint8Array.of(0x1f, 0x8b, 8, 0x20, ...member.subarray(4)), /reserved/],
      ['unterminated name', Uint8Array.of(0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 0x41, 0x42), /unterminated file name/],
      ['extra too long', Uint8Array.of(0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 1, 2), /extra field/],
      ['no trailer', member.subarray(0, member.length - 8), /trailer/],
      ['short trailer', member.subarray(0, member.length - 3), /trailer/],
      ['truncated body', member.subarray(0, 30), /truncated deflate|does not inflate/],
    ];
    for (const [what, bytes, message] of cases) {
      expect(() => gunzip(bytes), what).toThrow(CorruptData);
      expect(() => gunzip(bytes), what).toThrow(message);
    }
  });

  it('checks crc and size', () => {
    const badCrc = member.slice();
    flip(badCrc, badCrc.length - 8, 1);
    expect(() => gunzip(badCrc)).toThrow(/crc32/);
    const badSize = member.slice();
    flip(badSize, badSize.length - 1, 1);
    expect(() => gunzip(badSize)).toThrow(/size/);
    const badHcrc = hex(fixtures.python[3]!.gzip);
    const at = badHcrc.indexOf(0, badHcrc.indexOf(0, 20) + 1) + 1;
    flip(badHcrc, at, 1);
    expect(() => gunzip(badHcrc)).toThrow(/header crc/);
  });

  it('refuses to inflate past maxOutput', () => {
    const bomb = gzipChunks([new Uint8Array(1 << 20)]);
    expect(() => gunzip(bomb, { maxOutput: 1000 })).toThrow(LimitExceeded);
    expect(gunzip(bomb, { maxOutput: 1 << 20 }).data.length).toBe(1 << 20);
  });

  it('never crashes on truncated or flipped bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (chunks, at, mask, truncate) => {
          const good = gzipChunks(chunks);
          const bad = truncate ? good.subarray(0, at % good.length) : good.slice();
          if (!truncate) flip(bad, at % bad.length, mask);
          try {
            const { data, end } = gunzip(bad);
            // A flip that survives every check must have left an equivalent member.
            expect(end).toBeLessThanOrEqual(bad.length);
            expect(data).toEqual(concatBytes(chunks.length ? chunks : [new Uint8Array(0)]));
          } catch (err) {
            expect(err).toBeInstanceOf(CorruptData);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

function flip(bytes: Uint8Array, at: number, mask: number): void {
  bytes[at] = (bytes[at] ?? 0) ^ mask;
}

describe('gunzipConcatenated', () => {
  const contents = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 });

  /** Both variants, which must agree: the one on the thread pool checked against the other. */
  async function both(bytes: Uint8Array, size: number): Promise<Uint8Array | null> {
    const sync = gunzipConcatenated(bytes, size);
    expect(await gunzipConcatenatedAsync(bytes, size)).toEqual(sync);
    return sync;
  }

  it('gives what gunzip gives member by member, when told their total size', async () => {
    await fc.assert(
      fc.asyncProperty(contents, fc.boolean(), async (texts, compat) => {
        const members = texts.map((t) => gzipChunks([t], compat ? compatZlib : fastZlib));
        const joined = concatBytes(texts);
        expect(await both(concatBytes(members), joined.length)).toEqual(joined);
        // Any other size is refused, not cut or padded.
        expect(await both(concatBytes(members), joined.length + 1)).toBeNull();
        if (joined.length > 0) expect(await both(concatBytes(members), joined.length - 1)).toBeNull();
      }),
      { numRuns: 100 },
    );
  });

  it('gives null for damaged members and for bytes that are not members', async () => {
    await fc.assert(
      fc.asyncProperty(contents, fc.nat(), fc.integer({ min: 0, max: 255 }), async (texts, at, value) => {
        const members = concatBytes(texts.map((t) => gzipChunks([t])));
        const size = concatBytes(texts).length;
        const bad = members.slice();
        bad[at % bad.length] = value;
        const out = await both(bad, size);
        // A changed byte either breaks a check or leaves the same content (e.g. the header's mtime).
        if (out !== null) expect(out).toEqual(concatBytes(texts));
        expect(await both(concatBytes([members, new Uint8Array(4)]), size + 4)).toBeNull();
        expect(await both(concatBytes([members, utf8('junk')]), size)).toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});
