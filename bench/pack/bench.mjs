// BTreeGraphIndex speed against Breezy 3.3.2 (its C-accelerated leaf parser),
// in one run, as ratios.
//
//   npm run bench:pack                   (builds packages/pack, then runs this)
//   node bench/pack/bench.mjs [keys] [lookups]
//
// One index of 1M text-index-like nodes (2-element keys, one reference list,
// "offset length start end" values) is built by our BTreeBuilder into a temp
// file; Breezy must read it back (key count and a sample), or the run fails.
// Then, on that file, both sides time, best of 3, each round on a fresh index
// object (cold caches, the file in the OS page cache):
//   - full iteration: every entry (key, value, references);
//   - single lookups: `lookups` present keys plus a tenth as many absent ones,
//     one `iter_entries([key])` call each, in random order;
//   - batched lookup: the same keys in one `iter_entries(keys)` call.
// The ratio is Breezy's time over ours (above 1: we are faster). Times are
// CPU time (user + system) of each side's process during the phase, best of
// 3: on a shared machine wall-clock time mostly measures the other tenants.
// Wall-clock times are printed after the table for reference.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BTreeBuilder, BTreeGraphIndex, FileRangeReader } from '@versionedfiles/pack';

const KEYS = Number(process.argv[2] ?? 1_000_000);
const LOOKUPS = Number(process.argv[3] ?? 10_000);
const ROUNDS = 3;
const PYTHON = process.env.VF_BREEZY_PYTHON ?? '/usr/bin/python3';
const enc = new TextEncoder();

/** Deterministic pseudo-random numbers. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

const hex = (n, width) => n.toString(16).padStart(width, '0');

/** Text-index-like nodes: ~20 nodes per file id, each referencing its predecessor. */
function makeNodes(count) {
  const next = rng(42);
  const nodes = [];
  for (let i = 0; i < count; i++) {
    const file = Math.floor(i / 20);
    const key = [`file-${hex(file * 2654435761 % 4294967296, 8)}-${file}`, `user@example.com-2026${hex(next(), 8)}-${i}`];
    nodes.push({ key, value: enc.encode(`${next() % 100000000} ${next() % 100000} 0 ${next() % 5000}`), prev: i % 20 === 0 ? null : i - 1 });
  }
  return nodes.map((n) => ({ key: n.key, value: n.value, references: [n.prev === null ? [] : [nodes[n.prev].key]] }));
}

