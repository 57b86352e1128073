// Reference points on the same texts, for scale: entry points `gitReference`
// (a fresh repository holding every text as a blob, in one commit whose paths
// end in the file's name so git's delta search pairs versions of one file;
// then `git repack -adf --window=250 --depth=50`: pack bytes and time),
// `gzipReference` (gzip -6 of the concatenated fulltexts: bytes and time) and
// `machineLimits` (inflate and memcpy throughput: nothing reads faster).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync, gzipSync } from 'node:zlib';

/** git fast-import input: every text a blob, one commit naming each `v/<version>/<file>`. */
export function fastImportStream(corpus) {
  const parts = [];
  const enc = new TextEncoder();
  corpus.entries.forEach((e, i) => {
    const text = corpus.textOf(e);
    parts.push(enc.encode(`blob\nmark :${i + 1}\ndata ${text.length}\n`), text, enc.encode('\n'));
  });
  const header = 'commit refs/heads/main\ncommitter bench <bench@example.com> 0 +0000\ndata 6\ncorpus\n';
  const tree = corpus.entries.map((e, i) => `M 100644 :${i + 1} v/${e.key[1]}/${e.key[0]}\n`).join('');
  parts.push(enc.encode(header + tree + '\n'));
  return Buffer.concat(parts);
}

export function gitReference(corpus) {
  const dir = mkdtempSync(join(tmpdir(), 'vf-bench-git-'));
  try {
    const git = (args, input) => execFileSync('git', ['-C', dir, ...args], { input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
    git(['init', '-q']);
    git(['fast-import', '--quiet'], fastImportStream(corpus));
    const t0 = performance.now();
    git(['repack', '-adfq', '--window=250', '--depth=50']);
    const ms = performance.now() - t0;
    const packDir = join(dir, '.git', 'objects', 'pack');
    const bytes = readdirSync(packDir)
      .filter((f) => f.endsWith('.pack'))
      .reduce((n, f) => n + statSync(join(packDir, f)).size, 0);
    return { ms, bytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timed(fn) {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

export function gzipReference(corpus) {
  const { ms, result } = timed(() => gzipSync(corpus.texts, { level: 6 }));
  return { ms, bytes: result.length, gz: result };
}

/** Throughput in MB/s of inflating the gzip of the corpus, and of copying its bytes. */
export function machineLimits(corpus, gz) {
  const MB = corpus.texts.length / 1e6;
  const inflate = Math.min(...[0, 1, 2].map(() => timed(() => gunzipSync(gz)).ms));
  const copy = Math.min(...[0, 1, 2].map(() => timed(() => new Uint8Array(corpus.texts)).ms));
  return { inflateMBps: MB / (inflate / 1000), memcpyMBps: MB / (copy / 1000) };
}
