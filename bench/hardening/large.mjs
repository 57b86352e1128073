#!/usr/bin/env node
// Large texts and long histories, one backend per process so peak memory is its own.
//
//   node bench/hardening/large.mjs <backend> text <MiB>
//       adds one generated text of that size (one chunk), reads it back (sha1-verified)
//   node bench/hardening/large.mjs <backend> history <versions> <MiB per version>
//       adds a history of edits (each version changes a few lines of the last),
//       then reads back the last version, every 97th one and the first (sha1-verified)
//   node bench/hardening/large.mjs all text 1024      (every backend, one child each)
//   node bench/hardening/large.mjs all history 10000 10
//   ... --progress <file> [--every N]
//       appends a JSON line every N versions (default: a hundredth of the history):
//       versions added, seconds, current and peak RSS, store size, seconds per
//       version over the last stretch; a run stopped early still gives its
//       per-version cost. The 10,000 x 10 MiB runs: bench/hardening/history-10mb.sh.
//
// The memory backend keeps every text whole, so a history it cannot hold in this
// machine's RAM is refused up front (`not run`), not left to run out of memory.
//
// Backends: memory, knit-files, knit-pack, weave, groupcompress. Prints one JSON
// line per backend: ok or the typed error (code) it stopped with, seconds,
// peak RSS (MiB), store size on disk. Runs the built packages (`npm run build`).
// With --json <file>, appends the lines there too (bench/hardening/results/).
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BACKENDS = ['memory', 'knit-files', 'knit-pack', 'weave', 'groupcompress'];
const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonOut = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : null;
const progressAt = args.indexOf('--progress');
const progressOut = progressAt >= 0 ? args.splice(progressAt, 2)[1] : null;
const everyAt = args.indexOf('--every');
const everyArg = everyAt >= 0 ? Number(args.splice(everyAt, 2)[1]) : 0;
const [backend, mode, a, b] = args;

if (backend === 'all') {
  for (const name of BACKENDS) {
    const passOn = [...(jsonOut ? ['--json', jsonOut] : []), ...(progressOut ? ['--progress', progressOut] : []), ...(everyArg ? ['--every', String(everyArg)] : [])];
    const r = spawnSync(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url), name, mode, a, ...(b ? [b] : []), ...passOn], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) {
      const line = JSON.stringify({ backend: name, mode, size: a, versions: b, result: `process died (${r.signal ?? r.status})` });
      console.log(line);
      if (jsonOut) appendFileSync(jsonOut, `${line}\n`);
    }
  }
  process.exit(0);
}

const core = await import('@versionedfiles/core');
const { LocalTransport, ConstantMapper, MemoryVersionedFiles, VersionedFilesError, sha1OfChunks, collect } = core;
const { makeFileFactory, makePackFactory: makeKnitPack } = await import('@versionedfiles/knit');
const { WeaveVersionedFiles } = await import('@versionedfiles/weave');
const { makePackFactory: makeGcPack } = await import('@versionedfiles/groupcompress');

const encoder = new TextEncoder();
const LINE_BYTES = 64;

/** `count` lines of 64 bytes; line i of version v differs from version v-1 on a few lines. */
function linesFor(count, version) {
  const lines = new Array(count);
  for (let i = 0; i < count; i++) {
    const touched = version > 0 && (i * 2654435761 + version * 40503) % count < 3;
    const body = touched ? `line ${i} edited in version ${version}` : `line ${i} of a large generated text`;
    lines[i] = encoder.encode(`${body.padEnd(LINE_BYTES - 1, '.')}\n`);
  }
  return lines;
}

/** `count` lines of 64 bytes in one buffer (the text of version 0 of linesFor). */
function textOf(count) {
  const out = new Uint8Array(count * LINE_BYTES);
  for (let i = 0; i < count; i++) encoder.encodeInto(`${`line ${i} of a large generated text`.padEnd(LINE_BYTES - 1, '.')}\n`, out.subarray(i * LINE_BYTES));
  return out;
}

/** A version's lines derived from the last version's: same objects except the few edited lines. */
function nextVersion(prev, version) {
  const lines = prev.slice();
  const count = lines.length;
  for (let k = 0; k < 3; k++) {
    const i = (version * 7919 + k * 104729) % count;
    lines[i] = encoder.encode(`${`line ${i} edited in version ${version}`.padEnd(LINE_BYTES - 1, '.')}\n`);
  }
  return lines;
}

