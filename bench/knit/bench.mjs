// Knit speed against Breezy 3.3.2 on a real multi-file history, in one run, as ratios.
//
//   npm run bench:knit                         (builds packages/knit, then runs this)
//   node bench/knit/bench.mjs [--git PATH] [--max-bytes N] [--rounds N]
//
// The history is a git repository's (default: this checkout): each file's
// versions with its own parent graph (bench/lib/git-source.mjs). Both sides
// store it in two knit layouts, annotated knit files (HashEscapedPrefixMapper)
// and a plain knit pack (graph, deltas, key length 2), and time: inserting
// every text with add_lines, extracting every text (unordered, then
// topological, sha1 of each checked) and annotating the tips of the most
// revised files. Each phase is the best of `--rounds` fresh stores; the ratio
// is Breezy's time over ours (above 1: we are faster). "insert (fast mode)"
// is our insert with native deflate (other bytes, same records) against
// Breezy's insert.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HashEscapedPrefixMapper, LocalTransport, compatZlib, fastZlib, splitLines } from '@versionedfiles/core';
import { makeFileFactory, makePackFactory } from '@versionedfiles/knit';
import { mostRevisedTips } from '../lib/corpus.mjs';
import { extractChecked, gitBenchCorpus, gitBenchOptions } from '../lib/git-bench.mjs';
import { PYTHON, runChild } from '../lib/child.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const opts = gitBenchOptions(HERE);
const ROUNDS = opts.rounds;

const work = mkdtempSync(join(tmpdir(), 'knit-bench-'));
try {
  const { corpus, entries, keys, expected, stats } = gitBenchCorpus(work, opts);
  const tips = mostRevisedTips(corpus.entries, 10);
  writeFileSync(join(work, 'tips.json'), JSON.stringify(tips));
  console.log(`corpus: ${stats.texts} texts of ${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB, ${stats.merges} merges (git history of ${opts.git})`);

  const STORES = {
    'knit-annotated': async (dir, zlib) => ({ vf: makeFileFactory(true, new HashEscapedPrefixMapper(), { zlib })(new LocalTransport(dir)), finish: async () => {} }),
    'knit-pack': async (dir, zlib) => {
      const vf = await makePackFactory(true, true, 2, { zlib })(new LocalTransport(dir));
      return { vf, finish: () => vf.finish() };
    },
  };

  async function timed(fn) {
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  const extract = (vf, ordering) => extractChecked(vf, keys, expected, ordering);

  const ours = {};
  for (const [name, open] of Object.entries(STORES)) {
    const best = {};
    for (let r = 0; r < ROUNDS; r++) {
      const dir = join(work, `ours-${name}-${r}`);
      mkdirSync(dir);
      const insert = async (vf) => {
        for (const e of entries) await vf.addLines(e.key, e.parents, splitLines(e.text));
      };
      // Fast mode (native deflate, other bytes) first, in its own store.
      const fastDir = join(work, `ours-${name}-${r}-fast`);
      mkdirSync(fastDir);
      const fast = await open(fastDir, fastZlib);
      const fastInsert = await timed(() => insert(fast.vf));
      await fast.finish();
      rmSync(fastDir, { recursive: true, force: true });
      const { vf, finish } = await open(dir, compatZlib);
      const phases = {
        insert: await timed(() => insert(vf)),
        'insert (fast mode)': fastInsert,
        'extract unordered': await timed(() => extract(vf, 'unordered')),
        'extract topological': await timed(() => extract(vf, 'topological')),
        annotate: await timed(async () => {
          for (const t of tips) await vf.annotate(t);
        }),
      };
      await finish();
      rmSync(dir, { recursive: true, force: true });
      for (const [p, ms] of Object.entries(phases)) best[p] = Math.min(best[p] ?? ms, ms);
    }
    ours[name] = best;
  }

  const breezy = runChild(PYTHON, [join(HERE, 'breezy_knit.py'), corpus.dir, work, String(ROUNDS), join(work, 'tips.json')]);

  console.log(`\n${'phase'.padEnd(40)}${'ours ms'.padStart(12)}${'breezy ms'.padStart(12)}${'ratio'.padStart(10)}`);
  for (const name of Object.keys(STORES)) {
    for (const phase of Object.keys(ours[name])) {
      const o = ours[name][phase];
      const b = breezy[name][phase.replace(' (fast mode)', '')];
      console.log(`${`${name} ${phase}`.padEnd(40)}${o.toFixed(1).padStart(12)}${b.toFixed(1).padStart(12)}${`${(b / o).toFixed(2)}x`.padStart(10)}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
