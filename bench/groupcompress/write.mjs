// Default-mode insert of the bench corpus as one stream, in a fresh process
// per run (cold, as `bench/run.mjs` measures it), for several worker counts,
// rounds interleaved; prints the median wall and CPU time (main thread and
// workers together) and the pack's size per worker count.
//
//   node bench/groupcompress/write.mjs [--workers 0,1] [--rounds 5] [--copies 1]
//
// `--copies N` inserts the corpus N times over under renamed keys (a bigger
// stream, so batches hold enough groups for workers). Needs `npx tsc -b`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CORPUS = fileURLToPath(new URL('../.cache/npm-small', import.meta.url));

async function child(workers, copies) {
  const { readCorpus } = await import('../lib/corpus.mjs');
  const { makePackFactory } = await import('@versionedfiles/groupcompress');
  const { LocalTransport, FulltextContentFactory } = await import('@versionedfiles/core');
  const corpus = readCorpus(CORPUS);
  const dir = mkdtempSync(join(tmpdir(), 'gc-write-'));
  const rename = (c, key) => (c === 0 ? key : [`c${c}/${key[0]}`, ...key.slice(1)]);
  function* records() {
    for (let c = 0; c < copies; c++) {
      for (const e of corpus.entries) {
        yield new FulltextContentFactory(rename(c, e.key), e.parents.map((p) => rename(c, p)), e.sha1, corpus.textOf(e));
      }
    }
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const vf = makePackFactory(true, true, 2, { workers })(new LocalTransport(dir));
  await vf.insertRecordStream(records());
  await vf.close();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const bytes = statSync(join(dir, 'newpack')).size;
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1000, bytes }));
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]), Number(process.argv[4]));
} else {
  const workers = option('workers', '0,1').split(',').map(Number);
  const rounds = Number(option('rounds', '5'));
  const copies = Number(option('copies', '1'));
  const runs = new Map(workers.map((w) => [w, []]));
  for (let r = 0; r < rounds; r++) {
    for (const w of workers) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(w), String(copies)]);
      runs.get(w).push(JSON.parse(out.toString()));
    }
  }
  console.log(`corpus x${copies}, ${rounds} rounds interleaved (medians)`);
  for (const [w, rs] of runs) {
    const line = `workers ${w}: wall ${median(rs.map((x) => x.wall)).toFixed(0)} ms, cpu ${median(rs.map((x) => x.cpu)).toFixed(0)} ms, pack ${rs[0].bytes} bytes`;
    console.log(line);
  }
}
