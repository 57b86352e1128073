// Patience matcher speed against Breezy's C matcher (patiencediff 0.2.13), in
// one run, on the same inputs, as ratios.
//
//   npm run bench:diff              (builds packages/core, then runs this)
//   node bench/diff/bench.mjs [rounds]
//
// Inputs: generated source-like files of 100, 1,000, 3,600 and 10,000 lines
// (blank lines, braces and other repeated lines mixed with unique ones) and,
// when present, Breezy's own knit.py; each is paired with a copy carrying a
// few small edits. Rows, each "label  ours-ms  breezy-ms  ratio" where the
// ratio is Breezy's time over ours (above 1: we are faster):
//   one-off   `matchingBlocks(a, b)` over byte lines (interning every line in
//             the call) against Breezy given fresh bytes objects (hashing
//             every line in the call, as the first diff of a text does);
//   new text  a store's insert: the parent's ids are known, the new text is
//             interned against it (`internAll(b, {lines: a, ids})`) and the
//             ids diffed, against Breezy given the parent's bytes objects
//             again (hashes cached) and fresh ones for the new text;
//   interned  `matchingBlocksIds` over ids from a `LineInterner` kept across
//             calls against Breezy given the same bytes objects again (their
//             hashes cached by Python): both sides skip line hashing.
// Times are CPU time of each process (the machine is shared; wall time would
// count other processes' turns). Each round times both sides (ours, then
// Breezy in a child process), a median of samples of many calls each; rounds
// interleave and the medians over rounds are printed. Both sides must give the same blocks, or the run fails.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineInterner, matchingBlocks, matchingBlocksIds, splitLines } from '@versionedfiles/core';

const ROUNDS = Number(process.argv[2] ?? 5);
const PYTHON = process.env.VF_BREEZY_PYTHON ?? '/usr/bin/python3';
const KNIT_PY = '/usr/lib/python3/dist-packages/breezy/bzr/knit.py';
/** Roughly this much work per timing sample, so small inputs are timed over many calls. */
const LINES_PER_SAMPLE = 40_000;
const SAMPLES = 15;

/** A deterministic generator of integers in [0, n) (mulberry32; an LCG's low bits cycle too soon). */
function prng(seed) {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

const REPEATED = ['\n', '\n', '\n', '}\n', '  }\n', '    }\n', '    return result;\n', '  } else {\n', '    break;\n', '/**\n', ' */\n'];

/** A source-like file: about a quarter of its lines repeat, the rest are unique. */
function sourceFile(lines, seed) {
  const rand = prng(seed);
  const out = [];
  for (let i = 0; i < lines; i++) {
    if (rand(4) === 0) out.push(REPEATED[rand(REPEATED.length)]);
    else out.push(`${' '.repeat(2 * rand(4))}const value${i} = compute(${rand(1000)}, '${'x'.repeat(rand(30))}');\n`);
  }
  return out.join('');
}

/** The same text with a few small edits: inserted, deleted and replaced lines. */
function edited(text, edits, seed) {
  const rand = prng(seed);
  const lines = text.split(/(?<=\n)/);
  for (let e = 0; e < edits; e++) {
    const at = rand(lines.length);
    const what = rand(3);
    if (what === 0) lines.splice(at, 0, `inserted line ${e}\n`, '\n');
    else if (what === 1) lines.splice(at, 1 + rand(3));
    else lines.splice(at, 1, `replaced line ${e}\n`);
  }
  return lines.join('');
}

function makeCases() {
  const cases = [100, 1000, 3600, 10000].map((n) => {
    const a = sourceFile(n, n);
    return { name: `${n} lines`, a, b: edited(a, Math.max(2, Math.round(n / 500)), n + 1) };
  });
  if (existsSync(KNIT_PY)) {
    const a = readFileSync(KNIT_PY, 'latin1');
    cases.push({ name: 'knit.py', a, b: edited(a, 5, 7) });
  }
  return cases;
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[sorted.length >> 1];
}

/** CPU time of this process: the machine is shared, and wall time would count other processes' turns. */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Median CPU milliseconds per call of `fn`, over samples of `calls` calls each. */
function timePerCall(fn, calls) {
  for (let i = 0; i < calls * 3; i++) fn();
  const samples = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = cpuMs();
    for (let i = 0; i < calls; i++) fn();
    samples.push((cpuMs() - t0) / calls);
  }
  return median(samples);
}

