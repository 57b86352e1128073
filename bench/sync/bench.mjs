// Record streams between repositories: bytes on the wire and time to sync a
// history, and peak memory as the history grows tenfold.
//
//   npm run bench:sync                     (builds packages/sync, then runs this)
//   node bench/sync/bench.mjs [texts] [lines]
//
// 1. The byte stream alone, ours against Breezy 3.3.2 in one run: a knit
//    history (knit-ft-gz / knit-delta-gz records) framed as Breezy's smart
//    protocol frames it (_stream_to_byte_stream), read back
//    (_byte_stream_to_stream) and inserted into a fresh knit store; best of 3.
//    Both sides must produce byte streams of the same size.
// 2. Over HTTP on loopback (serveVersionedFiles / RemoteVersionedFiles), pull
//    and push of the same history with delta reuse (knit stores on both ends)
//    against fulltexts (a memory store on the sending end): bytes on the wire
//    (socket counts, headers included) and time.
// 3. Peak memory of a whole sync (server and client in one process, knit files
//    on disk at both ends) for a history and one ten times larger, each in its
//    own child process.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalTransport, MemoryTransport, MemoryVersionedFiles, PrefixMapper, collect, compatZlib, concatBytes, splitLines } from '@versionedfiles/core';
import { makeFileFactory } from '@versionedfiles/knit';
import { ByteStreamReader, FORMAT_KNITPACK, RemoteVersionedFiles, createSyncHandler, encodeByteStream, syncVersionedFiles } from '@versionedfiles/sync';
import { syntheticHistory } from '../lib/synthetic.mjs';

const PYTHON = process.env.VF_BREEZY_PYTHON ?? '/usr/bin/python3';
const ROUNDS = 3;

// Compat zlib, so the knit records (and so the byte stream) are Breezy's bytes.
const knitStore = (transport = new MemoryTransport()) => makeFileFactory(false, new PrefixMapper(), { keyLength: 2, zlib: compatZlib })(transport);

async function fill(vf, history) {
  for (const e of history) await vf.addLines(e.key, e.parents, splitLines(e.text));
  return vf;
}

