// A corpus from a git repository's history: entry point
// `buildGitCorpus(repo, maxBytes, maxFiles)`.
//
// Each file's own graph comes from `git log --topo-order --reverse --parents
// -- PATH` (git rewrites parents to the nearest commits that touched the path,
// merges included); its texts come from `git cat-file --batch` as
// `<commit>:<path>`. Files are taken most-changed first until `maxBytes`.
import { execFileSync } from 'node:child_process';
import { CorpusBuilder, escapeKeyElement } from './corpus.mjs';

const git = (repo, args, input) =>
  execFileSync('git', ['-C', repo, ...args], { input, maxBuffer: 1 << 30, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });

/** Paths with their number of commits, most changed first. */
function changedPaths(repo) {
  const out = git(repo, ['log', '--format=', '--name-only', '--no-renames', 'HEAD']).toString('utf8');
  const counts = new Map();
  for (const line of out.split('\n')) if (line) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([p]) => p);
}

/** Reads `<rev>:<path>` objects in one `cat-file --batch`; missing ones are null. */
function readBlobs(repo, specs) {
  const out = git(repo, ['cat-file', '--batch'], specs.map((s) => `${s}\n`).join(''));
  const blobs = [];
  let pos = 0;
  for (let i = 0; i < specs.length; i++) {
    const eol = out.indexOf(10, pos);
    const header = out.subarray(pos, eol).toString('utf8');
    pos = eol + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      blobs.push(null);
      continue;
    }
    const [, type, size] = header.split(' ');
    const length = Number(size);
    blobs.push(type === 'blob' ? new Uint8Array(out.subarray(pos, pos + length)) : null);
    pos += length + 1;
  }
  return blobs;
}

export function buildGitCorpus(repo, maxBytes, maxFiles = 500) {
  const builder = new CorpusBuilder();
  for (const path of changedPaths(repo).slice(0, maxFiles)) {
    if (builder.bytes >= maxBytes) break;
    const log = git(repo, ['log', '--topo-order', '--reverse', '--parents', '--format=%H %P', 'HEAD', '--', path]).toString('utf8');
    const commits = log.split('\n').filter(Boolean).map((l) => l.split(' '));
    const blobs = readBlobs(repo, commits.map(([c]) => `${c}:${path}`));
    const file = escapeKeyElement(path);
    commits.forEach(([commit, ...parents], i) => {
      const blob = blobs[i];
      if (blob) builder.addWithParents(file, commit, parents, blob);
    });
  }
  return builder.entries;
}