/** Best of `rounds` runs, in CPU milliseconds (user + system) and wall milliseconds. */
async function bestOf(rounds, fn) {
  let cpu = Infinity;
  let wall = Infinity;
  let result;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    result = await fn();
    wall = Math.min(wall, Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  return { ms: cpu, wall, result };
}

const BREEZY = `
import json, sys, time
from breezy import transport
from breezy.bzr import btree_index
path_dir, name, size, probes_path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
t = transport.get_transport(path_dir)
probes = [tuple(line.split(b'\\x00')) for line in open(probes_path, 'rb').read().split(b'\\n') if line]
def best(fn):
    cpu, wall, res = None, None, None
    for _ in range(rounds):
        c0, t0 = time.process_time(), time.perf_counter()
        res = fn()
        dc, dt = (time.process_time() - c0) * 1000, (time.perf_counter() - t0) * 1000
        cpu = dc if cpu is None else min(cpu, dc)
        wall = dt if wall is None else min(wall, dt)
    return cpu, wall, res
def full():
    n = 0
    for e in btree_index.BTreeGraphIndex(t, name, size).iter_all_entries():
        n += 1
    return n
def single():
    idx = btree_index.BTreeGraphIndex(t, name, size); n = 0
    for k in probes:
        for e in idx.iter_entries([k]): n += 1
    return n
def batch():
    return sum(1 for e in btree_index.BTreeGraphIndex(t, name, size).iter_entries(probes))
idx = btree_index.BTreeGraphIndex(t, name, size)
out = {'keyCount': idx.key_count(), 'rows': idx._row_lengths}
for label, fn in (('full', full), ('single', single), ('batch', batch)):
    ms, wall, res = best(fn)
    out[label] = {'ms': ms, 'wall': wall, 'result': res}
print(json.dumps(out))
`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'vf-bench-pack-'));
  try {
    console.log(`BTreeGraphIndex bench: ${KEYS.toLocaleString('en')} keys, ${LOOKUPS.toLocaleString('en')} lookups, best of ${ROUNDS}`);
    const nodes = makeNodes(KEYS);
    const t0 = process.hrtime.bigint();
    const builder = new BTreeBuilder({ referenceLists: 1, keyElements: 2 });
    for (const n of nodes) builder.addNode(n.key, n.value, n.references);
    const bytes = builder.finish();
    const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const file = join(dir, 'bench.bix');
    writeFileSync(file, bytes);
    console.log(`built by us in ${(buildMs / 1000).toFixed(1)} s: ${(bytes.length / 1e6).toFixed(1)} MB`);

    const next = rng(7);
    const probes = [];
    for (let i = 0; i < LOOKUPS; i++) probes.push(nodes[next() % nodes.length].key);
    for (let i = 0; i < LOOKUPS / 10; i++) probes.push([`file-missing-${i}`, `nobody-${i}`]);
    for (let i = probes.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [probes[i], probes[j]] = [probes[j], probes[i]];
    }
    const probesFile = join(dir, 'probes');
    writeFileSync(probesFile, probes.map((k) => k.join('\0')).join('\n'));
    const present = new Set(probes.map((k) => k.join('\0'))).size - LOOKUPS / 10;

    /** Runs `fn` on a fresh index over the file, then closes the file. */
    const withIndex = async (fn) => {
      const reader = await FileRangeReader.open(file);
      try {
        return await fn(new BTreeGraphIndex(reader));
      } finally {
        await reader.close();
      }
    };
    const ours = {
      full: await bestOf(ROUNDS, () =>
        withIndex(async (index) => {
          let n = 0;
          for await (const e of index.iterAllEntries()) if (e.references.length === 1) n += 1;
          return n;
        }),
      ),
      single: await bestOf(ROUNDS, () =>
        withIndex(async (index) => {
          let n = 0;
          for (const k of probes) for await (const _ of index.iterEntries([k])) n += 1;
          return n;
        }),
      ),
      batch: await bestOf(ROUNDS, () =>
        withIndex(async (index) => {
          let n = 0;
          for await (const _ of index.iterEntries(probes)) n += 1;
          return n;
        }),
      ),
    };
    const breezy = JSON.parse(
      execFileSync(PYTHON, ['-c', BREEZY, dir, 'bench.bix', String(bytes.length), probesFile, String(ROUNDS)], {
        env: { ...process.env, PYTHONHASHSEED: '0', BRZ_LOG: '/dev/null' },
        maxBuffer: 1 << 26,
      }).toString(),
    );
    if (breezy.keyCount !== KEYS) throw new Error(`Breezy reads ${breezy.keyCount} keys, we wrote ${KEYS}`);
    console.log(`Breezy reads our file: ${breezy.keyCount.toLocaleString('en')} keys, rows ${breezy.rows.join(',')}`);
    const rows = [
      ['full iteration', 'full', KEYS],
      ['single lookups', 'single', present],
      ['batched lookup', 'batch', present],
    ];
    console.log('');
    console.log('phase            ours cpu ms  breezy cpu ms   ratio (breezy/ours)');
    for (const [label, key, expected] of rows) {
      const a = ours[key];
      const b = breezy[key];
      // The single-lookup count includes duplicates among the probes.
      if (key !== 'single' && (a.result !== expected || b.result !== expected)) {
        throw new Error(`${label}: ours found ${a.result}, Breezy ${b.result}, expected ${expected}`);
      }
      if (a.result !== b.result) throw new Error(`${label}: ours found ${a.result}, Breezy ${b.result}`);
      console.log(`${label.padEnd(16)} ${a.ms.toFixed(0).padStart(11)} ${b.ms.toFixed(0).padStart(14)}   ${(b.ms / a.ms).toFixed(2)}x`);
    }
    console.log('');
    console.log('wall clock (ms, best of 3; load-sensitive):');
    for (const [label, key] of rows) console.log(`  ${label}: ours ${ours[key].wall.toFixed(0)}, Breezy ${breezy[key].wall.toFixed(0)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