async function best(fn) {
  let min = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

// -- 1. the byte stream, ours and Breezy's ------------------------------------------

const BREEZY = String.raw`
import base64, json, sys, time
from breezy import transport
from breezy.bzr import knit, versionedfile
from breezy.bzr.knitpack_repo import RepositoryFormatKnitPack1
from breezy.bzr.smart.repository import _byte_stream_to_stream, _stream_to_byte_stream
from breezy.osutils import split_lines
history = json.load(open(sys.argv[1]))
k = lambda key: tuple(e.encode() for e in key)
store = lambda: knit.make_file_factory(False, versionedfile.PrefixMapper())(transport.get_transport_from_url("memory:///"))
source = store()
for e in history:
    source.add_lines(k(e["key"]), [k(p) for p in e["parents"]], split_lines(base64.b64decode(e["text"])))
keys = [k(e["key"]) for e in history]
best = None
size = 0
for _ in range(3):
    t0 = time.perf_counter()
    data = b"".join(_stream_to_byte_stream([("texts", source.get_record_stream(keys, "topological", False))], RepositoryFormatKnitPack1()))
    fmt, stream = _byte_stream_to_stream(iter([data]))
    target = store()
    for name, records in stream:
        target.insert_record_stream(records)
    elapsed = (time.perf_counter() - t0) * 1000
    best = elapsed if best is None else min(best, elapsed)
    size = len(data)
    assert len(target.keys()) == len(keys)
print(json.dumps({"ms": best, "bytes": size}))
`;

async function byteStreamRoundTrip(history) {
  const source = await fill(knitStore(), history);
  const keys = history.map((e) => e.key);
  let size = 0;
  const ms = await best(async () => {
    const bytes = concatBytes(await collect(encodeByteStream([['texts', source.getRecordStream(keys, 'topological', false)]], FORMAT_KNITPACK)));
    size = bytes.length;
    const target = knitStore();
    const reader = new ByteStreamReader([bytes]);
    await target.insertRecordStream((async function* () {
      for await (const { record } of reader.records()) yield record;
    })());
    if ((await target.keys()).size !== keys.length) throw new Error('round trip lost texts');
  });
  return { ms, bytes: size };
}

function breezyRoundTrip(history) {
  const dir = mkdtempSync(join(tmpdir(), 'vf-bench-sync-'));
  try {
    const input = join(dir, 'history.json');
    writeFileSync(input, JSON.stringify(history.map((e) => ({ key: e.key, parents: e.parents, text: Buffer.from(e.text).toString('base64') }))));
    const out = execFileSync(PYTHON, ['-c', BREEZY, input], { env: { ...process.env, PYTHONHASHSEED: '0', BRZ_LOG: '/dev/null' }, maxBuffer: 1 << 26 });
    return JSON.parse(out.toString());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// -- 2. over HTTP --------------------------------------------------------------------

/** Serves `store` on loopback and counts the bytes its sockets move. */
async function countingServer(store) {
  const sockets = [];
  const server = createServer(createSyncHandler(store));
  server.on('connection', (s) => sockets.push(s));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    bytes: () => sockets.reduce((n, s) => n + s.bytesRead + s.bytesWritten, 0),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function overHttp(history) {
  const knitSource = await fill(knitStore(), history);
  const fullSource = await fill(new MemoryVersionedFiles({ keyLength: 2 }), history);
  const rows = [];
  for (const [label, source] of [['deltas', knitSource], ['fulltexts', fullSource]]) {
    // pull: the remote end is the source
    {
      const server = await countingServer(source);
      const t0 = performance.now();
      const remote = await RemoteVersionedFiles.connect(server.url);
      const target = knitStore();
      await syncVersionedFiles(remote, target);
      rows.push({ what: `pull, ${label}`, ms: performance.now() - t0, bytes: server.bytes() });
      await server.close();
    }
    // push: the remote end is an empty knit store
    {
      const server = await countingServer(knitStore());
      const t0 = performance.now();
      const remote = await RemoteVersionedFiles.connect(server.url);
      await syncVersionedFiles(source, remote);
      rows.push({ what: `push, ${label}`, ms: performance.now() - t0, bytes: server.bytes() });
      await server.close();
    }
  }
  return rows;
}

// -- 3. peak memory, in a child process ----------------------------------------------

async function memoryChild(texts, lines) {
  const dir = mkdtempSync(join(tmpdir(), 'vf-bench-sync-mem-'));
  try {
    for (const d of ['source', 'target']) mkdirSync(join(dir, d));
    const history = syntheticHistory({ texts, lines, seed: 7 });
    const source = await fill(knitStore(new LocalTransport(join(dir, 'source'))), history);
    history.length = 0;
    globalThis.gc?.();
    const before = process.memoryUsage();
    const base = before.heapUsed + before.external + before.arrayBuffers;
    let peakHeap = base;
    let peakRss = before.rss;
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed + m.external + m.arrayBuffers);
      peakRss = Math.max(peakRss, m.rss);
    }, 2);
    const server = await countingServer(source);
    const t0 = performance.now();
    const remote = await RemoteVersionedFiles.connect(server.url);
    const result = await syncVersionedFiles(remote, knitStore(new LocalTransport(join(dir, 'target'))));
    const ms = performance.now() - t0;
    clearInterval(sample);
    await server.close();
    console.log(JSON.stringify({ texts, copied: result.copied, ms, wire: server.bytes(), base, peakHeap, peakRss }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runMemoryChild(texts, lines) {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--memory-child', String(texts), String(lines)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

// -- main ----------------------------------------------------------------------------

const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

if (process.argv[2] === '--memory-child') {
  await memoryChild(Number(process.argv[3]), Number(process.argv[4]));
} else {
  const TEXTS = Number(process.argv[2] ?? 600);
  const LINES = Number(process.argv[3] ?? 60);
  const history = syntheticHistory({ texts: TEXTS, lines: LINES, seed: 7 }).map((e) => ({ ...e, key: [...e.key], parents: e.parents.map((p) => [...p]) }));
  console.log(`sync bench: ${TEXTS} texts of ~${LINES} lines in ${new Set(history.map((e) => e.key[0])).size} files\n`);

  const ours = await byteStreamRoundTrip(history);
  const theirs = breezyRoundTrip(history);
  if (ours.bytes !== theirs.bytes) {
    console.error(`FAIL: our byte stream is ${ours.bytes} bytes, Breezy's ${theirs.bytes}`);
    process.exit(1);
  }
  console.log(`byte stream: ${kb(ours.bytes)} on both sides (same size)`);
  console.log('phase                                  ours (ms)   breezy (ms)   breezy/ours');
  console.log(`${'byte stream round trip into a knit'.padEnd(38)} ${ours.ms.toFixed(1).padStart(9)}   ${theirs.ms.toFixed(1).padStart(11)}   ${(theirs.ms / ours.ms).toFixed(2).padStart(10)}x\n`);

  const rows = await overHttp(history);
  console.log('HTTP on loopback                wire bytes        time');
  for (const r of rows) console.log(`${r.what.padEnd(30)} ${kb(r.bytes).padStart(11)}   ${r.ms.toFixed(0).padStart(7)} ms`);
  const ratio = (what) => rows.find((r) => r.what === `${what}, fulltexts`).bytes / rows.find((r) => r.what === `${what}, deltas`).bytes;
  console.log(`fulltexts need ${ratio('pull').toFixed(1)} times the bytes of deltas to pull, ${ratio('push').toFixed(1)} to push\n`);

  const small = Math.max(50, Math.round(TEXTS / 2));
  const mem = [runMemoryChild(small, LINES), runMemoryChild(small * 10, LINES)];
  console.log('peak memory of a whole sync (knit files on disk, HTTP loopback)');
  console.log('texts    heap before   peak heap    peak RSS       time       wire');
  for (const m of mem) {
    console.log(`${String(m.texts).padEnd(8)} ${mb(m.base).padStart(11)} ${mb(m.peakHeap).padStart(11)} ${mb(m.peakRss).padStart(11)} ${(m.ms / 1000).toFixed(1).padStart(8)} s ${kb(m.wire).padStart(10)}`);
  }
  console.log(`history x10: peak heap x${(mem[1].peakHeap / mem[0].peakHeap).toFixed(1)}, peak RSS x${(mem[1].peakRss / mem[0].peakRss).toFixed(1)} (heap before the sync holds the source store's index)`);
}
