// Weave speed against Breezy 3.3.2, in one run, as ratios.
//
//   npm run bench:weave            (builds packages/weave, then runs this)
//   node bench/weave/bench.mjs [versions] [lines]
//
// One generated history (default 300 versions of a file of ~400 lines, mostly
// linear with a merge every tenth version) is woven by both implementations in
// memory: insert every version, extract every version, annotate every version,
// and write + read the weave file. Each phase runs once untimed on both sides
// (so JIT compilation on ours, and caches on both, are not what is measured),
// then is timed best-of-3 (best-of-20 for the quick file phase), in CPU time
// of the process (the machines we run on are shared: wall time measures the
// neighbours too);
// the ratio is Breezy's time over ours (above 1: we are faster). Both sides
// must produce the same file bytes, or the run fails. As in the knit and
// groupcompress benches, each side is given every version as one text and
// splits it into lines inside the timed insert (ours with `splitLines`,
// Breezy with `osutils.split_lines`): each gets its lines in the form its
// callers have them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitLines } from '@versionedfiles/core';
import { Weave } from '@versionedfiles/weave';

const VERSIONS = Number(process.argv[2] ?? 300);
const LINES = Number(process.argv[3] ?? 400);
const ROUNDS = 3;
// Writing and reading one file is quick: more rounds, so both sides are warm.
const FILE_ROUNDS = 20;
const PYTHON = process.env.VF_BREEZY_PYTHON ?? '/usr/bin/python3';

/** A deterministic history: each version edits its left parent in a few places. */
function makeHistory(versions, lines) {
  let seed = 12345;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  let counter = 0;
  const fresh = () => `line ${counter++} ${'x'.repeat(rand(40))}\n`;
  const texts = [];
  const inserts = [];
  for (let v = 0; v < versions; v++) {
    const parents = v === 0 ? [] : v % 10 === 0 && v > 2 ? [v - 1, v - 1 - (1 + rand(Math.min(v - 1, 8)))] : [v - 1];
    let text = v === 0 ? Array.from({ length: lines }, fresh) : [...texts[parents[0]]];
    if (parents.length > 1) {
      // A merge keeps a run of the other parent's lines.
      const other = texts[parents[1]];
      const at = rand(other.length);
      text.splice(rand(text.length + 1), 0, ...other.slice(at, at + 5));
    }
    for (let e = 0, edits = 1 + rand(4); e < edits; e++) {
      const at = rand(text.length + 1);
      const what = rand(3);
      if (what === 0) text.splice(at, 0, ...Array.from({ length: 1 + rand(5) }, fresh));
      else if (what === 1) text.splice(at, 1 + rand(3));
      else text.splice(at, 1, fresh());
    }
    texts.push(text);
    inserts.push({ name: `rev-${v}`, parents: parents.map((p) => `rev-${p}`), lines: text });
  }
  return inserts;
}

function best(fn, rounds = ROUNDS) {
  let min = Infinity;
  let result = fn(); // the warm-up round
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    result = fn();
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    if (ms < min) min = ms;
  }
  return { ms: min, result };
}

function ours(inserts) {
  const enc = new TextEncoder();
  const encoded = inserts.map((i) => ({ ...i, text: enc.encode(i.lines.join('')) }));
  const insert = best(() => {
    const w = new Weave('bench');
    for (const i of encoded) w.addLines(i.name, i.parents, splitLines(i.text));
    return w;
  });
  const w = insert.result;
  const extract = best(() => {
    for (const i of inserts) w.getLines(i.name);
  });
  const annotate = best(() => {
    for (const i of inserts) w.annotate(i.name);
  });
  const file = best(() => Weave.fromBytes(w.toBytes()), FILE_ROUNDS);
  return { insert: insert.ms, extract: extract.ms, annotate: annotate.ms, file: file.ms, bytes: w.toBytes() };
}

const BREEZY = `
import json, sys, time
from io import BytesIO
from breezy.bzr.weave import Weave
from breezy.bzr.weavefile import write_weave_v5, read_weave
from breezy.osutils import split_lines
inserts = json.load(open(sys.argv[1]))
for i in inserts:
    i['name'] = i['name'].encode(); i['parents'] = [p.encode() for p in i['parents']]
    i['text'] = ''.join(i['lines']).encode()
def best(fn, rounds=${ROUNDS}):
    m = None; r = fn()  # the warm-up round
    for _ in range(rounds):
        t0 = time.process_time(); r = fn(); d = (time.process_time() - t0) * 1000
        m = d if m is None or d < m else m
    return m, r
def insert():
    w = Weave('bench')
    for i in inserts: w.add_lines(i['name'], i['parents'], split_lines(i['text']))
    return w
t_insert, w = best(insert)
t_extract, _ = best(lambda: [w.get_lines(i['name']) for i in inserts])
t_annotate, _ = best(lambda: [w.annotate(i['name']) for i in inserts])
def roundtrip():
    b = BytesIO(); write_weave_v5(w, b); b.seek(0); return read_weave(b)
t_file, _ = best(roundtrip, ${FILE_ROUNDS})
b = BytesIO(); write_weave_v5(w, b)
open(sys.argv[2], 'wb').write(b.getvalue())
print(json.dumps({'insert': t_insert, 'extract': t_extract, 'annotate': t_annotate, 'file': t_file}))
`;

function breezy(inserts) {
  const dir = mkdtempSync(join(tmpdir(), 'vf-bench-weave-'));
  const input = join(dir, 'inserts.json');
  const output = join(dir, 'breezy.weave');
  writeFileSync(input, JSON.stringify(inserts));
  const out = execFileSync(PYTHON, ['-c', BREEZY, input, output], {
    env: { ...process.env, PYTHONHASHSEED: '0', BRZ_LOG: '/dev/null' },
    maxBuffer: 1 << 26,
  });
  return { ...JSON.parse(out.toString()), bytes: new Uint8Array(readFileSync(output)) };
}

const inserts = makeHistory(VERSIONS, LINES);
console.log(`weave bench: ${VERSIONS} versions, ~${LINES} lines each, one warm-up round then best of ${ROUNDS}, CPU time`);
const a = ours(inserts);
const b = breezy(inserts);
if (Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes)) !== 0) {
  console.error('FAIL: our weave file differs from Breezy\'s for the same inserts');
  process.exit(1);
}
console.log(`same file bytes as Breezy (${a.bytes.length} bytes)\n`);
const rows = [
  ['insert all versions', 'insert'],
  ['extract all versions', 'extract'],
  ['annotate all versions', 'annotate'],
  ['write + read the file', 'file'],
];
console.log('phase                    ours (ms)   breezy (ms)   breezy/ours');
for (const [label, k] of rows) {
  console.log(`${label.padEnd(24)} ${a[k].toFixed(1).padStart(9)}   ${b[k].toFixed(1).padStart(11)}   ${(b[k] / a[k]).toFixed(2).padStart(10)}x`);
}
