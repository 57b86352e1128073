import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CorruptData,
  KnownGraph,
  LineInterner,
  TextAnnotator,
  annotateFromTexts,
  flattenAnnotations,
  keyToId,
  splitLines,
  utf8,
} from '@versionedfiles/core';
import type { AnnotatedParent, DeferredLines, Key } from '@versionedfiles/core';
import { checkAnnotateFromTexts, loadAnnotateHistories } from '../../../test-fixtures/core/annotate/support.js';
import { ancestorsOf, dagArbitrary } from '../../../test-fixtures/core/graph/support.js';

const histories = loadAnnotateHistories();

describe('annotateFromTexts against Breezy', () => {
  it('has fixtures, with ties and refusals among them', () => {
    expect(histories.length).toBeGreaterThanOrEqual(60);
    const results = histories.flatMap((h) => h.results.map(([, r]) => r));
    expect(results.some((r) => 'error' in r)).toBe(true);
    expect(results.some((r) => 'annotations' in r && r.annotations.some((a) => a.length > 1))).toBe(true);
  });

  it.each(histories.map((h) => [h.name, h] as const))('%s', (_name, history) => {
    checkAnnotateFromTexts(history);
  });
});

describe('TextAnnotator', () => {
  const lines = (text: string): Uint8Array[] => splitLines(utf8(text));

  it('attributes a text without parents to itself, and an empty text to nothing', () => {
    const annotator = new TextAnnotator();
    expect(annotator.annotate(['a'], lines('x\ny\n'), [])).toEqual([[['a']], [['a']]]);
    expect(annotator.annotate(['a'], [], [])).toEqual([]);
  });

  it('shares one tuple per distinct annotation, so ties compare by identity', () => {
    const annotator = new TextAnnotator();
    const text = (key: string, body: string, parents: AnnotatedParent[]): AnnotatedParent => ({
      key: [key],
      annotations: annotator.annotate([key], lines(body), parents),
      lines: lines(body),
    });
    const base = text('o', 'x\n', []);
    const p = text('p', 'x\nnew\n', [base]);
    const q = text('q', 'new\nx\n', [base]);
    const m1 = text('m1', 'x\nnew\n', [p, q]).annotations;
    const m2 = text('m2', 'x\nnew\n', [q, p]).annotations;
    expect(m1[1]).toEqual([['p'], ['q']]);
    expect(m1[1]).toBe(m2[1]);
    expect(m1[0]).toBe(base.annotations[0]);
  });

  it('uses the matcher it is given, telling it which texts it compares', () => {
    const asked: string[] = [];
    const annotator = new TextAnnotator({
      matcher: (_parentLines, _lines, { key, parentKey }) => {
        asked.push(`${parentKey[0]}->${key[0]}`);
        return [[0, 0, 0]];
      },
    });
    const base = { key: ['o'], annotations: annotator.annotate(['o'], lines('x\n'), []), lines: lines('x\n') };
    expect(annotator.annotate(['c'], lines('x\n'), [base])).toEqual([[['c']]]);
    expect(asked).toEqual(['o->c']);
  });

  it('copies a first parent matched in thousands of runs, and refuses blocks that do not fit the text', () => {
    // Every other line of a 20,000-line text matches its parent's: 10,000 blocks.
    const n = 20_000;
    const every = Array.from({ length: n / 2 }, (_, i) => [i, 2 * i, 1] as [number, number, number]);
    const annotator = new TextAnnotator({ matcher: () => [...every, [n / 2, n, 0]] });
    const parentLines = Array.from({ length: n / 2 }, (_, i) => utf8(`p${i}\n`));
    const parent = { key: ['p'], annotations: annotator.annotate(['p'], parentLines, []), lines: parentLines };
    const text = Array.from({ length: n }, (_, i) => utf8(`${i}\n`));
    const got = annotator.annotate(['c'], text, [parent]);
    expect(got.length).toBe(n);
    expect(got.every((a, i) => a[0]?.[0] === (i % 2 === 0 ? 'p' : 'c'))).toBe(true);
    const beyond = new TextAnnotator({ matcher: () => [[0, 1, 1], [1, 2, 0]] });
    const one = { key: ['o'], annotations: beyond.annotate(['o'], lines('x\n'), []), lines: lines('x\n') };
    expect(() => beyond.annotate(['c'], lines('x\n'), [one])).toThrow(CorruptData);
  });

  it('works in annotation ids inside: one id per distinct tuple, equal tuples from elsewhere found by value', () => {
    const annotator = new TextAnnotator();
    const baseIds = annotator.annotateIds(['o'], lines('x\ny\n'), []);
    const otherIds = annotator.annotateIds(['p'], lines('x\nz\n'), []);
    const merged = annotator.annotateIds(['m'], lines('x\ny\nz\nw\n'), [
      { key: ['o'], ids: baseIds, lines: lines('x\ny\n') },
      { key: ['p'], ids: otherIds, lines: lines('x\nz\n') },
    ]);
    const tuples = annotator.tuplesOf(merged);
    expect(tuples).toEqual([[['o'], ['p']], [['o']], [['p']], [['m']]]);
    // The same answer through the tuple API, and ids for equal tuples made elsewhere.
    expect(annotator.idsOf([[['o'], ['p']], [['m']]])).toEqual(Int32Array.of(merged[0] as number, merged[3] as number));
    expect(annotator.tuplesOf(annotator.idsOf(tuples))[0]).toBe(tuples[0]);
    expect(() => annotator.tuplesOf(Int32Array.of(99))).toThrow(RangeError);
    // Blocks past the end of the parent are refused too.
    const short = new TextAnnotator({ matcher: () => [[0, 0, 2], [1, 2, 0]] });
    const one = { key: ['o'], annotations: short.annotate(['o'], lines('x\n'), []), lines: lines('x\n') };
    expect(() => short.annotate(['c'], lines('x\ny\n'), [one])).toThrow(CorruptData);
  });

  it('flattenAnnotations keeps the heads of a tie, then the smallest key', () => {
    const graph = new KnownGraph([
      [['r'], []],
      [['b'], [['r']]],
      [['a'], [['r']]],
      [['c'], [['b']]],
    ]);
    const text = {
      annotations: [[['a'], ['b']], [['b'], ['c']], [['r']]] as Key[][],
      lines: lines('1\n2\n3\n'),
    };
    const flat = flattenAnnotations(text, (keys) => graph.heads(keys)).map(([k]) => keyToId(k));
    expect(flat).toEqual(['a', 'c', 'r']);
  });
});

