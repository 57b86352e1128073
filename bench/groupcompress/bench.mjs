// Groupcompress speed and size against Breezy 3.3.2 (C-accelerated) on a real
// multi-file history, in one run, as ratios.
//
//   npm run bench:groupcompress                 (builds the package, then runs this)
//   node bench/groupcompress/bench.mjs [--git PATH] [--max-bytes N] [--rounds N]
//
// The history is a git repository's (default: this checkout), each file's
// versions under key (file, revision) with its own parents. Both sides store
// it with make_pack_factory(graph, delta, 2) and time: adding every text one by
// one with add_lines (Breezy: one group per add; ours: compat mode does the
// same, default mode fills groups), inserting it as one record stream, then
// extracting every text (unordered, then groupcompress order, sha1 of each
// checked). Compat mode compresses blocks with pako (Breezy's exact bytes),
// default mode with native zlib. Stored bytes are the pack sizes; peak memory
// is each process's maximum resident set.
//
// Rounds are interleaved (ours, then Breezy's in a fresh child, and again) so
// both sides see the same load; each phase reports the median over rounds of
// wall time and of CPU time (the machine is shared: CPU time is the steadier
// figure). Our process runs every round, so its later rounds are JIT-warm; the
// first round of each phase is also shown (cold). Time ratios are Breezy's
// time over ours (above 1: we are faster), size ratios ours over Breezy's
// (below 1: we store less).
import { mkdtempSync, rmSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FulltextContentFactory, LocalTransport, splitLines } from '@versionedfiles/core';
import { makePackFactory } from '@versionedfiles/groupcompress';
import { extractChecked, gitBenchCorpus, gitBenchOptions } from '../lib/git-bench.mjs';
import { PYTHON, runChild } from '../lib/child.mjs';
import { peakRssKb } from '../lib/peak-rss.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const opts = gitBenchOptions(HERE);
const ROUNDS = opts.rounds;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** [wall ms, cpu ms] of one call. */
async function timed(fn) {
  const t0 = performance.now();
  const c0 = cpuMs();
  await fn();
  return [performance.now() - t0, cpuMs() - c0];
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const work = mkdtempSync(join(tmpdir(), 'gc-bench-'));
try {
  const { corpus, entries, keys, expected, stats } = gitBenchCorpus(work, opts);
  console.log(`corpus: ${stats.texts} texts of ${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB (git history of ${opts.git})`);

  const extract = (vf, ordering) => extractChecked(vf, keys, expected, ordering);

  const ours = {};
  const theirsRounds = {};
  const bytes = {};
  let breezy = null;
  let breezyPeakKb = 0;
  const keep = (name, times) => (ours[name] ??= []).push(times);
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of ['compat', 'default']) {
      const dir = join(work, `ours-${mode}-adds-${r}`);
      mkdirSync(dir);
      const vf = makePackFactory(true, true, 2, { mode })(new LocalTransport(dir));
      keep(`insert one by one (${mode})`, await timed(async () => {
        for (const e of entries) await vf.addLines(e.key, e.parents, splitLines(e.text));
        await vf.flush();
      }));
      await vf.close();
      bytes[`one by one (${mode})`] = statSync(join(dir, 'newpack')).size;
      rmSync(dir, { recursive: true, force: true });
    }
    for (const mode of ['compat', 'default']) {
      const dir = join(work, `ours-${mode}-stream-${r}`);
      mkdirSync(dir);
      const vf = makePackFactory(true, true, 2, { mode })(new LocalTransport(dir));
      keep(`insert stream (${mode})`, await timed(() => vf.insertRecordStream(entries.map((e) => new FulltextContentFactory(e.key, e.parents, e.sha1, e.text)))));
      vf.clearCache();
      keep(`extract unordered (${mode})`, await timed(() => extract(vf, 'unordered')));
      keep(`extract groupcompress (${mode})`, await timed(() => extract(vf, 'groupcompress')));
      await vf.close();
      bytes[`stream (${mode})`] = statSync(join(dir, 'newpack')).size;
      rmSync(dir, { recursive: true, force: true });
    }
    breezy = runChild(PYTHON, [join(HERE, 'breezy_gc.py'), corpus.dir, work, '1']);
    for (const [phase, times] of Object.entries(breezy.phases)) (theirsRounds[phase] ??= []).push(...times);
    breezyPeakKb = Math.max(breezyPeakKb, breezy.peakRssKb);
  }
  const oursPeakKb = peakRssKb();
  const theirs = (phase) => theirsRounds[phase.replace(/ \((compat|default)\)$/, '')];

  const col = (text, width = 10) => String(text).padStart(width);
  console.log(`\nmedians of ${ROUNDS} interleaved rounds; speed = Breezy's time / ours`);
  console.log(`${'phase'.padEnd(36)}${col('ours wall')}${col('brz wall')}${col('speed', 8)}${col('ours cpu')}${col('brz cpu')}${col('speed', 8)}${col('cold cpu')}`);
  for (const [phase, o] of Object.entries(ours)) {
    const b = theirs(phase);
    const [ow, oc, bw, bc] = [median(o.map((t) => t[0])), median(o.map((t) => t[1])), median(b.map((t) => t[0])), median(b.map((t) => t[1]))];
    console.log(`${phase.padEnd(36)}${col(ow.toFixed(0))}${col(bw.toFixed(0))}${col(`${(bw / ow).toFixed(2)}x`, 8)}${col(oc.toFixed(0))}${col(bc.toFixed(0))}${col(`${(bc / oc).toFixed(2)}x`, 8)}${col(o[0][1].toFixed(0))}`);
  }
  console.log(`\n${'stored bytes'.padEnd(36)}${'ours'.padStart(12)}${'breezy'.padStart(12)}${'size'.padStart(10)}`);
  for (const [what, o] of Object.entries(bytes)) {
    const b = what.startsWith('stream') ? breezy.bytes.stream : breezy.bytes.add_lines;
    console.log(`${what.padEnd(36)}${String(o).padStart(12)}${String(b).padStart(12)}${`${(o / b).toFixed(3)}x`.padStart(10)}`);
  }
  console.log(`\n${'peak memory (whole process)'.padEnd(36)}${`${(oursPeakKb / 1024).toFixed(0)} MB`.padStart(12)}${`${(breezyPeakKb / 1024).toFixed(0)} MB`.padStart(12)}${`${(oursPeakKb / breezyPeakKb).toFixed(2)}x`.padStart(10)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
