// Real histories for the demo: every version of a repository's most-changed
// files, read from git (one `git cat-file --batch` for all texts), or the
// sample bundled with the package when there is no git history at hand.
//
// Entry points: `gitHistory(dir, limits)`, `sampleHistory()`, `HistoryText`.
//
// Each file's versions form the DAG git gives that file (`rev-list --parents`
// with path limiting: parents rewritten to the nearest commits touching it);
// keys are `[path, commit]`.

import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { utf8, type Key } from '@versionedfiles/core';

const run = promisify(execFile);

export interface HistoryText {
  readonly key: Key;
  readonly parents: readonly Key[];
  readonly text: Uint8Array;
}

export interface History {
  readonly source: string;
  /** Parents before children. */
  readonly texts: readonly HistoryText[];
}

export interface HistoryLimits {
  readonly files?: number;
  readonly versionsPerFile?: number;
}

async function git(dir: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', dir, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Blobs for `commit:path` specs, through one `git cat-file --batch`; null where the file is missing. */
async function catFiles(dir: string, specs: readonly string[]): Promise<(Uint8Array | null)[]> {
  const child = spawn('git', ['-C', dir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.end(specs.map((s) => `${s}\n`).join(''));
  const parts: Uint8Array[] = [];
  for await (const chunk of child.stdout) parts.push(chunk as Uint8Array);
  const all = Buffer.concat(parts);
  const out: (Uint8Array | null)[] = [];
  let pos = 0;
  for (const spec of specs) {
    const nl = all.indexOf(0x0a, pos);
    if (nl < 0) throw new Error(`git cat-file stopped before ${spec}`);
    const header = all.subarray(pos, nl).toString('utf8');
    const fields = header.split(' ');
    if (fields[fields.length - 1] === 'missing') {
      out.push(null);
      pos = nl + 1;
      continue;
    }
    if (fields[1] !== 'blob') throw new Error(`git cat-file: ${spec}: ${header}`);
    const size = Number(fields[2]);
    out.push(new Uint8Array(all.subarray(nl + 1, nl + 1 + size)));
    pos = nl + 1 + size + 1;
  }
  return out;
}

/** The history of the most-changed files of the git work tree at `dir`, or null when there is none. */
export async function gitHistory(dir: string, limits: HistoryLimits = {}): Promise<History | null> {
  let top: string;
  try {
    top = (await git(dir, ['rev-parse', '--show-toplevel'])).trim();
    await git(top, ['rev-parse', '--verify', 'HEAD']);
  } catch {
    return null;
  }
  const counts = new Map<string, number>();
  for (const name of (await git(top, ['log', '--format=', '--name-only', '--diff-filter=AM', 'HEAD'])).split('\n')) {
    if (name && /\.(ts|md|py|json|mjs)$/.test(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const files = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limits.files ?? 12).map(([f]) => f);
  const maxVersions = limits.versionsPerFile ?? 40;
  const texts: { key: Key; parents: Key[]; spec: string }[] = [];
  for (const path of files) {
    const lines = (await git(top, ['rev-list', '--topo-order', '--reverse', '--parents', 'HEAD', '--', path])).trim().split('\n');
    const rows = lines.slice(-maxVersions).map((l) => l.split(' '));
    const kept = new Set(rows.map((r) => r[0]));
    for (const [commit, ...parents] of rows) {
      if (commit === undefined) continue;
      texts.push({ key: [path, commit.slice(0, 12)], parents: parents.filter((p) => kept.has(p)).map((p) => [path, p.slice(0, 12)]), spec: `${commit}:${path}` });
    }
  }
  const blobs = await catFiles(top, texts.map((t) => t.spec));
  // A commit that deleted the file has no text: drop it, and it as a parent.
  const present = new Set(texts.filter((_, i) => blobs[i]).map((t) => t.key.join('\0')));
  const out: HistoryText[] = [];
  texts.forEach((t, i) => {
    const text = blobs[i];
    if (text) out.push({ key: t.key, parents: t.parents.filter((p) => present.has(p.join('\0'))), text });
  });
  return { source: `git history of ${top}`, texts: out };
}

interface SampleFile {
  readonly source: string;
  readonly texts: readonly { readonly key: readonly string[]; readonly parents: readonly (readonly string[])[]; readonly text: string }[];
}

/** The small history bundled with the package (packages/cli/sample/history.json). */
export async function sampleHistory(): Promise<History> {
  const url = new URL('../../sample/history.json', import.meta.url);
  const sample = JSON.parse(await readFile(url, 'utf8')) as SampleFile;
  return { source: sample.source, texts: sample.texts.map((t) => ({ key: t.key, parents: t.parents, text: utf8(t.text) })) };
}
