import { describe, expect, it } from 'vitest';
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
