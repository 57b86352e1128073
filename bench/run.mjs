// `npm run bench`: our backends against Breezy 3.3.2 on the same corpus, in one
// run, as ratios, with reference points and scaling curves.
//
//   npm run bench -- [--preset small|large] [--only a,b,...] [--rounds N]
//                    [--git PATH] [--big] [--out DIR]
//
// Sections, in order (each can be picked with --only, together with backend
// names: `--only knit-pack,references`):
//   backends    every backend present (bench/runners/backends.mjs) and each
//               operation (insert, extract x3 orderings, annotate, lookups),
//               each side in its own child process (peak RSS read there),
//               rounds interleaved ours, Breezy, ours, ...; both verify sha1s
//   references  git repack, gzip, inflate and memcpy speed on the same texts
//   components  the backend engineers' bench/<name>/bench.mjs, as they are
//   scaling     cost per text as a synthetic history grows (1k..10k, --big:
//               to 100k), index lookups (1k..100k, --big: 1M) and peak memory
//               as one text grows (1..64 MB, --big: 256 MB and 1 GB); its
//               parts alone: scaling-history, scaling-index, scaling-memory
//               (the others are carried over from the report already there)
// The report goes to the terminal and to bench/results/<preset>.{md,json}
// (and scaling-<preset>.svg); with --big, to <preset>-big.* instead.
// Corpora are built on demand in bench/.cache/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { corpusExists, corpusStats, mostRevisedTips, readCorpus, sampleKeys, sha1 as sha1Of, writeCorpus } from './lib/corpus.mjs';
import { PYTHON, runChild } from './lib/child.mjs';
import { findComponentBenches, runComponentBench } from './lib/components.mjs';
import { buildGitCorpus } from './lib/git-source.mjs';
import { buildNpmCorpus, npmRegistry } from './lib/npm-source.mjs';
import { gitReference, gzipReference, machineLimits } from './lib/references.mjs';
import { OPERATIONS, renderMarkdown, renderText, scalingPanels, summarizeBackends } from './lib/report.mjs';
import { renderPanels } from './lib/svg.mjs';
import { interleave } from './lib/stats.mjs';
import { syntheticHistory, syntheticText } from './lib/synthetic.mjs';
import { BACKENDS, availableBackends } from './runners/backends.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const CACHE = join(BENCH, '.cache');
const OURS = join(BENCH, 'runners', 'ours.mjs');
const BREEZY = join(BENCH, 'runners', 'breezy_side.py');

export const PRESETS = {
  small: { packages: ['commander', 'semver'], maxBytes: 10e6 },
  large: { packages: ['moment', 'express', 'yargs', 'lodash', 'commander', 'semver', 'react', 'chalk'], maxBytes: 200e6 },
};
const SECTIONS = ['backends', 'references', 'components', 'scaling', 'scaling-history', 'scaling-index', 'scaling-memory'];
const SCALING_PARTS = ['history', 'index', 'memory'];
/** Smaller sizes for component benches whose defaults take many minutes (--big: their defaults). */
const COMPONENT_ARGS = { pack: [100000, 10000] };

const { values: opts } = parseArgs({
  options: {
    preset: { type: 'string', default: 'small' },
    only: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    git: { type: 'string' },
    big: { type: 'boolean', default: false },
    out: { type: 'string', default: join(BENCH, 'results') },
  },
});
const preset = PRESETS[opts.preset];
if (!preset) throw new Error(`unknown preset ${opts.preset} (small or large)`);
const rounds = Number(opts.rounds);
if (!(rounds >= 1)) throw new Error('--rounds must be a positive number');
const only = opts.only ? opts.only.split(',').map((s) => s.trim()) : [];
const unknown = only.filter((t) => !SECTIONS.includes(t) && !(t in BACKENDS));
if (unknown.length) throw new Error(`--only: unknown ${unknown.join(', ')} (sections ${SECTIONS.join(', ')}; backends ${Object.keys(BACKENDS).join(', ')})`);
const pickedSections = only.filter((t) => SECTIONS.includes(t));
const pickedBackends = only.filter((t) => t in BACKENDS);
const wants = (section) => pickedSections.length === 0 || pickedSections.includes(section);
/** A part of the scaling section: `scaling` picks them all, `scaling-<part>` one. */
const wantsScaling = (part) => wants('scaling') || pickedSections.includes(`scaling-${part}`);
const log = (...args) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);

