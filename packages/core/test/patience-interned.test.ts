import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  InvalidLineIds,
  LineInterner,
  PatienceSequenceMatcher,
  UnsupportedOperation,
  concatBytes,
  lineStarts,
  matchingBlocks,
  matchingBlocksIds,
  splitLines,
  type MatchingBlock,
} from '@versionedfiles/core';

// The pre-interned path: ids from a LineInterner kept across calls must give
// exactly the blocks of the one-off path (and so Breezy's).

interface FixturePair {
  readonly name: string;
  readonly a: string;
  readonly b: string;
  readonly blocks: number[];
}

const FIXTURE = new URL('../../../test-fixtures/core/patience/pairs.jsonl.gz', import.meta.url);

const latin1Bytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const flatten = (blocks: readonly MatchingBlock[]): number[] => blocks.flatMap((b) => [...b]);

function loadPairs(): FixturePair[] {
  return gunzipSync(new Uint8Array(readFileSync(FIXTURE)))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as FixturePair);
}

const lineArb = fc.oneof(
  fc.constantFrom('\n', 'a\n', 'b\n', 'c\n', '}\n', 'x', 'same line\n'),
  fc.string({ maxLength: 6 }).map((s) => `${s}\n`),
);
const linesArb = fc.array(lineArb, { maxLength: 40 }).map((ls) => ls.map(enc));

