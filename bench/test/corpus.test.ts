// Corpus building from tiny fake sources: an npm-like registry of hand-made
// tarballs, and a throwaway git repository with a merge.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  corpusStats,
  escapeKeyElement,
  mostRevisedTips,
  readCorpus,
  sampleKeys,
  sha1,
  writeCorpus,
} from '../lib/corpus.mjs';
import { buildGitCorpus } from '../lib/git-source.mjs';
import { buildNpmCorpus } from '../lib/npm-source.mjs';
import { readTar } from '../lib/tar.mjs';
import { syntheticHistory, syntheticText } from '../lib/synthetic.mjs';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One ustar header block for an entry of `size` bytes and a type flag. */
function header(path: string, size: number, type: string): Uint8Array {
  const h = new Uint8Array(512);
  h.set(enc.encode(path.slice(0, 100)), 0);
  h.set(enc.encode('0000644\0'), 100);
  h.set(enc.encode(`${size.toString(8).padStart(11, '0')}\0`), 124);
  h[156] = type.charCodeAt(0);
  h.set(enc.encode('ustar\x0000'), 257);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  h.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  return h;
}

/** A ustar archive of the given files (what `npm pack` writes, minus metadata); long names get a pax header. */
function tar(files: Record<string, string>): Uint8Array {
  const blocks: Uint8Array[] = [];
  const entry = (path: string, data: Uint8Array, type: string) =>
    blocks.push(header(path, data.length, type), data, new Uint8Array((512 - (data.length % 512)) % 512));
  for (const [path, body] of Object.entries(files)) {
    if (path.length > 100) {
      const record = ` path=${path}\n`;
      let n = record.length + 1;
      while (String(n).length + record.length !== n) n += 1;
      entry('PaxHeader', enc.encode(`${n}${record}`), 'x');
    }
    entry(path, enc.encode(body), '0');
  }
  blocks.push(new Uint8Array(1024));
  return new Uint8Array(Buffer.concat(blocks));
}

/** A registry holding the given versions of one package, each a map of files. */
function fakeRegistry(pkg: string, versions: [string, Record<string, string>][]) {
  const asked: string[] = [];
  return {
    asked,
    versions: (name: string) => (name === pkg ? versions.map(([v]) => v) : []),
    *tarballs(name: string, wanted: string[]) {
      for (const v of wanted) {
        asked.push(v);
        const files = versions.find(([x]) => x === v)?.[1] ?? {};
        yield [v, gzipSync(tar(Object.fromEntries(Object.entries(files).map(([p, b]) => [`package/${p}`, b]))))] as const;
      }
    },
  };
}

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'vf-bench-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('npm corpus', () => {
  const registry = () =>
    fakeRegistry('demo', [
      ['1.0.0', { 'index.js': 'a\n', 'README.md': 'hi\n' }],
      ['1.1.0', { 'index.js': 'a\nb\n', 'README.md': 'hi\n' }],
      ['2.0.0', { 'index.js': 'a\nb\nc\n', 'README.md': 'hello\n', 'lib/new file.js': 'x' }],
    ]);

  it('makes a key per changed file version, its parent the previous changed version', () => {
    const entries = buildNpmCorpus(registry(), ['demo'], 1e9);
    const rows = entries.map((e: { key: string[]; parents: string[][]; text: Uint8Array; sha1: string }) => [
      e.key.join(' '),
      e.parents.map((p) => p.join(' ')),
      dec.decode(e.text),
    ]);
    expect(rows).toEqual([
      ['demo/README.md 1.0.0', [], 'hi\n'],
      ['demo/index.js 1.0.0', [], 'a\n'],
      ['demo/index.js 1.1.0', ['demo/index.js 1.0.0'], 'a\nb\n'],
      ['demo/README.md 2.0.0', ['demo/README.md 1.0.0'], 'hello\n'],
      ['demo/index.js 2.0.0', ['demo/index.js 1.1.0'], 'a\nb\nc\n'],
      ['demo/lib/new%20file.js 2.0.0', [], 'x'],
    ]);
    for (const e of entries) expect(e.sha1).toBe(sha1(e.text));
  });

  it('stops taking versions once the byte budget is reached', () => {
    const source = registry();
    const entries = buildNpmCorpus(source, ['demo'], 5);
    expect(entries.map((e: { key: string[] }) => e.key[1])).toEqual(['1.0.0', '1.0.0']);
    expect(corpusStats(entries).bytes).toBe(5);
  });

  it('round-trips through the cache files', () => {
    const dir = join(tmp(), 'corpus');
    const entries = buildNpmCorpus(registry(), ['demo'], 1e9);
    const corpus = writeCorpus(dir, 'demo', 'fake registry', entries);
    const again = readCorpus(dir);
    expect(again.entries.map((e: { key: string[] }) => e.key)).toEqual(entries.map((e: { key: string[] }) => e.key));
    expect(again.entries.map((e: { sha1: string }) => e.sha1)).toEqual(entries.map((e: { sha1: string }) => e.sha1));
    for (const [i, e] of again.entries.entries()) expect(dec.decode(corpus.textOf(e))).toBe(dec.decode(entries[i].text));
    expect(corpusStats(again.entries)).toEqual({ texts: 6, files: 3, bytes: 22, merges: 0 });
    expect(mostRevisedTips(again.entries, 1)).toEqual([['demo/index.js', '2.0.0']]);
    expect(sampleKeys(again.entries, 4, 3)).toEqual(sampleKeys(again.entries, 4, 3));
  });

  it('reads tar entries with long (pax) names, and refuses a truncated archive', () => {
    const long = `package/${'d/'.repeat(80)}f.js`;
    const archive = tar({ 'package/a.txt': 'A', [long]: 'deep' });
    const files = readTar(archive);
    expect(files.map((f: { path: string; data: Uint8Array }) => [f.path, dec.decode(f.data)])).toEqual([
      ['package/a.txt', 'A'],
      [long, 'deep'],
    ]);
    expect(() => readTar(archive.subarray(0, 600))).toThrow(/without its end/);
    expect(() => readTar(archive.subarray(0, 2560 + 2))).toThrow(/past the end/);
  });
});