/** A corpus from the cache, built first if missing. */
function cachedCorpus(name, build) {
  const dir = join(CACHE, name);
  if (!corpusExists(dir)) {
    log(`building corpus ${name}`);
    const { source, entries } = build();
    mkdirSync(CACHE, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    writeCorpus(dir, name, source, entries);
  }
  return readCorpus(dir);
}

function mainCorpus() {
  if (opts.git) {
    const name = `git-${opts.git.replace(/[^A-Za-z0-9]+/g, '_').slice(-60)}-${opts.preset}`;
    return cachedCorpus(name, () => ({ source: `git history of ${opts.git}`, entries: buildGitCorpus(opts.git, preset.maxBytes) }));
  }
  return cachedCorpus(`npm-${opts.preset}`, () => ({
    source: `npm registry: ${preset.packages.join(', ')}`,
    entries: buildNpmCorpus(npmRegistry(CACHE), preset.packages, preset.maxBytes),
  }));
}

/** One child run of one side on one backend; a fresh work directory each time. */
function runSide(side, backend, corpus, ops, extra = {}, nodeArgs = []) {
  const work = mkdtempSync(join(tmpdir(), `vf-bench-${side}-${backend}-`));
  try {
    const config = join(work, 'config.json');
    const store = join(work, 'store');
    mkdirSync(store);
    const name = side === 'ours' ? backend : (BACKENDS[backend].breezyAs ?? backend);
    writeFileSync(config, JSON.stringify({ corpus: corpus.dir, backend: name, workDir: store, ops, annotate: [], lookups: [], ...extra }));
    const [command, args] = side === 'ours' ? [process.execPath, [...nodeArgs, OURS, config]] : [PYTHON, [BREEZY, config]];
    // Pinned to CPU 0, with every thread it starts (both sides alike).
    return BACKENDS[backend].oneCore ? runChild('taskset', ['-c', '0', command, ...args]) : runChild(command, args);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Rounds of ours, Breezy, ours, Breezy, ... per backend. */
function runInterleaved(backends, corpus, ops, extra, roundCount, nodeArgs = []) {
  const runs = Object.fromEntries(backends.map((b) => [b, { ours: [], breezy: BACKENDS[b].breezy ? [] : null }]));
  for (const { round, group: b, side } of interleave(roundCount, backends, ['ours', 'breezy'])) {
    if (!runs[b][side]) continue;
    log(`round ${round + 1}/${roundCount}: ${b} (${side === 'ours' ? 'ours' : 'Breezy'})`);
    runs[b][side].push(runSide(side, b, corpus, ops, extra, nodeArgs));
  }
  return runs;
}

async function scaling(backends) {
  const sizes = opts.big ? [1000, 3000, 10000, 30000, 100000] : [1000, 3000, 10000];
  const indexSizes = opts.big ? [1000, 10000, 100000, 1000000] : [1000, 10000, 100000];
  const textSizes = (opts.big ? [1, 4, 16, 64, 256, 1024] : [1, 4, 16, 64]).map((mb) => mb * 2 ** 20);
  // Weave inserts are quadratic by design; compat variants cost the same as their default-mode stores' curves.
  const scaled = backends.filter((b) => b !== 'weave' && !BACKENDS[b].breezyAs);
  const history = [];
  for (const texts of wantsScaling('history') ? sizes : []) {
    const corpus = cachedCorpus(`synthetic-history-${texts}`, () => ({ source: `synthetic, seed 1`, entries: syntheticHistory({ texts, seed: 1 }) }));
    const runs = runInterleaved(scaled, corpus, ['insert', 'extract-unordered', 'lookup-batch'], {}, 1);
    for (const [backend, { ours, breezy }] of Object.entries(runs)) {
      for (const [side, results] of [['ours', ours], ['Breezy', breezy]]) {
        if (!results) continue;
        const r = results[0];
        history.push({ backend, side, texts, insertUsPerText: (r.ops.insert.ms * 1000) / texts, extractUsPerText: (r.ops['extract-unordered'].ms * 1000) / texts, lookupUsPerKey: (r.ops['lookup-batch'].ms * 1000) / texts });
      }
    }
  }
  const index = [];
  const pack = findComponentBenches(BENCH).find((c) => c.name === 'pack');
  if (pack && wantsScaling('index')) {
    for (const keys of indexSizes) {
      log(`index lookups: ${keys} keys (bench/pack)`);
      const lookups = Math.min(keys, 10000);
      const single = runComponentBench(pack.path, [keys, lookups]).find((p) => p.label.startsWith('single'));
      if (single) index.push({ keys, oursUs: (single.ours * 1000) / (lookups * 1.1), breezyUs: (single.breezy * 1000) / (lookups * 1.1) });
    }
  }
  const memory = [];
  for (const bytes of wantsScaling('memory') ? textSizes : []) {
    const corpus = cachedCorpus(`synthetic-text-${bytes}`, () => {
      const text = syntheticText(bytes, 1);
      return { source: 'synthetic, seed 1', entries: [{ key: ['big-file', 'rev-1'], parents: [], text, sha1: sha1Of(text) }] };
    });
    const b = scaled.includes('knit-pack') ? 'knit-pack' : scaled[0];
    // Node's default heap cap (about 4 GB) is below what a 1 GB text's lines need; Python has none.
    const runs = runInterleaved([b], corpus, ['insert', 'extract-unordered'], {}, 1, ['--max-old-space-size=20000'])[b];
    memory.push({ backend: b, bytes, oursRssKb: runs.ours[0].maxRssKb, breezyRssKb: runs.breezy?.[0].maxRssKb ?? null });
  }
  return { history, index, memory };
}

/**
 * Parts of the scaling section this run did not measure are taken from the
 * report already at `previousPath` (same preset and size), and say so.
 */
function carryOverScaling(scalingReport, previousPath) {
  const skipped = SCALING_PARTS.filter((part) => !wantsScaling(part));
  if (skipped.length === 0 || !existsSync(previousPath)) return;
  const previous = JSON.parse(readFileSync(previousPath, 'utf8'));
  if (!previous.scaling) return;
  for (const part of skipped) scalingReport[part] = previous.scaling[part] ?? [];
  scalingReport.carriedOver = skipped;
  scalingReport.carriedFrom = previous.date;
}

async function main() {
  const failures = [];
  const available = await availableBackends();
  const backends = pickedBackends.length ? pickedBackends.filter((b) => available.includes(b)) : available;
  const absent = Object.keys(BACKENDS).filter((b) => !available.includes(b));
  log(`backends present: ${available.join(', ')}${absent.length ? `; not landed yet: ${absent.join(', ')}` : ''}`);
  const corpus = mainCorpus();
  const stats = corpusStats(corpus.entries);
  log(`corpus ${corpus.name}: ${stats.texts} texts, ${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB`);
  const report = {
    preset: opts.preset,
    big: opts.big,
    date: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Breezy via ${PYTHON}`,
    rounds,
    corpus: { name: corpus.name, source: corpus.source, ...stats },
    backendsAbsent: absent,
    backends: {},
    references: {},
    components: [],
  };
  if (wants('backends')) {
    const extra = { annotate: mostRevisedTips(corpus.entries, 5), lookups: sampleKeys(corpus.entries, 1000) };
    report.backends = summarizeBackends(runInterleaved(backends, corpus, OPERATIONS, extra, rounds), stats.bytes);
  }
  if (wants('references')) {
    log('reference points: git repack, gzip, inflate');
    const gz = gzipReference(corpus);
    report.references = { git: gitReference(corpus), gzip: { ms: gz.ms, bytes: gz.bytes }, limits: machineLimits(corpus, gz.gz) };
  }
  if (wants('components')) {
    for (const c of findComponentBenches(BENCH)) {
      const args = opts.big ? [] : (COMPONENT_ARGS[c.name] ?? []);
      log(`component bench ${c.name} ${args.join(' ')}`);
      // A component's failed check fails the run, but only after the report
      // (with everything else measured) is written.
      try {
        report.components.push({ name: c.name, args, phases: runComponentBench(c.path, args) });
      } catch (err) {
        report.components.push({ name: c.name, args, phases: [], error: String(err.message ?? err).split('\n')[0] });
        failures.push(`component bench ${c.name}`);
      }
    }
  }
  mkdirSync(opts.out, { recursive: true });
  // A --big run reports under its own name, beside the preset's ordinary one.
  const name = opts.big ? `${opts.preset}-big` : opts.preset;
  if (SCALING_PARTS.some(wantsScaling)) {
    report.scaling = await scaling(backends);
    carryOverScaling(report.scaling, join(opts.out, `${name}.json`));
    const svg = join(opts.out, `scaling-${name}.svg`);
    writeFileSync(svg, renderPanels(scalingPanels(report.scaling)));
    report.scalingSvg = relative(opts.out, svg);
  }
  writeFileSync(join(opts.out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(opts.out, `${name}.md`), renderMarkdown(report));
  console.log(renderText(report));
  log(`wrote ${relative(process.cwd(), join(opts.out, `${name}.md`))} and .json`);
  if (failures.length) {
    log(`FAILED: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
