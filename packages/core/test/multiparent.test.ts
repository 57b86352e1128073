import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  LineInterner,
  MultiParent,
  MultiParentCorrupt,
  MultiParentTexts,
  RevisionNotPresent,
  NewText,
  ParentText,
  applyMultiParent,
  concatBytes,
  latin1,
  splitLines,
  utf8,
  type MatchingBlock,
} from '@versionedfiles/core';

interface FixtureCase {
  readonly name: string;
  readonly text: string;
  readonly parents: string[];
  readonly patch: string;
  readonly leftBlocks?: number[];
}

const FIXTURE = new URL('../../../test-fixtures/core/multiparent/cases.jsonl.gz', import.meta.url);

function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function linesOf(text: string): Uint8Array[] {
  return splitLines(bytesOf(text));
}

function triples(flat: readonly number[]): MatchingBlock[] {
  const out: MatchingBlock[] = [];
  for (let i = 0; i < flat.length; i += 3) out.push([flat[i] as number, flat[i + 1] as number, flat[i + 2] as number]);
  return out;
}

function text(lines: readonly Uint8Array[]): string {
  return latin1(concatBytes(lines));
}

const cases: FixtureCase[] = gunzipSync(new Uint8Array(readFileSync(FIXTURE)))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as FixtureCase);

describe('MultiParent against Breezy', () => {
  it('has fixtures with 0 to 3 parents', () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
    expect(new Set(cases.map((c) => c.parents.length))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('makes the same patch bytes as Breezy', () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const left = c.leftBlocks ? triples(c.leftBlocks) : undefined;
      const diff = MultiParent.fromLines(linesOf(c.text), c.parents.map(linesOf), left);
      if (latin1(diff.toPatchBytes()) !== c.patch) wrong.push(c.name);
    }
    expect(wrong).toEqual([]);
  });

  it('fromTexts agrees with fromLines', () => {
    for (const c of cases.filter((k) => k.leftBlocks === undefined).slice(0, 80)) {
      const a = MultiParent.fromTexts(bytesOf(c.text), c.parents.map(bytesOf));
      expect(latin1(a.toPatchBytes())).toBe(c.patch);
    }
  });

  it('fromInterned makes the same patch bytes, all cases through one interner', () => {
    const interner = new LineInterner();
    const intern = (lines: Uint8Array[], base?: { lines: Uint8Array[]; ids: Int32Array }) => ({ lines, ids: interner.internAll(lines, base) });
    const wrong: string[] = [];
    for (const c of cases.filter((k) => k.leftBlocks === undefined)) {
      const parents = c.parents.map((p) => intern(linesOf(p)));
      const diff = MultiParent.fromInterned(intern(linesOf(c.text), parents[0]), parents);
      if (latin1(diff.toPatchBytes()) !== c.patch) wrong.push(c.name);
    }
    expect(wrong).toEqual([]);
    expect(cases.filter((k) => k.leftBlocks === undefined).length).toBeGreaterThan(100);
  });

  it('rebuilds every text from Breezy\'s patch and the parents', () => {
    for (const c of cases) {
      const diff = MultiParent.fromPatch(bytesOf(c.patch));
      expect(text(diff.toLines(c.parents.map(linesOf)))).toBe(c.text);
      expect(diff.numLines()).toBe(linesOf(c.text).length);
      expect(latin1(diff.toPatchBytes())).toBe(c.patch);
    }
  });
});

