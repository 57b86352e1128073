// Live: PlanMergeVersionedFiles against Breezy's _PlanMergeVersionedFile on
// generated histories (random DAGs of small texts, random pairs, with and
// without a base), over a weave store on both sides.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryTransport, PrefixMapper, splitLines, utf8 } from '@versionedfiles/core';
import { PlanMergeVersionedFiles, WeaveVersionedFiles } from '@versionedfiles/weave';
import { runPython } from '../../../test-fixtures/support/breezy.js';
import { texts } from './fixtures.js';

const PLANS = `
import json, sys
from breezy.transport.memory import MemoryTransport
from breezy.bzr.weave import WeaveFile
from breezy.bzr.versionedfile import make_versioned_files_factory, PrefixMapper, _PlanMergeVersionedFile
out = []
for case in json.load(sys.stdin):
    texts = make_versioned_files_factory(WeaveFile, PrefixMapper())(MemoryTransport())
    for rev, parents, body in case['revisions']:
        texts.add_lines((b'f', rev.encode()), [(b'f', p.encode()) for p in parents], body.encode().splitlines(True))
    vf = _PlanMergeVersionedFile(b'f')
    vf.fallback_versionedfiles.append(texts)
    a, b = case['a'].encode(), case['b'].encode()
    base = case['base'].encode() if case['base'] else None
    show = lambda plan: [[s, l.decode()] for s, l in plan]
    out.append({'plan': show(vf.plan_merge(a, b, base)), 'lca': show(vf.plan_lca_merge(a, b, base))})
json.dump(out, sys.stdout)
`;

interface Case {
  revisions: [string, string[], string][];
  a: string;
  b: string;
  base: string | null;
}

const caseArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.array(
      fc.tuple(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 6 }), fc.nat(), fc.nat(), fc.boolean()),
      { minLength: 2, maxLength: 12 },
    ),
    fc.nat(),
    fc.nat(),
    fc.option(fc.nat(), { nil: null }),
  )
  .map(([rows, x, y, z]) => {
    const revisions = rows.map(([ls, p1, p2, two], i): [string, string[], string] => {
      const parents = i === 0 ? [] : [...new Set(two && i > 1 ? [`r${p1 % i}`, `r${p2 % i}`] : [`r${p1 % i}`])];
      return [`r${i}`, parents, ls.map((l) => `${l}\n`).join('')];
    });
    const n = revisions.length;
    return { revisions, a: `r${x % n}`, b: `r${y % n}`, base: z === null ? null : `r${z % n}` };
  });

describe('plan merges of generated histories equal Breezy', () => {
  it('plan_merge and plan_lca_merge, with and without a base', async () => {
    const cases = fc.sample(caseArb, { numRuns: 120, seed: 5 });
    const answers = JSON.parse(new TextDecoder().decode(runPython(PLANS, { input: JSON.stringify(cases) }))) as {
      plan: [string, string][];
      lca: [string, string][];
    }[];
    for (const [i, c] of cases.entries()) {
      const history = new WeaveVersionedFiles(new MemoryTransport(), new PrefixMapper());
      for (const [rev, parents, body] of c.revisions) {
        await history.addLines(['f', rev], parents.map((p) => ['f', p]), splitLines(utf8(body)));
      }
      const vf = new PlanMergeVersionedFiles('f');
      vf.addFallbackVersionedFiles(history);
      const base = c.base ?? undefined;
      const show = (plan: readonly (readonly [string, Uint8Array])[]): [string, string][] => plan.map(([s, l]) => [s, texts([l])[0] as string]);
      const answer = answers[i] as (typeof answers)[number];
      expect(show(await vf.planMerge(c.a, c.b, base)), `case ${i} plan`).toEqual(answer.plan);
      expect(show(await vf.planLcaMerge(c.a, c.b, base)), `case ${i} lca plan`).toEqual(answer.lca);
    }
  });
});
