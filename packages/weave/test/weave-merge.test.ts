import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { utf8 } from '@versionedfiles/core';
import { Weave, baseFromPlan, weaveMerge, type PlanLine } from '@versionedfiles/weave';
import { lines, mergeFixtures, texts } from './fixtures.js';

const show = (plan: readonly PlanLine[]): [string, string][] => plan.map(([s, l]) => [s, texts([l])[0] as string]);

describe('weave merge equals Breezy on its MergeCasesMixin cases and generated scenarios', () => {
  for (const fixture of mergeFixtures()) {
    it(fixture.name, () => {
      const w = new Weave('merge');
      w.addLines('text0', [], lines(fixture.base));
      w.addLines('text1', ['text0'], lines(fixture.a));
      w.addLines('text2', ['text0'], lines(fixture.b));
      const plan = w.planMerge('text1', 'text2');
      expect(show(plan)).toEqual(fixture.plan);
      const merged = weaveMerge(plan);
      expect(texts(merged.lines)).toEqual(fixture.merged);
      expect(merged.conflicts).toBe(fixture.conflicts);
      expect(texts(weaveMerge(plan, { reprocess: true }).lines)).toEqual(fixture.reprocessed);
      expect(texts(baseFromPlan(plan))).toEqual(fixture.basePlan);
    });
  }

  it('a plan that ends in new lines keeps them (test_weave_merge_conflicts)', () => {
    expect(texts(weaveMerge([['new-a', utf8('hello\n')]]).lines)).toEqual(['hello\n']);
  });

  it('uses the markers it is given', () => {
    const plan: PlanLine[] = [
      ['new-a', utf8('x\n')],
      ['new-b', utf8('y\n')],
    ];
    const result = weaveMerge(plan, { markers: { a: utf8('<<< mine\n'), b: utf8('>>> theirs\n') } });
    expect(texts(result.lines)).toEqual(['<<< mine\n', 'x\n', '=======\n', 'y\n', '>>> theirs\n']);
    expect(result.conflicts).toBe(true);
  });
});

describe('merge properties on random histories', () => {
  const line = fc.constantFrom('a\n', 'b\n', 'c\n', 'd\n', 'e\n');
  const history = fc.array(fc.tuple(fc.array(line, { maxLength: 8 }), fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 8 });
  const build = (rows: [string[], number, number, boolean][]): Weave => {
    const w = new Weave();
    rows.forEach(([text, p1, p2, two], i) => {
      const parents = i === 0 ? [] : [...new Set(two && i > 1 ? [`v${p1 % i}`, `v${p2 % i}`] : [`v${p1 % i}`])];
      w.addLines(`v${i}`, parents, lines(text));
    });
    return w;
  };

  it('merging a version with itself or with one of its ancestors gives that version, cleanly', () => {
    fc.assert(
      fc.property(history, fc.nat(), fc.nat(), (rows, x, y) => {
        const w = build(rows);
        const a = `v${x % rows.length}`;
        const ancestors = [...w.getAncestry([a])];
        const b = ancestors[y % ancestors.length] as string;
        for (const other of [a, b]) {
          const merged = weaveMerge(w.planMerge(a, other));
          expect(merged.conflicts).toBe(false);
          expect(texts(merged.lines).join('')).toBe(texts(w.getLines(a)).join(''));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a plan mentions every line of both texts, in order', () => {
    fc.assert(
      fc.property(history, fc.nat(), fc.nat(), (rows, x, y) => {
        const w = build(rows);
        const [a, b] = [`v${x % rows.length}`, `v${y % rows.length}`];
        const plan = w.planMerge(a, b);
        const sideA = plan.filter(([s]) => ['unchanged', 'new-a', 'killed-b'].includes(s)).map(([, l]) => l);
        const sideB = plan.filter(([s]) => ['unchanged', 'new-b', 'killed-a'].includes(s)).map(([, l]) => l);
        expect(texts(sideA)).toEqual(texts(w.getLines(a)));
        expect(texts(sideB)).toEqual(texts(w.getLines(b)));
      }),
      { numRuns: 100 },
    );
  });
});