describe('matchingBlocksIds', () => {
  it("gives Breezy's blocks on every fixture pair through one interner shared by all pairs", () => {
    // one interner for all 1,200 pairs: later pairs get large, sparse ids
    const interner = new LineInterner({ copyLines: true });
    const mismatches: string[] = [];
    for (const pair of loadPairs()) {
      const aIds = interner.internAll(splitLines(latin1Bytes(pair.a)));
      const bIds = interner.internAll(splitLines(latin1Bytes(pair.b)));
      if (JSON.stringify(flatten(matchingBlocksIds(aIds, bIds))) !== JSON.stringify(pair.blocks)) mismatches.push(pair.name);
      const viaMatcher = new PatienceSequenceMatcher(aIds, bIds).getMatchingBlocks();
      if (JSON.stringify(flatten(viaMatcher)) !== JSON.stringify(pair.blocks)) mismatches.push(`${pair.name} (matcher)`);
    }
    expect(mismatches).toEqual([]);
    expect(interner.size).toBeGreaterThan(1000);
  });

  it('agrees with the one-off path on random pairs, whatever ids stand for the lines', () => {
    const interner = new LineInterner();
    fc.assert(
      fc.property(linesArb, linesArb, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (a, b, offset) => {
        const expected = matchingBlocks(a, b);
        const aIds = interner.internAll(a);
        const bIds = interner.internAll(b);
        expect(matchingBlocksIds(aIds, bIds)).toEqual(expected);
        // any injective relabelling of ids (negative, huge) gives the same blocks
        const shift = (ids: Int32Array): Int32Array => ids.map((id) => (id * 7919 + offset) | 0);
        expect(matchingBlocksIds(shift(aIds), shift(bIds))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('handles empty sides and extreme ids without sizing anything by them', () => {
    expect(matchingBlocksIds(new Int32Array(0), new Int32Array(0))).toEqual([[0, 0, 0]]);
    expect(matchingBlocksIds(Int32Array.of(5), new Int32Array(0))).toEqual([[1, 0, 0]]);
    const big = 2 ** 31 - 1;
    const small = -(2 ** 31);
    expect(matchingBlocksIds(Int32Array.of(big, small, 3), Int32Array.of(small, 3, big))).toEqual(
      matchingBlocks(['x', 'y', 'z'], ['y', 'z', 'x']),
    );
  });

  it('refuses ids on one side and lines on the other', () => {
    const matcher = new PatienceSequenceMatcher(Int32Array.of(1), [enc('a\n')] as unknown as Int32Array);
    expect(() => matcher.getMatchingBlocks()).toThrow(UnsupportedOperation);
  });
});

describe('LineInterner', () => {
  it('keeps ids stable and dense across calls and table growth', () => {
    const interner = new LineInterner();
    const lines = Array.from({ length: 5000 }, (_, i) => enc(`line ${i % 3000}\n`));
    const ids = interner.internAll(lines);
    expect(interner.size).toBe(3000);
    expect(Math.max(...ids)).toBe(2999);
    // the same content, other objects, after growth: the same ids
    const again = interner.internAll(lines.map((l) => l.slice()));
    expect([...again]).toEqual([...ids]);
    expect(interner.intern(enc('line 2999\n'))).toBe(2999);
    expect(interner.intern(enc('new\n'))).toBe(3000);
  });

  it('tells byte lines and strings apart, and copies lines when asked', () => {
    const interner = new LineInterner({ copyLines: true });
    const text = enc('a\nb\n');
    const [a, b] = splitLines(text) as [Uint8Array, Uint8Array];
    expect(interner.intern(a)).toBe(0);
    expect(interner.intern(b)).toBe(1);
    expect(interner.intern('a\n')).toBe(2);
    text.fill(0x7a); // the caller reuses its buffer: the copies keep the old lines
    expect(interner.intern(enc('a\n'))).toBe(0);
    expect(interner.intern(enc('b\n'))).toBe(1);
  });

  it('keeps copied lines many to a buffer, across buffers and beside long lines, apart from the caller\'s bytes', () => {
    const interner = new LineInterner({ copyLines: true });
    // 300 KB of lines: several shared buffers, with a few 10 KB lines (copied alone) among them.
    const lines = Array.from({ length: 6000 }, (_, i) => enc(i % 997 === 5 ? `${'x'.repeat(10_000)}${i}\n` : `line ${i} ${'y'.repeat(i % 50)}\n`));
    const text = enc(lines.map((l) => new TextDecoder().decode(l)).join(''));
    const ids: number[] = [];
    let at = 0;
    for (const line of lines) {
      ids.push(interner.internSpan(text, at, at + line.length));
      at += line.length;
    }
    text.fill(0x21);
    lines.forEach((line, i) => expect(interner.bytesOf(ids[i] as number)).toEqual(line));
    expect(interner.intern(lines[4321] as Uint8Array)).toBe(ids[4321]);
    const first = interner.bytesOf(ids[0] as number) as Uint8Array;
    expect(interner.bytesOf(ids[1] as number)?.buffer).toBe(first.buffer);
    expect(first.buffer.byteLength).toBeLessThan(text.length);
    expect(new Set(ids.map((id) => interner.bytesOf(id)?.buffer)).size).toBeLessThan(lines.length / 100);
  });

  it('interns a span of a buffer in place as the same line on its own, and gives its bytes back', () => {
    fc.assert(
      fc.property(linesArb, fc.boolean(), (lines, copyLines) => {
        const text = enc(lines.map((l) => new TextDecoder().decode(l)).join(''));
        const inPlace = new LineInterner({ copyLines });
        const alone = new LineInterner({ copyLines });
        let at = 0;
        for (const line of lines) {
          const id = inPlace.internSpan(text, at, at + line.length);
          expect(id).toBe(alone.intern(line));
          expect(inPlace.bytesOf(id)).toEqual(line);
          at += line.length;
        }
        expect(inPlace.size).toBe(alone.size);
      }),
      { numRuns: 300 },
    );
    const interner = new LineInterner();
    expect(() => interner.internSpan(enc('ab'), 1, 3)).toThrow(RangeError);
    expect(() => interner.internSpan(enc('ab'), 2, 1)).toThrow(RangeError);
    expect(interner.bytesOf(interner.intern('a\n'))).toBeUndefined();
    expect(interner.bytesOf(99)).toBeUndefined();
  });

  it('interns a text against a base exactly as on its own', () => {
    fc.assert(
      fc.property(linesArb, linesArb, linesArb, (base, text, other) => {
        const plain = new LineInterner();
        const withBase = new LineInterner();
        for (const interner of [plain, withBase]) interner.internAll(other);
        const baseIds = withBase.internAll(base);
        expect([...plain.internAll(base)]).toEqual([...baseIds]);
        const ids = withBase.internAll(text, { lines: base, ids: baseIds });
        expect([...ids]).toEqual([...plain.internAll(text)]);
        expect(withBase.size).toBe(plain.size);
      }),
      { numRuns: 200 },
    );
  });

  it('interns a whole text against a base text in place exactly as on its own', () => {
    fc.assert(
      fc.property(linesArb, linesArb, linesArb, (base, text, other) => {
        const plain = new LineInterner();
        const withBase = new LineInterner({ copyLines: true });
        for (const interner of [plain, withBase]) interner.internAll(other);
        const baseText = concatBytes(base);
        const baseBounds = lineStarts(baseText);
        const baseIds = withBase.internText(baseText, baseBounds);
        expect([...baseIds]).toEqual([...plain.internAll(splitLines(baseText))]);
        const ownText = concatBytes(text);
        const ids = withBase.internText(ownText, lineStarts(ownText), { text: baseText, bounds: baseBounds, ids: baseIds });
        expect([...ids]).toEqual([...plain.internAll(splitLines(ownText))]);
        expect(withBase.size).toBe(plain.size);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses, against a base, boundaries that do not span the text', () => {
    const interner = new LineInterner();
    const base = enc('a\nb\n');
    const spans = { text: base, bounds: lineStarts(base), ids: interner.internText(base, lineStarts(base)) };
    const text = enc('a\nc\n');
    expect(() => interner.internText(text, Int32Array.of(0, 2), spans)).toThrow(RangeError);
    expect(() => interner.internText(text, Int32Array.of(2, 4), spans)).toThrow(RangeError);
    expect(() => interner.internText(text, lineStarts(text), { ...spans, ids: Int32Array.of(0, 9) })).toThrow(InvalidLineIds);
    expect([...interner.internText(text, lineStarts(text), spans)]).toEqual([0, 2]);
  });

  it('refuses a base whose ids are not its own', () => {
    const interner = new LineInterner();
    const lines = [enc('a\n'), enc('b\n')];
    const ids = interner.internAll(lines);
    expect(() => interner.internAll(lines, { lines, ids: Int32Array.of(0) })).toThrow(InvalidLineIds);
    expect(() => interner.internAll(lines, { lines, ids: Int32Array.of(0, 7) })).toThrow(InvalidLineIds);
    expect(() => interner.internAll(lines, { lines, ids: Int32Array.of(-1, 1) })).toThrow(InvalidLineIds);
    expect([...interner.internAll([enc('b\n'), enc('c\n')], { lines, ids })]).toEqual([1, 2]);
  });
});
