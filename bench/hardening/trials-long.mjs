#!/usr/bin/env node
// The full crash-safety, concurrent-writer and flipped-byte runs: the CI tests
// (packages/*/test/hardening/{crash,concurrent,integrity}.test.ts) with large counts.
//
//   node bench/hardening/trials-long.mjs [--crash 300] [--concurrent 30] [--flips 1] [--only <package>] [--json out.json]
//
// --crash N: N SIGKILL trials per backend; --concurrent N: N rounds of two
// writers and a racing reader per vf layout; --flips N: flip a bit in every
// N-th byte of each store file (1: every byte). 0 skips any of them. --only
// groupcompress (or knit, weave, cli) runs that package's tests alone. Prints the
// per-backend figures the tests report (HARDENING_REPORT_DIR) and exits
// non-zero if any trial failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const crash = Number(opt('crash', '300'));
const concurrent = Number(opt('concurrent', '30'));
const flips = Number(opt('flips', '1'));
const jsonOut = opt('json', '');
const only = opt('only', '');
const scope = only ? `packages/${only}/` : '';
const work = mkdtempSync(join(tmpdir(), 'vf-trials-'));

function run(filter, env) {
  const r = spawnSync('npx', ['vitest', 'run', '--project', 'unit', '--maxWorkers', '1', filter], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, HARDENING_REPORT_DIR: work, ...env },
  });
  return r.status === 0;
}

let ok = true;
if (crash > 0) ok = run(`${scope}test/hardening/crash.test`, { HARDENING_CRASH_TRIALS: String(crash) }) && ok;
if (concurrent > 0) ok = run(`${scope}test/hardening/concurrent.test`, { HARDENING_CRASH_TRIALS: String(concurrent) }) && ok;
if (flips > 0) ok = run(`${scope}test/hardening/integrity.test`, { HARDENING_FLIP_STEP: String(flips) }) && ok;

const read = (name) => (existsSync(join(work, name)) ? readFileSync(join(work, name), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const summary = { ok, crash: read('crash.jsonl'), concurrent: read('concurrent.jsonl'), integrity: read('integrity.jsonl') };
console.log(JSON.stringify(summary, null, 1));
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(summary, null, 1)}\n`);
process.exit(ok ? 0 : 1);
