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
  const config = (side: string) => {
    mkdirSync(join(dir, side));
    const c = {
      corpus: corpus.dir,
      backend,
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
  for (const backend of ['knit-pack', 'groupcompress', 'weave']) {
    it(`runs every operation on ${backend}, as ours does (same stored bytes for knits and weaves, same annotations)`, async () => {
      const config = setup(backend);
      const breezy = runChild(PYTHON, [SCRIPT, config('breezy').path]);
      const ours = await runOurs(config('ours').config);
      for (const op of OPS) expect(breezy.ops[op].items).toBe(ours.ops[op].items);
      expect(breezy.annotations).toEqual(ours.annotations);
      if (backend !== 'groupcompress') expect(breezy.storedBytes).toBe(ours.storedBytes);
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
