// The snapshot example through the built binary: a tree with text, binary,
// empty, duplicate and nested files and a symlink, changed over three
// snapshots; every snapshot restored byte for byte; identical content stored once.
import { mkdirSync, readFileSync, readdirSync, lstatSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT } from '@versionedfiles/cli';
import { BUILD_TIMEOUT, buildCli, isOneLineError, removeTempDirs, tempDir, u8, vf } from './helpers.js';
import { concatBytes } from '@versionedfiles/core';

// Each case runs the binary several times; a busy machine makes that slow.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
beforeAll(() => buildCli(), BUILD_TIMEOUT);
afterAll(() => removeTempDirs());

/** Every entry under `dir`: path → file bytes (hex), link target, or "dir". */
function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const a = nodePath.join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(a);
      if (st.isSymbolicLink()) out[r] = `link:${readlinkSync(a)}`;
      else if (st.isDirectory()) {
        out[r] = `dir:${(st.mode & 0o777).toString(8)}`;
        walk(a, r);
      } else out[r] = `file:${(st.mode & 0o777).toString(8)}:${readFileSync(a).toString('hex')}`;
    }
  };
  walk(dir, '');
  return out;
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('vf snapshot', () => {
  it('snapshots, logs, diffs and restores every snapshot byte for byte', () => {
    const root = tempDir('snap');
    const tree = nodePath.join(root, 'tree');
    const store = nodePath.join(root, 'store');
    mkdirSync(nodePath.join(tree, 'docs', 'deep'), { recursive: true });
    writeFileSync(nodePath.join(tree, 'README'), 'hello\nworld\n');
    writeFileSync(nodePath.join(tree, 'docs', 'copy-of-readme'), 'hello\nworld\n');
    writeFileSync(nodePath.join(tree, 'docs', 'deep', 'noeol.txt'), 'no newline at the end');
    writeFileSync(nodePath.join(tree, 'empty'), '');
    writeFileSync(nodePath.join(tree, 'data.bin'), bytes(300_000, 1), { mode: 0o600 });
    symlinkSync('README', nodePath.join(tree, 'link'));
    mkdirSync(nodePath.join(tree, 'empty-dir'));

    const states: Record<string, string>[] = [];
    const snap = (message: string): { id: string; newChunks: number; reusedChunks: number; files: number } => {
      const r = vf(['snapshot', 'create', tree, '-m', message, '-s', store, '--json']);
      expect(r.code, r.stderr).toBe(0);
      states.push(treeOf(tree));
      return JSON.parse(r.stdout) as { id: string; newChunks: number; reusedChunks: number; files: number };
    };

    const first = snap('first');
    expect(first).toMatchObject({ id: '1', files: 5 });
    // README and its copy are one chunk; the empty file has none.
    expect(first.newChunks).toBe(3);
    expect(first.reusedChunks).toBe(1);

    writeFileSync(nodePath.join(tree, 'README'), 'hello\nthere\nworld\n');
    rmSync(nodePath.join(tree, 'empty'));
    writeFileSync(nodePath.join(tree, 'docs', 'new.bin'), concatBytes([bytes(1000, 7), Uint8Array.of(0, 0, 10, 0)]));
    const second = snap('second: edit, delete, add');
    expect(second.id).toBe('2');

    const third = snap('third: nothing changed');
    expect(third.newChunks).toBe(0);

    const log = JSON.parse(vf(['snapshot', 'log', '-s', store, '--json']).stdout) as { id: string; message: string }[];
    expect(log.map((s) => [s.id, s.message])).toEqual([
      ['3', 'third: nothing changed'],
      ['2', 'second: edit, delete, add'],
      ['1', 'first'],
    ]);

    const diff = vf(['snapshot', 'diff', '1', '2', '--text', '-s', store]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('M README\n');
    expect(diff.stdout).toContain('D empty\n');
    expect(diff.stdout).toContain('A docs/new.bin\n');
    expect(diff.stdout).toContain('+there\n');
    expect(vf(['snapshot', 'diff', '2', '3', '-s', store]).code).toBe(0);

    states.forEach((state, i) => {
      const out = nodePath.join(root, `restored-${i + 1}`);
      const r = vf(['snapshot', 'restore', String(i + 1), out, '-s', store]);
      expect(r.code, r.stderr).toBe(0);
      expect(treeOf(out)).toEqual(state);
    });

    // The store is an ordinary vf store: check passes, and it holds each chunk once.
    expect(vf(['check', '-s', store]).code).toBe(0);
    const keys = JSON.parse(vf(['log', '-s', store, '--json']).stdout) as { key: string[] }[];
    expect(keys.filter((k) => k.key[0] === 'chunk')).toHaveLength(first.newChunks + second.newChunks);
  });

  it('refuses a non-empty restore target and an unknown snapshot, in one line', () => {
    const root = tempDir('snap-bad');
    const tree = nodePath.join(root, 'tree');
    mkdirSync(tree);
    writeFileSync(nodePath.join(tree, 'a'), 'a\n');
    const store = nodePath.join(root, 'store');
    expect(vf(['snapshot', 'create', tree, '-m', 'one', '-s', store]).code).toBe(0);
    const busy = vf(['snapshot', 'restore', '1', tree, '-s', store]);
    expect(isOneLineError(busy)).toBe(true);
    expect(busy.code).toBe(EXIT.usage);
    const unknown = vf(['snapshot', 'restore', '7', nodePath.join(root, 'out'), '-s', store]);
    expect(isOneLineError(unknown)).toBe(true);
    expect(unknown.code).toBe(EXIT.keyNotPresent);
    const noMessage = vf(['snapshot', 'create', tree, '-s', store]);
    expect(isOneLineError(noMessage)).toBe(true);
    expect(isOneLineError(vf(['snapshot', 'frob', '-s', store]))).toBe(true);
    // A damaged chunk is caught on restore, not written out as if good.
    const data = nodePath.join(store, 'data');
    const knit = readdirSync(data, { recursive: true }).map(String).find((f) => f.endsWith('chunk.knit'));
    expect(knit).toBeDefined();
    const file = nodePath.join(data, knit as string);
    const b = u8(readFileSync(file));
    b[b.length - 12] = (b[b.length - 12] ?? 0) ^ 0x55;
    writeFileSync(file, b);
    const corrupt = vf(['snapshot', 'restore', '1', nodePath.join(root, 'out2'), '-s', store]);
    expect(isOneLineError(corrupt), corrupt.stderr).toBe(true);
    expect(corrupt.code).toBe(EXIT.corrupt);
  });
});
