// The Breezy side of the bench (bench/runners/breezy_side.py, run by
// /usr/bin/python3): same operations, same corpus, and a wrong text fails it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildFailed, PYTHON, runChild } from '../lib/child.mjs';
import { mostRevisedTips, sha1, writeCorpus } from '../lib/corpus.mjs';
import { syntheticHistory } from '../lib/synthetic.mjs';
import { runOurs } from '../runners/ours-run.mjs';

const SCRIPT = fileURLToPath(new URL('../runners/breezy_side.py', import.meta.url));
const OPS = ['insert', 'extract-unordered', 'extract-topological', 'extract-groupcompress', 'annotate', 'lookup-single', 'lookup-batch'];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(backend: string, corrupt = false) {
  const dir = mkdtempSync(join(tmpdir(), 'vf-bench-breezy-'));
  dirs.push(dir);
  const corpus = writeCorpus(join(dir, 'corpus'), 'tiny', 'synthetic', syntheticHistory({ texts: 60, seed: 9 }));
  if (corrupt) {
    const index = JSON.parse(readFileSync(join(corpus.dir, 'index.json'), 'utf8'));
    index.entries[11].sha1 = sha1(new TextEncoder().encode('not the text'));
    writeFileSync(join(corpus.dir, 'index.json'), JSON.stringify(index));
  }
  const config = (side: string, name = backend) => {
    mkdirSync(join(dir, side));
    const c = {
      corpus: corpus.dir,
      backend: name,
      workDir: join(dir, side),
      ops: OPS,
      annotate: mostRevisedTips(corpus.entries, 2),
      lookups: corpus.entries.slice(0, 10).map((e: { key: string[] }) => e.key),
    };
    writeFileSync(join(dir, `${side}.json`), JSON.stringify(c));
    return { path: join(dir, `${side}.json`), config: c };
  };
  return config;
}

describe('Breezy side', () => {
  // Ours in compat mode (and weave, which has no other) stores Breezy's bytes.
  const cases = [
    { ours: 'knit-pack', breezy: 'knit-pack', sameBytes: false },
    { ours: 'knit-pack-compat', breezy: 'knit-pack', sameBytes: true },
    { ours: 'groupcompress', breezy: 'groupcompress', sameBytes: false },
    { ours: 'groupcompress-compat', breezy: 'groupcompress', sameBytes: true },
    { ours: 'weave', breezy: 'weave', sameBytes: true },
  ];
  for (const { ours: name, breezy: breezyName, sameBytes } of cases) {
    it(`runs every operation on ${name}, as Breezy's ${breezyName} does (same annotations${sameBytes ? ', same stored bytes' : ''})`, async () => {
      const config = setup(name);
      const breezy = runChild(PYTHON, [SCRIPT, config('breezy', breezyName).path]);
      const ours = await runOurs(config('ours').config);
      for (const op of OPS) {
        expect(breezy.ops[op].items).toBe(ours.ops[op].items);
        // Both sides leave the harness's check of extracted texts out of the time, and only that.
        const extracting = op.startsWith('extract-');
        for (const side of [breezy, ours]) expect(side.ops[op].checkingMs > 0).toBe(extracting);
      }
      expect(breezy.annotations).toEqual(ours.annotations);
      if (sameBytes) expect(ours.storedBytes).toBe(breezy.storedBytes);
      else expect(ours.storedBytes).toBeGreaterThan(0);
      expect(breezy.maxRssKb).toBeGreaterThan(0);
    });
  }

  it('fails the run on a wrong text', () => {
    const { path } = setup('knit-pack', true)('breezy');
    const run = () => runChild(PYTHON, [SCRIPT, path]);
    expect(run).toThrow(ChildFailed);
    expect(run).toThrow(/wrong text for/);
  });
});
