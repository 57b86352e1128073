// Every subcommand through the built binary, on temporary stores: what it
// prints, its --json output, and its one-line errors and exit codes.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT } from '@versionedfiles/cli';
import { BIN, BUILD_TIMEOUT, buildCli, isOneLineError, removeTempDirs, tempDir, u8, vf, vfAsync } from './helpers.js';

// Each case runs the binary several times; a busy machine makes that slow.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
beforeAll(() => buildCli(), BUILD_TIMEOUT);
afterAll(() => removeTempDirs());

/** A store with a small history: r1 → r2 → r3, and r4 a second root. */
function storeWithHistory(format = 'knit'): string {
  const dir = nodePath.join(tempDir('store'), 's');
  expect(vf(['init', dir, '--format', format]).code).toBe(0);
  expect(vf(['add', 'r1', '-s', dir], { input: 'one\ntwo\nthree\n' }).code).toBe(0);
  expect(vf(['add', 'r2', '-p', 'r1', '-s', dir], { input: 'one\nTWO\nthree\n' }).code).toBe(0);
  expect(vf(['add', 'r3', '-p', 'r2', '-s', dir], { input: 'one\nTWO\nthree\nfour' }).code).toBe(0);
  expect(vf(['add', 'r4', '-s', dir], { input: 'other\n' }).code).toBe(0);
  return dir;
}

describe('vf help and usage', () => {
  it('lists every command', () => {
    const r = vf(['help']);
    expect(r.code).toBe(0);
    for (const c of ['init', 'add', 'cat', 'log', 'graph', 'annotate', 'diff', 'stats', 'check', 'inspect', 'convert', 'export-stream', 'import-stream', 'sync', 'serve', 'snapshot', 'demo']) {
      expect(r.stdout).toContain(`  ${c} `);
    }
    expect(vf(['help', 'add']).stdout).toContain('usage: vf add KEY');
  });

  it('an unknown command or option is a usage error', () => {
    const a = vf(['frobnicate']);
    expect(isOneLineError(a)).toBe(true);
    expect(a.code).toBe(EXIT.usage);
    const b = vf(['log', '--no-such-option']);
    expect(isOneLineError(b)).toBe(true);
    expect(b.code).toBe(EXIT.usage);
  });
});

const FORMATS = ['groupcompress', 'knit', 'knit-pack', 'weave'] as const;

