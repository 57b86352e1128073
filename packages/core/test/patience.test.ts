import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  PatienceSequenceMatcher,
  bytesEqual,
  internLines,
  matchingBlocks,
  splitLines,
  unifiedDiff,
  type MatchingBlock,
} from '@versionedfiles/core';

interface FixturePair {
  readonly name: string;
  readonly a: string;
  readonly b: string;
  readonly blocks: number[];
}

const FIXTURE = new URL('../../../test-fixtures/core/patience/pairs.jsonl.gz', import.meta.url);

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function flatten(blocks: readonly MatchingBlock[]): number[] {
  return blocks.flatMap((b) => [...b]);
}

function loadPairs(): FixturePair[] {
  return gunzipSync(new Uint8Array(readFileSync(FIXTURE)))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as FixturePair);
}

/** Checks the invariants every matcher result must hold. */
function checkBlocks(a: readonly Uint8Array[], b: readonly Uint8Array[], blocks: readonly MatchingBlock[]): void {
  expect(blocks[blocks.length - 1]).toEqual([a.length, b.length, 0]);
  let nextA = 0;
  let nextB = 0;
  blocks.forEach(([ai, bj, n], index) => {
    expect(ai).toBeGreaterThanOrEqual(nextA);
    expect(bj).toBeGreaterThanOrEqual(nextB);
    if (index < blocks.length - 1) expect(n).toBeGreaterThan(0);
    for (let k = 0; k < n; k++) expect(bytesEqual(a[ai + k] as Uint8Array, b[bj + k] as Uint8Array)).toBe(true);
    nextA = ai + n;
    nextB = bj + n;
  });
}

const lineArb = fc.oneof(
  fc.constantFrom('\n', 'a\n', 'b\n', 'c\n', '}\n', 'x', 'same line\n'),
  fc.string({ maxLength: 6 }).map((s) => `${s}\n`),
);
const linesArb = fc.array(lineArb, { maxLength: 40 }).map((ls) => ls.map((l) => new TextEncoder().encode(l)));

describe('PatienceSequenceMatcher against Breezy', () => {
  const pairs = loadPairs();

  it('has at least 1,000 fixture pairs', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(1000);
  });

  it('gives Breezy\'s matching blocks on every fixture pair', () => {
    const mismatches: string[] = [];
    for (const pair of pairs) {
      const a = splitLines(latin1Bytes(pair.a));
      const b = splitLines(latin1Bytes(pair.b));
      const ours = flatten(new PatienceSequenceMatcher(a, b).getMatchingBlocks());
      if (JSON.stringify(ours) !== JSON.stringify(pair.blocks)) mismatches.push(pair.name);
    }
    expect(mismatches).toEqual([]);
  });

  it('gives the same blocks over strings as over bytes', () => {
    for (const pair of pairs.slice(0, 200)) {
      const a = splitLines(latin1Bytes(pair.a));
      const b = splitLines(latin1Bytes(pair.b));
      const asStrings = (ls: Uint8Array[]): string[] => ls.map((l) => String.fromCharCode(...l));
      expect(flatten(matchingBlocks(asStrings(a), asStrings(b)))).toEqual(pair.blocks);
    }
  });
});