const PY_SCRIPT = `
import json, sys, time, patiencediff
from patiencediff._patiencediff_c import PatienceSequenceMatcher_c
# the C matcher, as Breezy uses it
M = patiencediff.PatienceSequenceMatcher
assert M is PatienceSequenceMatcher_c
path, samples, per_sample = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out = []
for case in json.load(open(path)):
    a = case['a'].encode('latin-1').splitlines(True)
    b = case['b'].encode('latin-1').splitlines(True)
    calls = max(1, per_sample // (len(a) + len(b)))
    def timed(make):
        res = []
        for s in range(samples + 3):
            pairs = [make() for _ in range(calls)]
            t0 = time.process_time()
            for x, y in pairs:
                blocks = M(None, x, y).get_matching_blocks()
            dt = (time.process_time() - t0) * 1000 / calls
            if s >= 3: res.append(dt)
        res.sort()
        return res[len(res) // 2], blocks
    fresh, blocks = timed(lambda: ([bytes(bytearray(l)) for l in a], [bytes(bytearray(l)) for l in b]))
    new_text, _ = timed(lambda: (a, [bytes(bytearray(l)) for l in b]))
    cached, _ = timed(lambda: (a, b))
    out.append({'fresh': fresh, 'newText': new_text, 'cached': cached, 'blocks': [list(x) for x in blocks]})
print(json.dumps(out))
`;

function breezyRound(casesPath) {
  const stdout = execFileSync(PYTHON, ['-c', PY_SCRIPT, casesPath, String(SAMPLES), String(LINES_PER_SAMPLE)], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONHASHSEED: '0' },
  });
  return JSON.parse(stdout);
}

function oursRound(interner, inputs) {
  return inputs.map(({ a, b, aIds, bIds }) => {
    const calls = Math.max(1, Math.floor(LINES_PER_SAMPLE / (a.length + b.length)));
    const parent = { lines: a, ids: aIds };
    return {
      oneOff: timePerCall(() => matchingBlocks(a, b), calls),
      newText: timePerCall(() => matchingBlocksIds(aIds, interner.internAll(b, parent)), calls),
      interned: timePerCall(() => matchingBlocksIds(aIds, bIds), calls),
    };
  });
}

const latin1Bytes = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function main() {
  const cases = makeCases();
  const dir = mkdtempSync(join(tmpdir(), 'vf-bench-diff-'));
  try {
    const casesPath = join(dir, 'cases.json');
    writeFileSync(casesPath, JSON.stringify(cases));
    const interner = new LineInterner();
    const inputs = cases.map(({ a, b }) => {
      const aLines = splitLines(latin1Bytes(a));
      const bLines = splitLines(latin1Bytes(b));
      return { a: aLines, b: bLines, aIds: interner.internAll(aLines), bIds: interner.internAll(bLines) };
    });
    const ours = [];
    const theirs = [];
    for (let r = 0; r < ROUNDS; r++) {
      ours.push(oursRound(interner, inputs));
      theirs.push(breezyRound(casesPath));
    }
    // Both sides must agree, or the times compare different work.
    cases.forEach((c, i) => {
      const expected = JSON.stringify(theirs[0][i].blocks);
      const { a, b, aIds, bIds } = inputs[i];
      if (JSON.stringify(matchingBlocks(a, b)) !== expected || JSON.stringify(matchingBlocksIds(aIds, bIds)) !== expected) {
        throw new Error(`${c.name}: our matching blocks differ from Breezy's`);
      }
    });
    console.log(`patience matcher, median ms per call over ${ROUNDS} interleaved rounds (ratio: Breezy / ours)`);
    console.log(`${'case'.padEnd(40)} ${'ours'.padStart(9)} ${'breezy'.padStart(9)} ${'ratio'.padStart(8)}`);
    const row = (label, oursMs, breezyMs) =>
      console.log(`${label.padEnd(40)} ${oursMs.toFixed(4).padStart(9)} ${breezyMs.toFixed(4).padStart(9)} ${(breezyMs / oursMs).toFixed(2).padStart(7)}x`);
    cases.forEach((c, i) => {
      const lines = `${c.name} (${inputs[i].a.length}/${inputs[i].b.length})`;
      row(`${lines} one-off`, median(ours.map((o) => o[i].oneOff)), median(theirs.map((t) => t[i].fresh)));
      row(`${lines} new text`, median(ours.map((o) => o[i].newText)), median(theirs.map((t) => t[i].newText)));
      row(`${lines} interned`, median(ours.map((o) => o[i].interned)), median(theirs.map((t) => t[i].cached)));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
