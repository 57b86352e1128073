import { describe, expect, it } from 'vitest';
import { InvalidKey, KeyMap, MemoryTransport, PrefixMapper, splitLines, utf8, type Key } from '@versionedfiles/core';
import { NULL_KEY, PlanMergeVersionedFiles, WeaveVersionedFiles, collapseLinearRegions, weaveMerge } from '@versionedfiles/weave';
import { planMergeFixtures, texts } from './fixtures.js';

const show = (plan: readonly (readonly [string, Uint8Array])[]): [string, string][] =>
  plan.map(([s, l]) => [s, texts([l])[0] as string]);

describe('PlanMergeVersionedFiles equals Breezy\'s _PlanMergeVersionedFile', () => {
  for (const fixture of planMergeFixtures()) {
    describe(fixture.name, () => {
      for (const m of fixture.merges) {
        it(`${m.a} with ${m.b}${m.base ? ` since ${m.base}` : ''}`, async () => {
          const history = new WeaveVersionedFiles(new MemoryTransport(), new PrefixMapper());
          for (const [rev, parents, text] of fixture.revisions) {
            await history.addLines(['f', rev], parents.map((p) => ['f', p]), splitLines(utf8(text)));
          }
          const vf = new PlanMergeVersionedFiles('f');
          vf.addFallbackVersionedFiles(history);
          const aLines: Uint8Array[] = [];
          for await (const r of history.getRecordStream([['f', m.a]], 'unordered', true)) aLines.push(...r.getBytesAs('lines'));
          vf.addLines(['f', 'this:'], [['f', m.a]], [...aLines, utf8('local\n')]);
          const base = m.base ?? undefined;
          const plan = await vf.planMerge(m.a, m.b, base);
          expect(show(await vf.planLcaMerge(m.a, m.b, base)), 'lca plan').toEqual(m.lcaPlan);
          expect(show(await vf.planMerge('this:', m.b)), 'working tree plan').toEqual(m.thisPlan);
          expect(show(plan), 'plan').toEqual(m.plan);
          expect(texts(weaveMerge(plan).lines)).toEqual(m.merged);
        });
      }
    });
  }
});

describe('plan-merge store details', () => {
  it('gives roots the null parent and refuses unreserved ids', async () => {
    const vf = new PlanMergeVersionedFiles('f');
    vf.addLines(['f', 'a:'], [], [utf8('x\n')]);
    const map = await vf.getParentMap([['f', 'a:'], NULL_KEY, ['f', 'absent']]);
    expect(map.get(['f', 'a:'])).toEqual([NULL_KEY]);
    expect(map.get(NULL_KEY)).toEqual([]);
    expect(map.has(['f', 'absent'])).toBe(false);
    expect(() => vf.addLines(['f', 'a'], [], [])).toThrow(InvalidKey);
    await expect(vf.planMerge('a:', 'absent')).rejects.toMatchObject({ code: 'RevisionNotPresent' });
  });

  it('collapses linear runs as Breezy does', () => {
    const k = (s: string): Key => [s];
    const graph = new KeyMap<readonly Key[]>([
      [k('A'), [k('B')]],
      [k('B'), [k('C')]],
      [k('C'), [k('D')]],
      [k('D'), []],
    ]);
    expect([...collapseLinearRegions(graph)]).toEqual([
      [k('A'), [k('D')]],
      [k('D'), []],
    ]);
  });
});