describe.each(FORMATS)('vf on a %s store', (format) => {
  let dir = '';
  beforeAll(() => {
    dir = storeWithHistory(format);
  });

  it('init, add, cat, log, graph', () => {
    expect(readFileSync(nodePath.join(dir, 'vf-store.json'), 'utf8')).toContain(`"format":"${format}"`);
    const cat = vf(['cat', 'r3', '-s', dir]);
    expect(cat.code).toBe(0);
    expect(cat.stdout).toBe('one\nTWO\nthree\nfour');
    const log = vf(['log', '--json', '-s', dir]);
    const rows = JSON.parse(log.stdout) as { key: string[]; parents: string[][] }[];
    expect(rows.map((r) => r.key[0]).sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
    const order = rows.map((r) => r.key[0]);
    expect(order.indexOf('r1')).toBeLessThan(order.indexOf('r2'));
    expect(order.indexOf('r2')).toBeLessThan(order.indexOf('r3'));
    expect(rows.find((r) => r.key[0] === 'r3')?.parents).toEqual([['r2']]);
    const graph = vf(['graph', '-s', dir]);
    expect(graph.stdout).toContain('r3 <- r2');
    expect(vf(['graph', '--dot', '-s', dir]).stdout).toContain('"r2" -> "r1";');
  });

  it('annotate and diff', () => {
    const ann = JSON.parse(vf(['annotate', 'r3', '--json', '-s', dir]).stdout) as { origin: string[]; line: string }[];
    expect(ann.map((a) => a.line)).toEqual(['one\n', 'TWO\n', 'three\n', 'four']);
    expect(ann[1]?.origin).toEqual(['r2']);
    expect(ann[3]?.origin).toEqual(['r3']);
    const text = vf(['annotate', 'r3', '-s', dir]);
    expect(text.stdout.split('\n')[1]).toBe('r2 | TWO');
    const diff = vf(['diff', 'r1', 'r2', '-s', dir]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toBe('--- r1\n+++ r2\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n');
    expect(vf(['diff', 'r1', 'r1', '-s', dir]).code).toBe(0);
  });

  it('stats and check', () => {
    const stats = JSON.parse(vf(['stats', '--json', '-s', dir]).stdout) as { texts: number; fulltextBytes: number; storedBytes: number; format: string };
    expect(stats).toMatchObject({ texts: 4, fulltextBytes: 14 + 14 + 18 + 6, format });
    expect(stats.storedBytes).toBeGreaterThan(0);
    const check = vf(['check', '-s', dir]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('ok: 4 texts checked');
  });

  it('convert to the next format and sync between stores', () => {
    {
      const target = FORMATS[(FORMATS.indexOf(format) + 1) % FORMATS.length] as string;
      const out = nodePath.join(tempDir('convert'), target);
      const r = vf(['convert', dir, out, '--format', target]);
      expect(r.code, r.stderr).toBe(0);
      expect(vf(['cat', 'r3', '-s', out]).stdout).toBe('one\nTWO\nthree\nfour');
      expect(vf(['check', '-s', out]).code).toBe(0);
    }
    const other = nodePath.join(tempDir('sync'), 'dst');
    vf(['init', other, '--format', format]);
    vf(['add', 'r1', '-s', other], { input: 'one\ntwo\nthree\n' });
    const sync = vf(['sync', dir, other, '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ texts: 3 });
    expect(vf(['cat', 'r4', '-s', other]).stdout).toBe('other\n');
    expect(JSON.parse(vf(['sync', dir, other, '--json']).stdout)).toMatchObject({ texts: 0 });
  });
});

describe('bad input: one line on stderr and a non-zero exit', () => {
  let shared = '';
  beforeAll(() => {
    shared = storeWithHistory();
  });

  it('a missing store', () => {
    const missing = nodePath.join(tempDir('missing'), 'nowhere');
    for (const args of [['log'], ['cat', 'x'], ['add', 'x'], ['check'], ['annotate', 'x'], ['snapshot', 'log']]) {
      const r = vf([...args, '-s', missing]);
      expect(isOneLineError(r), `${args.join(' ')}: ${r.stderr}`).toBe(true);
      expect(r.code).toBe(EXIT.notFound);
      expect(r.stderr).toContain('vf init');
    }
    expect(isOneLineError(vf(['sync', missing, missing]))).toBe(true);
    expect(isOneLineError(vf(['convert', missing, `${missing}2`, '--format', 'knit']))).toBe(true);
  });

  it('an unknown key', () => {
    const dir = shared;
    for (const args of [['cat', 'nope'], ['annotate', 'nope'], ['diff', 'r1', 'nope']]) {
      const r = vf([...args, '-s', dir]);
      expect(isOneLineError(r), r.stderr).toBe(true);
      expect(r.code).toBe(EXIT.keyNotPresent);
    }
    const ghost = vf(['add', 'r9', '-p', 'nope', '-s', dir], { input: 'x\n' });
    expect(ghost.code).toBe(0); // knit stores allow ghost parents, as Breezy's
    const weave = nodePath.join(tempDir('weave'), 'w');
    vf(['init', weave, '--format', 'weave']);
    const r = vf(['add', 'r1', '-p', 'nope', '-s', weave], { input: 'x\n' });
    expect(isOneLineError(r)).toBe(true);
    expect(r.code).toBe(EXIT.keyNotPresent);
  });

  it('a bad key, a duplicate key, a second init', () => {
    const dir = shared;
    const bad = vf(['add', 'has space', '-s', dir], { input: 'x\n' });
    expect(isOneLineError(bad)).toBe(true);
    expect(bad.code).toBe(EXIT.badInput);
    const dup = vf(['add', 'r1', '-s', dir], { input: 'x\n' });
    expect(isOneLineError(dup)).toBe(true);
    expect(dup.code).toBe(EXIT.conflict);
    const again = vf(['init', dir]);
    expect(isOneLineError(again)).toBe(true);
    expect(again.code).toBe(EXIT.conflict);
    const fmt = vf(['init', `${dir}-x`, '--format', 'nonsense']);
    expect(fmt.code).toBe(EXIT.usage);
  });

  it('a corrupt store file', () => {
    const dir = storeWithHistory();
    const knit = nodePath.join(dir, 'data', 'texts.knit');
    const bytes = u8(readFileSync(knit));
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    writeFileSync(knit, bytes);
    for (const args of [['cat', 'r4'], ['check']]) {
      const r = vf([...args, '-s', dir]);
      expect(isOneLineError(r), r.stderr).toBe(true);
      expect(r.code).toBe(EXIT.corrupt);
    }
    truncateSync(knit, 10);
    const r = vf(['cat', 'r1', '-s', dir]);
    expect(isOneLineError(r), r.stderr).toBe(true);
    expect(r.code).toBe(EXIT.corrupt);
  });

  it('a corrupt index and a corrupt marker', () => {
    const dir = storeWithHistory();
    appendFileSync(nodePath.join(dir, 'data', 'texts.kndx'), '\nr5 fulltext 999999 10 0 :');
    const r = vf(['cat', 'r5', '-s', dir]);
    expect(isOneLineError(r), r.stderr).toBe(true);
    expect(r.code).toBe(EXIT.corrupt);
    writeFileSync(nodePath.join(dir, 'vf-store.json'), '{"vf": 1, "format": "zip"}');
    const m = vf(['log', '-s', dir]);
    expect(isOneLineError(m)).toBe(true);
    expect(m.code).toBe(EXIT.unsupported);
  });

  it('--json errors are JSON on stdout too', () => {
    const r = vf(['cat', 'x', '--json', '-s', nodePath.join(tempDir('j'), 'none')]);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'NotAStore' } });
    expect(isOneLineError(r)).toBe(true);
  });

  it('inspect of a missing or unknown file', () => {
    const dir = tempDir('inspect');
    const missing = vf(['inspect', nodePath.join(dir, 'none')]);
    expect(isOneLineError(missing)).toBe(true);
    expect(missing.code).toBe(EXIT.notFound);
    writeFileSync(nodePath.join(dir, 'junk'), 'hello world\n');
    const junk = vf(['inspect', nodePath.join(dir, 'junk')]);
    expect(isOneLineError(junk)).toBe(true);
    expect(junk.code).toBe(EXIT.unsupported);
  });

  it('sync from an unreachable URL, and a garbage byte stream', () => {
    const r = vf(['sync', 'http://127.0.0.1:9/', shared]);
    expect(isOneLineError(r), r.stderr).toBe(true);
    const g = vf(['import-stream', '-s', shared], { input: 'not a byte stream\n' });
    expect(isOneLineError(g), g.stderr).toBe(true);
    expect(g.code).toBe(EXIT.corrupt);
    const cut = vf(['export-stream', '-s', shared]).stdoutBytes;
    const target = nodePath.join(tempDir('cut'), 't');
    vf(['init', target]);
    const t = vf(['import-stream', '-s', target], { input: cut.subarray(0, cut.length - 30) });
    expect(isOneLineError(t), t.stderr).toBe(true);
    expect(t.code).toBe(EXIT.corrupt);
  });
});

describe('a failed write leaves the store as it was', () => {
  it('a refused add on a knit-pack store keeps every text', () => {
    const dir = storeWithHistory('knit-pack');
    const packs = (): string[] => readdirSync(nodePath.join(dir, 'data', 'packs')).sort();
    const before = packs();
    expect(vf(['add', 'r1', '-s', dir], { input: 'again\n' }).code).toBe(EXIT.conflict);
    expect(vf(['cat', 'r3', '-s', dir]).stdout).toBe('one\nTWO\nthree\nfour');
    expect(vf(['check', '-s', dir]).code).toBe(0);
    // The refused session added no pack and left nothing in upload/.
    expect(packs()).toEqual(before);
    expect(readdirSync(nodePath.join(dir, 'data', 'upload'))).toEqual([]);
    expect(existsSync(nodePath.join(dir, 'data', 'pack-names'))).toBe(true);
  });
});

describe('byte streams and HTTP', () => {
  it('export-stream | import-stream copies texts between formats', () => {
    const dir = storeWithHistory('knit');
    const stream = vf(['export-stream', '-s', dir]);
    expect(stream.code, stream.stderr).toBe(0);
    expect(new TextDecoder().decode(stream.stdoutBytes.subarray(0, 42))).toBe('Bazaar pack format 1 (introduced in 0.18)\n');
    // The byte stream is a pack container: the format name, then one record per text named (texts).
    const file = nodePath.join(tempDir('stream'), 'texts.stream');
    writeFileSync(file, stream.stdoutBytes);
    const dump = JSON.parse(vf(['inspect', '--json', file]).stdout) as { kind: string; records: { names: string[][] }[] };
    expect(dump.kind).toBe('pack');
    expect(dump.records.map((r) => r.names)).toEqual([[], [['texts']], [['texts']], [['texts']], [['texts']]]);
    const target = nodePath.join(tempDir('import'), 'w');
    vf(['init', target, '--format', 'weave']);
    const imported = vf(['import-stream', '-s', target, '--json'], { input: stream.stdoutBytes });
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ records: 4, missingCompressionParents: [] });
    expect(vf(['cat', 'r3', '-s', target]).stdout).toBe('one\nTWO\nthree\nfour');
    expect(vf(['check', '-s', target]).code).toBe(0);
    const some = vf(['export-stream', 'r1', '-s', dir]).stdoutBytes;
    expect(some.length).toBeLessThan(stream.stdoutBytes.length);
  });

  it('vf serve, and vf sync pulling from and pushing to it', async () => {
    const dir = storeWithHistory('knit');
    const server = spawn(process.execPath, [BIN, 'serve', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (m) resolve(m[0]);
        });
        server.once('exit', (code) => reject(new Error(`vf serve exited with ${code}`)));
      });
      const local = nodePath.join(tempDir('pull'), 'p');
      vf(['init', local, '--format', 'knit-pack']);
      const pull = await vfAsync(['sync', url, local, '--json']);
      expect(pull.code, pull.stderr).toBe(0);
      expect(JSON.parse(pull.stdout)).toMatchObject({ texts: 4 });
      expect(vf(['cat', 'r3', '-s', local]).stdout).toBe('one\nTWO\nthree\nfour');
      vf(['add', 'r5', '-p', 'r3', '-s', local], { input: 'five\n' });
      const push = await vfAsync(['sync', local, url, '--json']);
      expect(push.code, push.stderr).toBe(0);
      expect(JSON.parse(push.stdout)).toMatchObject({ texts: 1 });
    } finally {
      server.kill('SIGINT');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    expect(vf(['cat', 'r5', '-s', dir]).stdout).toBe('five\n');
    expect(vf(['check', '-s', dir]).code).toBe(0);
  });
});