async function open(name, dir) {
  const t = new LocalTransport(dir);
  switch (name) {
    case 'memory':
      return { vf: new MemoryVersionedFiles({ keyLength: 1 }), done: async () => {} };
    case 'knit-files':
      return { vf: makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 })(t), done: async () => {} };
    case 'knit-pack': {
      const vf = await makeKnitPack(true, true, 1)(t);
      return { vf, done: () => vf.finish() };
    }
    case 'weave':
      return { vf: new WeaveVersionedFiles(t, new ConstantMapper('texts'), { keyLength: 1 }), done: async () => {} };
    case 'groupcompress': {
      const vf = makeGcPack(true, true, 1)(t);
      return { vf, done: () => vf.flush() };
    }
    default:
      throw new Error(`unknown backend ${name}`);
  }
}

async function readBack(vf, key, sha1) {
  const [record] = await collect(vf.getRecordStream([key], 'unordered', true));
  const chunks = record.getBytesAs('chunked');
  if (sha1OfChunks(chunks) !== sha1) throw new Error(`wrong text for ${key}`);
}

/** One progress line: how far, how long, how big; seconds per version since the last line. */
function reportProgress(added, last, phase = 'adding') {
  const seconds = (performance.now() - started) / 1000;
  const perVersion = added > last.at ? (seconds - last.seconds) / (added - last.at) : 0;
  const line = {
    backend,
    phase,
    added,
    of: Number(a),
    mibPerVersion: Number(b),
    seconds: Math.round(seconds),
    secondsPerVersion: Math.round(perVersion * 1000) / 1000,
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    diskMiB: Math.round((diskSize(dir) / 2 ** 20) * 10) / 10,
  };
  appendFileSync(progressOut, `${JSON.stringify(line)}\n`);
  return { at: added, seconds };
}

function diskSize(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return total;
}

/** What a memory store would hold for the whole history (it keeps every text whole), against the machine's RAM. */
if (backend === 'memory' && mode === 'history' && Number(a) * Number(b) * 1024 * 1024 > totalmem() * 0.6) {
  const gib = Math.round((Number(a) * Number(b)) / 1024);
  const line = JSON.stringify({ backend, mode, versions: Number(a), mibPerVersion: Number(b), result: `not run: a memory store keeps every text whole (${gib} GiB), over this machine's RAM (${Math.round(totalmem() / 2 ** 30)} GiB)` });
  console.log(line);
  if (jsonOut) appendFileSync(jsonOut, `${line}\n`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), `vf-large-${backend}-`));
const started = performance.now();
const result = { backend, mode };
try {
  const { vf, done } = await open(backend, dir);
  if (mode === 'text') {
    const mib = Number(a);
    result.mib = mib;
    // One chunk, as a file's content arrives; the store splits it into lines itself.
    const text = textOf(Math.floor((mib * 1024 * 1024) / LINE_BYTES));
    const sha1 = sha1OfChunks([text]);
    await vf.addChunks(['large'], [], [text]);
    await done();
    await readBack(vf, ['large'], sha1);
  } else {
    const versions = Number(a);
    const mib = Number(b);
    Object.assign(result, { versions, mibPerVersion: mib });
    let lines = linesFor(Math.floor((mib * 1024 * 1024) / LINE_BYTES), 0);
    const checks = [];
    const every = everyArg > 0 ? everyArg : Math.max(1, Math.floor(versions / 100));
    let stretch = { at: 0, seconds: 0 };
    for (let v = 0; v < versions; v++) {
      if (v > 0) lines = nextVersion(lines, v);
      const key = [`v${v}`];
      const { sha1 } = await vf.addLines(key, v === 0 ? [] : [[`v${v - 1}`]], lines);
      if (v === 0 || v === versions - 1 || v % 97 === 0) checks.push([key, sha1]);
      if (progressOut && (v + 1) % every === 0) stretch = reportProgress(v + 1, stretch);
    }
    await done();
    if (progressOut) reportProgress(versions, stretch, 'added');
    for (const [key, sha1] of checks) await readBack(vf, key, sha1);
    result.checked = checks.length;
    if (progressOut) reportProgress(versions, { at: versions, seconds: 0 }, `read back ${checks.length}`);
  }
  result.result = 'ok';
} catch (err) {
  result.result = err instanceof VersionedFilesError ? `typed error ${err.code}: ${err.message.slice(0, 160)}` : `UNTYPED ${err?.name}: ${String(err?.message).slice(0, 160)}`;
}
result.seconds = Math.round((performance.now() - started) / 100) / 10;
result.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
result.diskMiB = Math.round((diskSize(dir) / 1024 / 1024) * 10) / 10;
rmSync(dir, { recursive: true, force: true });
const line = JSON.stringify(result);
console.log(line);
if (jsonOut) appendFileSync(jsonOut, `${line}\n`);