describe('PatienceSequenceMatcher', () => {
  it('matches the doctest of patiencediff', () => {
    expect(matchingBlocks([...'abxcd'], [...'abcd'])).toEqual([
      [0, 0, 2],
      [3, 2, 2],
      [5, 4, 0],
    ]);
    expect(new PatienceSequenceMatcher([...'qabxcd'], [...'abycdf']).getOpcodes()).toEqual([
      ['delete', 0, 1, 0, 0],
      ['equal', 1, 3, 0, 2],
      ['replace', 3, 4, 2, 3],
      ['equal', 4, 6, 3, 5],
      ['insert', 6, 6, 5, 6],
    ]);
  });

  it('groups opcodes as the patiencediff doctest shows', () => {
    const a = Array.from({ length: 39 }, (_, i) => String(i + 1));
    const b = a.slice();
    b.splice(8, 0, 'i');
    b[20] += 'x';
    b.splice(23, 5);
    b[30] += 'y';
    expect(new PatienceSequenceMatcher(a, b).getGroupedOpcodes()).toEqual([
      [['equal', 5, 8, 5, 8], ['insert', 8, 8, 8, 9], ['equal', 8, 11, 9, 12]],
      [
        ['equal', 16, 19, 17, 20],
        ['replace', 19, 20, 20, 21],
        ['equal', 20, 22, 21, 23],
        ['delete', 22, 27, 23, 23],
        ['equal', 27, 30, 23, 26],
      ],
      [['equal', 31, 34, 27, 30], ['replace', 34, 35, 30, 31], ['equal', 35, 38, 31, 34]],
    ]);
    expect(new PatienceSequenceMatcher([], []).getGroupedOpcodes()).toEqual([]);
    expect(new PatienceSequenceMatcher(['x'], ['x']).getGroupedOpcodes()).toEqual([]);
  });

  it('interns equal byte lines to one id, however they are sliced', () => {
    const text = new TextEncoder().encode('a\nb\na\n');
    const ids = internLines(splitLines(text), [new TextEncoder().encode('b\n')]);
    expect([...ids.a]).toEqual([0, 1, 0]);
    expect([...ids.b]).toEqual([1]);
    expect(ids.classCount).toBe(2);
  });

  it('blocks are increasing, non-overlapping, real matches, with the sentinel last', () => {
    fc.assert(
      fc.property(linesArb, linesArb, (a, b) => {
        checkBlocks(a, b, matchingBlocks(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('applying the opcodes to a gives b', () => {
    fc.assert(
      fc.property(linesArb, linesArb, (a, b) => {
        const out: Uint8Array[] = [];
        let expectedI = 0;
        for (const [tag, i1, i2, j1, j2] of new PatienceSequenceMatcher(a, b).getOpcodes()) {
          expect(i1).toBe(expectedI);
          expectedI = i2;
          if (tag === 'equal') out.push(...a.slice(i1, i2));
          else out.push(...b.slice(j1, j2));
        }
        expect(expectedI).toBe(a.length);
        expect(out.length).toBe(b.length);
        out.forEach((line, k) => expect(bytesEqual(line, b[k] as Uint8Array)).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it('finds every line of identical texts and nothing in disjoint ones', () => {
    fc.assert(
      fc.property(linesArb, (a) => {
        const blocks = matchingBlocks(a, a);
        const matched = blocks.reduce((n, [, , len]) => n + len, 0);
        // deep recursion may stop early, as in Breezy, but never on short texts
        if (a.length < 20) expect(matched).toBe(a.length);
        expect(matchingBlocks(a, [])).toEqual([[a.length, 0, 0]]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('unifiedDiff', () => {
  it('writes headers, hunks and prefixed lines', () => {
    const diff = unifiedDiff(['one\n', 'two\n', 'three\n', 'four\n'], ['zero\n', 'one\n', 'tree\n', 'four\n'], {
      fromFile: 'Original',
      toFile: 'Current',
      fromFileDate: 'Sat Jan 26 23:30:50 1991',
      toFileDate: 'Fri Jun 06 10:20:52 2003',
    });
    expect(diff).toEqual([
      '--- Original\tSat Jan 26 23:30:50 1991\n',
      '+++ Current\tFri Jun 06 10:20:52 2003\n',
      '@@ -1,4 +1,4 @@\n',
      '+zero\n',
      ' one\n',
      '-two\n',
      '-three\n',
      '+tree\n',
      ' four\n',
    ]);
    expect(unifiedDiff(['a\n'], ['a\n'])).toEqual([]);
  });

  it('gives bytes for byte lines', () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const diff = unifiedDiff([enc('a\n'), enc('b')], [enc('a\n'), enc('c')], { fromFile: 'x', toFile: 'y' });
    expect(diff.map((l) => new TextDecoder().decode(l))).toEqual([
      '--- x\n',
      '+++ y\n',
      '@@ -1,2 +1,2 @@\n',
      ' a\n',
      '-b',
      '+c',
    ]);
  });
});