describe('escapeKeyElement', () => {
  it('keeps printable ASCII and escapes space, percent and UTF-8', () => {
    expect(escapeKeyElement('a/b-c.js')).toBe('a/b-c.js');
    expect(escapeKeyElement('a b%é')).toBe('a%20b%25%C3%A9');
  });
});

describe('git corpus', () => {
  it('takes per-file parents from the history, merges included', () => {
    const repo = tmp();
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' }).trim();
    const commit = (file: string, body: string, message: string) => {
      writeFileSync(join(repo, file), body);
      git('add', file);
      git('commit', '-qm', message);
      return git('rev-parse', 'HEAD');
    };
    git('init', '-q', '-b', 'main');
    const base = commit('f.txt', 'one\n', 'base');
    commit('other.txt', 'unrelated\n', 'other');
    git('checkout', '-qb', 'side');
    const side = commit('f.txt', 'one\nside\n', 'side');
    git('checkout', '-q', 'main');
    const main = commit('f.txt', 'main\none\n', 'main');
    git('merge', '-q', '--no-ff', '--no-commit', 'side');
    writeFileSync(join(repo, 'f.txt'), 'main\none\nside\n');
    git('add', 'f.txt');
    git('commit', '-qm', 'merge');
    const merge = git('rev-parse', 'HEAD');

    const entries = buildGitCorpus(repo, 1e9);
    const f = entries.filter((e: { key: string[] }) => e.key[0] === 'f.txt');
    const byRev = new Map(f.map((e: { key: string[]; parents: string[][] }) => [e.key[1], e.parents.map((p) => p[1])]));
    expect(byRev.get(base)).toEqual([]);
    expect(byRev.get(side)).toEqual([base]);
    expect(byRev.get(main)).toEqual([base]);
    expect(new Set(byRev.get(merge))).toEqual(new Set([main, side]));
    // topological: every parent before its child
    const seen = new Set<string>();
    for (const e of entries) {
      for (const p of e.parents) expect(seen.has(p.join('\0'))).toBe(true);
      seen.add(e.key.join('\0'));
    }
    expect(dec.decode(f.at(-1).text)).toBe('main\none\nside\n');
    expect(entries.filter((e: { key: string[] }) => e.key[0] === 'other.txt')).toHaveLength(1);
  });
});

describe('synthetic corpora', () => {
  it('are seeded, topological, with branches and merges', () => {
    const a = syntheticHistory({ texts: 500, seed: 3 });
    const b = syntheticHistory({ texts: 500, seed: 3 });
    expect(a.map((e: { sha1: string }) => e.sha1)).toEqual(b.map((e: { sha1: string }) => e.sha1));
    const stats = corpusStats(a);
    expect(stats.texts).toBe(500);
    expect(stats.merges).toBeGreaterThan(0);
    const seen = new Set<string>();
    let branchPoints = 0;
    const children = new Map<string, number>();
    for (const e of a) {
      for (const p of e.parents) {
        expect(seen.has(p.join('\0'))).toBe(true);
        children.set(p.join('\0'), (children.get(p.join('\0')) ?? 0) + 1);
      }
      seen.add(e.key.join('\0'));
    }
    for (const n of children.values()) if (n > 1) branchPoints += 1;
    expect(branchPoints).toBeGreaterThan(0);
  });

  it('make one text of the asked size, in lines', () => {
    const text = syntheticText(10_000, 1);
    expect(text.length).toBe(10_000);
    expect(text.at(-1)).toBe(10);
    expect(sha1(text)).toBe(sha1(syntheticText(10_000, 1)));
  });
});