describe('annotateFromTexts properties', () => {
  const vocabulary = ['a\n', 'b\n', 'c\n', 'd\n', 'e\n', 'f'];

  it('every origin is the text or an ancestor holding that line; unseen lines are the text own', () => {
    fc.assert(
      fc.property(
        dagArbitrary(12),
        fc.array(fc.array(fc.nat({ max: vocabulary.length - 1 }), { maxLength: 8 }), { minLength: 12, maxLength: 12 }),
        ({ entries }, picks) => {
          const withoutGhosts = entries.map(([k, ps]) => [k, ps.filter((p) => entries.some(([e]) => keyToId(e) === keyToId(p)))] as const);
          const order = new KnownGraph(withoutGhosts).topoSort();
          const textOf = new Map(
            order.map((key, i) => [keyToId(key), (picks[i] ?? []).map((n) => utf8(vocabulary[n] as string))]),
          );
          const annotated = annotateFromTexts(withoutGhosts, order.map((k) => [k, textOf.get(keyToId(k)) as Uint8Array[]] as const));
          for (const [key, parents] of withoutGhosts) {
            const result = annotated.get(key);
            expect(result?.annotations.length).toBe(textOf.get(keyToId(key))?.length);
            const ancestry = ancestorsOf(withoutGhosts, key);
            const inParents = new Set(parents.flatMap((p) => (textOf.get(keyToId(p)) ?? []).map((l) => l.join())));
            result?.annotations.forEach((annotation, i) => {
              const line = (result.lines[i] as Uint8Array).join();
              for (const origin of annotation) {
                expect(keyToId(origin) === keyToId(key) || ancestry.has(origin)).toBe(true);
                expect((textOf.get(keyToId(origin)) ?? []).some((l) => l.join() === line)).toBe(true);
              }
              if (!inParents.has(line)) expect(annotation).toEqual([key]);
            });
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('texts given as ids of one interner annotate as their lines do, without their lines', () => {
    fc.assert(
      fc.property(
        dagArbitrary(12),
        fc.array(fc.array(fc.nat({ max: vocabulary.length - 1 }), { maxLength: 8 }), { minLength: 12, maxLength: 12 }),
        fc.boolean(),
        ({ entries }, picks, oneInterner) => {
          const withoutGhosts = entries.map(([k, ps]) => [k, ps.filter((p) => entries.some(([e]) => keyToId(e) === keyToId(p)))] as const);
          const order = new KnownGraph(withoutGhosts).topoSort();
          const textOf = new Map(order.map((key, i) => [keyToId(key), (picks[i] ?? []).map((n) => utf8(vocabulary[n] as string))]));
          const expected = annotateFromTexts(withoutGhosts, order.map((k) => [k, textOf.get(keyToId(k)) as Uint8Array[]] as const));
          // Ids from one interner are matched on; from several, the lines are made and matched.
          const shared = new LineInterner();
          let linesMade = 0;
          const deferred = (lines: readonly Uint8Array[]): DeferredLines => {
            const interner = oneInterner ? shared : new LineInterner();
            const ids = Int32Array.from(lines, (l) => interner.intern(l));
            return { count: lines.length, interned: { ids, interner }, lines: () => (linesMade++, lines) };
          };
          const annotator = new TextAnnotator();
          const done = new Map<string, AnnotatedParent>();
          const parentsOf = new Map(withoutGhosts.map(([k, ps]) => [keyToId(k), ps]));
          for (const key of order) {
            const lines = deferred(textOf.get(keyToId(key)) as Uint8Array[]);
            const parents = (parentsOf.get(keyToId(key)) ?? []).map((p) => done.get(keyToId(p)) as AnnotatedParent);
            const annotations = annotator.annotate(key, lines, parents);
            done.set(keyToId(key), { key, annotations, lines });
            expect(annotations).toEqual(expected.get(key)?.annotations);
          }
          if (oneInterner) expect(linesMade).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
