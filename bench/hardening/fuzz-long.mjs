#!/usr/bin/env node
// The long fuzzing run: the CI hardening fuzz tests (packages/*/test/hardening/fuzz.test.ts)
// with a large count per target, round after round with fresh seeds, until stopped
// (or --hours). Any input breaking an invariant is written to test-fixtures/fuzz/ as a
// fixture (the CI tests replay it from then on); an input that hangs a round past
// --round-timeout is kept the same way, from the in-flight copy each target writes.
//
//   node bench/hardening/fuzz-long.mjs [--runs 2000] [--hours 8 | --once] [--round-timeout 3600] [--only knit] [--json out.json]
//
// Prints a summary per round and the totals (inputs per target, outcomes) at the end;
// with --json <file> the totals are also written there.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync, copyFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const runs = Number(opt('runs', '2000'));
const hours = Number(opt('hours', 'Infinity'));
const roundTimeout = Number(opt('round-timeout', '3600')) * 1000;
const only = opt('only', '');
const jsonOut = opt('json', '');
const deadline = Date.now() + hours * 3600_000;
const crashDir = join(root, 'test-fixtures/fuzz');

const totals = new Map();
let stopping = false;
process.on('SIGINT', () => {
  stopping = true;
});

function runRound(seed) {
  const work = mkdtempSync(join(tmpdir(), 'vf-fuzz-'));
  // vitest takes these as filters on the test file paths.
  const files = only ? [`packages/${only}/test/hardening/fuzz.test`] : ['test/hardening/fuzz.test'];
  const child = spawn('npx', ['vitest', 'run', '--project', 'unit', '--maxWorkers', '1', ...files], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HARDENING_FUZZ_RUNS: String(runs),
      HARDENING_FUZZ_SEED: String(seed),
      HARDENING_SAVE_CRASHES: '1',
      HARDENING_INFLIGHT_DIR: work,
      HARDENING_REPORT_DIR: work,
    },
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, roundTimeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const reportFile = join(work, 'fuzz.jsonl');
      const reports = existsSync(reportFile)
        ? readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
        : [];
      const finished = new Set(reports.map((r) => r.target));
      const hung = [];
      if (signal !== null) {
        // Killed: every target that did not finish had its last input in flight.
        mkdirSync(crashDir, { recursive: true });
        for (const f of readdirSync(work).filter((n) => n.endsWith('.json'))) {
          const target = f.slice(0, -'.json'.length);
          if (finished.has(target)) continue;
          const dest = join(crashDir, `${target}-hang-seed${seed}.json`);
          copyFileSync(join(work, f), dest);
          hung.push(dest);
        }
      }
      resolve({ code, signal, reports, hung, output });
    });
  });
}

let round = 0;
while (!stopping && Date.now() < deadline) {
  const seed = Math.floor(Math.random() * 2 ** 31);
  round++;
  const started = Date.now();
  const { code, signal, reports, hung, output } = await runRound(seed);
  let inputs = 0;
  for (const r of reports) {
    const t = totals.get(r.target) ?? { runs: 0, outcomes: {} };
    t.runs += r.runs;
    for (const [k, v] of Object.entries(r.outcomes)) t.outcomes[k] = (t.outcomes[k] ?? 0) + v;
    totals.set(r.target, t);
    inputs += r.runs;
  }
  const secs = Math.round((Date.now() - started) / 1000);
  console.log(`round ${round} seed ${seed}: ${reports.length} targets, ${inputs} inputs, ${secs}s, ${code === 0 ? 'clean' : signal ? `killed (${signal})` : 'FAILURES'}`);
  for (const h of hung) console.log(`  hang kept as ${h}`);
  if (code !== 0 && !signal) {
    for (const line of output.split('\n')) if (/saved as|FAIL|Error:/.test(line)) console.log(`  ${line.trim().slice(0, 300)}`);
  }
  if (args.includes('--once')) break;
}

const summary = Object.fromEntries([...totals].sort(([a], [b]) => a.localeCompare(b)));
const total = [...totals.values()].reduce((a, t) => a + t.runs, 0);
console.log(JSON.stringify({ rounds: round, totalInputs: total, targets: summary }, null, 1));
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ rounds: round, runsPerTargetPerRound: runs, totalInputs: total, targets: summary }, null, 1)}\n`);