describe('MultiParent', () => {
  const enc = (...ls: string[]): Uint8Array[] => ls.map(utf8);

  it('models hunks, matching blocks and snapshots as Breezy does', () => {
    const diff = MultiParent.fromLines(enc('a\n', 'new\n', 'b\n', 'c'), [enc('a\n', 'b\n', 'c')]);
    expect(diff.hunks).toEqual([new ParentText(0, 0, 0, 1), new NewText(enc('new\n')), new ParentText(0, 1, 2, 2)]);
    expect(diff.getMatchingBlocks(0, 3)).toEqual([
      [0, 0, 1],
      [1, 2, 2],
      [3, 4, 0],
    ]);
    expect(diff.getMatchingBlocks(1, 7)).toEqual([[7, 4, 0]]);
    expect(diff.isSnapshot()).toBe(false);
    expect(MultiParent.fromLines(enc('x\n')).isSnapshot()).toBe(true);
    expect(MultiParent.fromLines([]).hunks).toEqual([]);
    expect(latin1(diff.toPatchBytes())).toBe('c 0 0 0 1\ni 1\nnew\n\nc 0 1 2 2\n');
  });

  it('prefers the longest run, and the first parent on ties', () => {
    const diff = MultiParent.fromLines(enc('a\n', 'b\n', 'c\n'), [enc('a\n', 'x\n'), enc('a\n', 'b\n', 'c\n'), enc('a\n', 'b\n', 'c\n')]);
    expect(diff.hunks).toEqual([new ParentText(1, 0, 0, 3)]);
  });

  it('reads and writes an empty new text, which Breezy writes but cannot read', () => {
    const empty = new MultiParent([new NewText([])]);
    expect(latin1(empty.toPatchBytes())).toBe('i 0\n\n');
    expect(MultiParent.fromPatch(empty.toPatchBytes()).equals(empty)).toBe(true);
  });

  it('rejects corrupt patches with a typed error', () => {
    const bad = [
      'x 1\n',
      'i\n',
      'i 2\na\n',
      'i 1\na',
      'i 1\n\n',
      'i 0\n',
      'c 0 0 0\n',
      'c 0 0 0 1 2\n',
      'c 0 -1 0 1\n',
      'c 0 0 0 99999999999999999999\n',
      '\n',
      'c 0 0 0 1\n\n',
      'i 1\na\n\n\n',
      'i 99999999\n',
    ];
    for (const patch of bad) {
      expect(() => MultiParent.fromPatch(utf8(patch)), patch).toThrow(MultiParentCorrupt);
    }
  });

  it('parses any bytes into a diff or a MultiParentCorrupt, never anything else', () => {
    const patchish = fc.array(
      fc.oneof(
        fc.constantFrom('i 1\n', 'i 0\n', 'i 2\n', 'c 0 0 0 1\n', 'c 1 2 3 4\n', '\n', 'a\n', 'b', 'c 0\n'),
        fc.string({ maxLength: 6 }),
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(fc.oneof(patchish.map((parts) => utf8(parts.join(''))), fc.uint8Array({ maxLength: 64 })), (bytes) => {
        let diff: MultiParent;
        try {
          diff = MultiParent.fromPatch(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(MultiParentCorrupt);
          return;
        }
        // what parses writes a patch that parses back to the same diff
        expect(MultiParent.fromPatch(diff.toPatchBytes()).equals(diff)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects diffs that do not fit their parents', () => {
    const parents = [enc('a\n', 'b\n')];
    expect(() => applyMultiParent(new MultiParent([new ParentText(1, 0, 0, 1)]), parents)).toThrow(MultiParentCorrupt);
    expect(() => applyMultiParent(new MultiParent([new ParentText(0, 1, 0, 2)]), parents)).toThrow(MultiParentCorrupt);
    expect(() => applyMultiParent(new MultiParent([new ParentText(0, 0, 3, 1)]), parents)).toThrow(MultiParentCorrupt);
    expect(text(applyMultiParent(new MultiParent([new ParentText(0, 1, 0, 1)]), parents))).toBe('b\n');
  });

  it('make, patch, parse and apply round-trips any text against any parents', () => {
    const line = fc.oneof(fc.constantFrom('\n', 'a\n', 'b\n', 'c\n', 'd\n'), fc.string({ maxLength: 5 }).map((s) => `${s}\n`));
    const body = fc
      .tuple(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.string({ minLength: 1, maxLength: 4 }))
      .map(([ls, noeol, last]) => enc(...ls, ...(noeol ? [last.replace(/\n/g, '')] : [])).filter((l) => l.length > 0));
    fc.assert(
      fc.property(body, fc.array(body, { maxLength: 3 }), (child, parents) => {
        const diff = MultiParent.fromLines(child, parents);
        const parsed = MultiParent.fromPatch(diff.toPatchBytes());
        expect(parsed.equals(diff)).toBe(true);
        expect(text(parsed.toLines(parents))).toBe(text(child));
        expect(parsed.numLines()).toBe(child.length);
      }),
      { numRuns: 300 },
    );
  });

  it('fromInterned equals fromLines, whatever the interner saw before', () => {
    const line = fc.constantFrom('\n', 'a\n', 'b\n', 'c\n', 'd\n', 'e');
    const body = fc.array(line, { maxLength: 20 }).map((ls) => enc(...ls));
    fc.assert(
      fc.property(fc.array(body, { maxLength: 3 }), body, fc.array(fc.tuple(body, fc.array(body, { maxLength: 3 })), { maxLength: 3 }), (seen, child, more) => {
        const interner = new LineInterner();
        for (const s of seen) interner.internAll(s);
        for (const [c, ps] of [[child, seen] as const, ...more]) {
          const parents = ps.map((p) => ({ lines: p, ids: interner.internAll(p) }));
          const text = { lines: c, ids: interner.internAll(c, parents[0]) };
          expect(MultiParent.fromInterned(text, parents).equals(MultiParent.fromLines(c, ps))).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('MultiParentTexts', () => {
  const enc = (...ls: string[]): Uint8Array[] => ls.map(utf8);
  const history: [key: string, parents: string[], lines: Uint8Array[]][] = [
    ['base', [], enc('a\n', 'b\n', 'c\n')],
    ['left', ['base'], enc('a\n', 'B\n', 'c\n')],
    ['right', ['base'], enc('a\n', 'b\n', 'c\n', 'd')],
    ['merge', ['left', 'right'], enc('a\n', 'B\n', 'c\n', 'd')],
  ];
  const diffs = history.map(([key, parents, lines]) => {
    const parentLines = parents.map((p) => history.find(([k]) => k === p)?.[2] ?? []);
    return [key, parents, MultiParent.fromLines(lines, parentLines)] as const;
  });

  it('rebuilds every text whatever order the diffs arrive in', () => {
    const store = new MultiParentTexts();
    for (const [key, parents, diff] of [...diffs].reverse()) store.addDiff([key], diff, parents.map((p) => [p]));
    for (const [key, , lines] of history) expect(text(store.getLines([key]))).toBe(text(lines));
    store.clearCache();
    expect(text(store.getLines(['merge']))).toBe('a\nB\nc\nd');
  });

  it('takes fulltexts, ignores parents no hunk copies from, and reports what is missing', () => {
    const store = new MultiParentTexts();
    store.addText(['base'], enc('a\n', 'b\n', 'c\n'));
    const [, , leftDiff] = diffs[1] as (typeof diffs)[number];
    store.addDiff(['left'], leftDiff, [['base'], ['ghost']]);
    expect(text(store.getLines(['left']))).toBe('a\nB\nc\n');
    expect(store.has(['left'])).toBe(true);
    expect(store.has(['ghost'])).toBe(false);
    store.addDiff(['orphan'], leftDiff, [['ghost']]);
    expect(() => store.getLines(['orphan'])).toThrow(RevisionNotPresent);
    expect(() => store.getLines(['nothing'])).toThrow(RevisionNotPresent);
    store.addDiff(['wrong'], new MultiParent([new ParentText(2, 0, 0, 1)]), [['base']]);
    expect(() => store.getLines(['wrong'])).toThrow(MultiParentCorrupt);
  });

  it('refuses texts that copy from each other in a cycle', () => {
    const store = new MultiParentTexts();
    const copy = new MultiParent([new ParentText(0, 0, 0, 1)]);
    store.addDiff(['x'], copy, [['y']]);
    store.addDiff(['y'], copy, [['x']]);
    expect(() => store.getLines(['x'])).toThrow(MultiParentCorrupt);
    store.addDiff(['self'], copy, [['self']]);
    expect(() => store.getLines(['self'])).toThrow(MultiParentCorrupt);
  });

  it('rebuilds a long chain without deep recursion', () => {
    const store = new MultiParentTexts();
    store.addText(['0'], enc('line\n'));
    // each text keeps its parent's first line and adds its own number
    const copyAndAdd = (n: number): MultiParent => new MultiParent([new ParentText(0, 0, 0, 1), new NewText(enc(`${n}\n`))]);
    for (let n = 1; n <= 20000; n++) store.addDiff([String(n)], copyAndAdd(n), [[String(n - 1)]]);
    expect(text(store.getLines(['20000']))).toBe('line\n20000\n');
  });
});
