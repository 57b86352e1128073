// The backend engineers' own benches (bench/<backend>/bench.mjs: one format
// component against Breezy, best of 3 each side) run as they are and read back
// through their printed table: entry points `findComponentBenches(benchDir)`,
// `runComponentBench(path, args)` and `parseComponentTable(stdout)`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROW = /^(\S.*?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)x$/;

/** Rows "label  ours  breezy  ratio x" of a component bench's output. */
export function parseComponentTable(stdout) {
  const phases = [];
  for (const line of stdout.split('\n')) {
    const m = ROW.exec(line.trim());
    if (m) phases.push({ label: m[1], ours: Number(m[2]), breezy: Number(m[3]), ratio: Number(m[4]) });
  }
  return phases;
}

export function findComponentBenches(benchDir) {
  return readdirSync(benchDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(benchDir, d.name, 'bench.mjs')))
    .map((d) => ({ name: d.name, path: join(benchDir, d.name, 'bench.mjs') }));
}

/**
 * Runs one component bench; its own checks failing (non-zero exit) fails the
 * run. Output without a table of that shape gives no phases (the report says so).
 */
export function runComponentBench(path, args = []) {
  const stdout = execFileSync(process.execPath, [path, ...args.map(String)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, PYTHONHASHSEED: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return parseComponentTable(stdout);
}
