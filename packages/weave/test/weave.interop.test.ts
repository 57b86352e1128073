// Live interop with Breezy: it reads the weave files we write (and its check
// passes), writes the same bytes for the same inserts, and plans and merges
// generated scenarios exactly as we do.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runPython } from '../../../test-fixtures/support/breezy.js';
import { Weave, weaveMerge } from '@versionedfiles/weave';
import { lines, texts } from './fixtures.js';

interface Insert {
  readonly name: string;
  readonly parents: string[];
  readonly lines: string[];
}

const READ_AND_REBUILD = `
import json, sys, base64
from io import BytesIO
from breezy.bzr.weave import Weave
from breezy.bzr.weavefile import read_weave, write_weave_v5
out = []
for case in json.load(sys.stdin):
    with open(case['path'], 'rb') as f:
        w = read_weave(f)
    w.check()
    got = {v: [l.decode('utf-8') for l in w.get_lines(v.encode())] for v in [x['name'] for x in case['inserts']]}
    ann = {v: [o.decode() for o, l in w.annotate(v.encode())] for v in got}
    mine = Weave()
    for ins in case['inserts']:
        mine.add_lines(ins['name'].encode(), [p.encode() for p in ins['parents']], [l.encode('utf-8') for l in ins['lines']])
    buf = BytesIO()
    write_weave_v5(mine, buf)
    out.append({'texts': got, 'annotate': ann, 'bytes': base64.b64encode(buf.getvalue()).decode()})
json.dump(out, sys.stdout)
`;

const PLAN_AND_MERGE = `
import json, sys
from breezy.bzr.weave import Weave
from breezy.bzr.versionedfile import PlanWeaveMerge
out = []
for case in json.load(sys.stdin):
    w = Weave()
    for ins in case['inserts']:
        w.add_lines(ins['name'].encode(), [p.encode() for p in ins['parents']], [l.encode('utf-8') for l in ins['lines']])
    plan = list(w.plan_merge(case['a'].encode(), case['b'].encode()))
    merged, conflicts = PlanWeaveMerge(plan).merge_lines()
    out.append({'plan': [[s, l.decode('utf-8')] for s, l in plan], 'merged': [l.decode('utf-8') for l in merged], 'conflicts': conflicts})
json.dump(out, sys.stdout)
`;

const MPDIFFS = `
import json, sys, base64
from breezy.bzr.weave import Weave
out = []
for case in json.load(sys.stdin):
    w = Weave()
    for ins in case['inserts']:
        w.add_lines(ins['name'].encode(), [p.encode() for p in ins['parents']], [l.encode('utf-8') for l in ins['lines']])
    names = [ins['name'].encode() for ins in case['inserts']]
    diffs = w.make_mpdiffs(names)
    out.append([base64.b64encode(b''.join(d.to_patch())).decode() for d in diffs])
json.dump(out, sys.stdout)
`;

const lineArb = fc.constantFrom('a\n', 'b\n', 'c\n', 'd\n', 'e\n', 'f\n', 'g\n', 'tail', 'é\n');
const textArb = fc.array(lineArb, { maxLength: 10 }).map((ls) => ls.map((l, i) => (i < ls.length - 1 && !l.endsWith('\n') ? `${l}\n` : l)));

/** A history of up to `max` versions; each picks one or two earlier parents. */
function historyArb(max: number): fc.Arbitrary<Insert[]> {
  return fc.array(fc.tuple(textArb, fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: max }).map((rows) =>
    rows.map(([text, p1, p2, two], i) => {
      const parents = i === 0 ? [] : [...new Set(two && i > 1 ? [`v${p1 % i}`, `v${p2 % i}`] : [`v${p1 % i}`])];
      return { name: `v${i}`, parents, lines: text };
    }),
  );
}

function build(inserts: readonly Insert[]): Weave {
  const w = new Weave();
  for (const ins of inserts) w.addLines(ins.name, ins.parents, lines(ins.lines));
  return w;
}

describe('Breezy reads our weaves and writes the same bytes', () => {
  it('on generated histories', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-weave-'));
    const histories = fc.sample(historyArb(12), { numRuns: 40, seed: 42 });
    const cases = histories.map((inserts, i) => {
      const path = join(dir, `h${i}.weave`);
      writeFileSync(path, build(inserts).toBytes());
      return { path, inserts };
    });
    const answers = JSON.parse(new TextDecoder().decode(runPython(READ_AND_REBUILD, { input: JSON.stringify(cases) }))) as {
      texts: Record<string, string[]>;
      annotate: Record<string, string[]>;
      bytes: string;
    }[];
    expect(answers).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const answer = answers[i] as (typeof answers)[number];
      const ours = build(c.inserts);
      for (const ins of c.inserts) {
        expect(answer.texts[ins.name]).toEqual(ins.lines);
        expect(answer.annotate[ins.name]).toEqual(ours.annotate(ins.name).map(([o]) => o));
      }
      expect(Buffer.from(ours.toBytes()).toString('base64')).toBe(answer.bytes);
    });
  });
});

describe('merge plans and merged texts equal Breezy on generated scenarios', () => {
  it('criss-cross and diamond histories', () => {
    const scenarios = fc
      .sample(fc.tuple(historyArb(8), fc.nat(), fc.nat()), { numRuns: 60, seed: 7 })
      .map(([inserts, x, y]) => ({ inserts, a: `v${x % inserts.length}`, b: `v${y % inserts.length}` }));
    const answers = JSON.parse(new TextDecoder().decode(runPython(PLAN_AND_MERGE, { input: JSON.stringify(scenarios) }))) as {
      plan: [string, string][];
      merged: string[];
      conflicts: boolean;
    }[];
    scenarios.forEach((s, i) => {
      const answer = answers[i] as (typeof answers)[number];
      const plan = build(s.inserts).planMerge(s.a, s.b);
      expect(plan.map(([state, line]) => [state, texts([line])[0]])).toEqual(answer.plan);
      const merged = weaveMerge(plan);
      expect(texts(merged.lines)).toEqual(answer.merged);
      expect(merged.conflicts).toBe(answer.conflicts);
    });
  });
});

describe('multi-parent diffs through the weave equal Breezy\'s make_mpdiffs', () => {
  it('on generated histories', () => {
    const cases = fc.sample(historyArb(10), { numRuns: 30, seed: 3 }).map((inserts) => ({ inserts }));
    const answers = JSON.parse(new TextDecoder().decode(runPython(MPDIFFS, { input: JSON.stringify(cases) }))) as string[][];
    cases.forEach((c, i) => {
      const w = build(c.inserts);
      const ours = w.makeMpdiffs(c.inserts.map((ins) => ins.name)).map((d) => Buffer.concat(d.toPatch()).toString('base64'));
      expect(ours).toEqual(answers[i]);
    });
  });
});
