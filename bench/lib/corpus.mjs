// The corpus every runner reads: texts with keys and a per-file parent DAG.
//
// Entry points: `CorpusBuilder` (collects versions of files, keeping a new
// text only when a file changed, its parent the file's previous text),
// `writeCorpus` / `readCorpus` (the on-disk form in the cache), `escapeKeyElement`,
// `corpusStats`, `mostRevisedTips`, `sampleKeys`.
//
// On disk a corpus is a directory with `texts.bin` (every fulltext, one after
// the other) and `index.json` ({ name, source, entries: [{ key, parents,
// offset, length, sha1 }] } in topological order). Both our runner and the
// Breezy script read exactly these two files, so both sides see the same texts.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const sha1 = (bytes) => createHash('sha1').update(bytes).digest('hex');

/**
 * Key elements may not hold whitespace, NUL or control bytes in every format
 * (knit indices are space separated), so anything outside printable ASCII, and
 * `%` itself, is written as %XX of its UTF-8 bytes.
 */
export function escapeKeyElement(text) {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    if (byte > 0x20 && byte < 0x7f && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return out;
}

/** Collects file versions in history order into corpus entries. */
export class CorpusBuilder {
  /** @type {{key: string[], parents: string[][], text: Uint8Array, sha1: string}[]} */
  entries = [];
  /** file -> { key, sha1 } of its latest text, for the linear (npm) case */
  #latest = new Map();
  /** `${file}\0${revision}` -> key of the text that file had at that revision */
  #byRevision = new Map();
  bytes = 0;

  /**
   * A version of `file` at `revision` after the file's previous version (npm:
   * one release after another). Unchanged texts add nothing.
   */
  addLinear(file, revision, text) {
    const prev = this.#latest.get(file);
    const digest = sha1(text);
    if (prev && prev.sha1 === digest) return false;
    const key = [file, revision];
    this.#push(key, prev ? [prev.key] : [], text, digest);
    this.#latest.set(file, { key, sha1: digest });
    return true;
  }

  /**
   * A version of `file` at `revision` whose parents are the file's texts at
   * the given parent revisions (git: per-file history with merges). Parent
   * revisions with no text for this file are skipped.
   */
  addWithParents(file, revision, parentRevisions, text) {
    const parents = [];
    for (const rev of parentRevisions) {
      const key = this.#byRevision.get(`${file}\0${rev}`);
      if (key && !parents.some((p) => p[1] === key[1])) parents.push(key);
    }
    const key = [file, revision];
    this.#push(key, parents, text, sha1(text));
    this.#byRevision.set(`${file}\0${revision}`, key);
  }

  #push(key, parents, text, digest) {
    this.entries.push({ key, parents, text, sha1: digest });
    this.bytes += text.length;
  }
}

/** Writes a corpus atomically (a temp directory renamed into place). */
export function writeCorpus(dir, name, source, entries) {
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  let offset = 0;
  const index = [];
  const chunks = [];
  for (const e of entries) {
    index.push({ key: e.key, parents: e.parents, offset, length: e.text.length, sha1: e.sha1 });
    chunks.push(e.text);
    offset += e.text.length;
  }
  writeFileSync(join(tmp, 'texts.bin'), Buffer.concat(chunks));
  writeFileSync(join(tmp, 'index.json'), JSON.stringify({ name, source, entries: index }));
  renameSync(tmp, dir);
  return readCorpus(dir);
}

export const corpusExists = (dir) => existsSync(join(dir, 'index.json')) && existsSync(join(dir, 'texts.bin'));

/** Reads a corpus: `{ name, source, entries, texts }`; `textOf(entry)` slices the text. */
export function readCorpus(dir) {
  const meta = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  // A view of the file's buffer, not a copy: a copy left the read buffer as
  // garbage, counted in our side's peak RSS until a GC (Breezy's holds one).
  const file = readFileSync(join(dir, 'texts.bin'));
  const texts = new Uint8Array(file.buffer, file.byteOffset, file.length);
  return { ...meta, dir, texts, textOf: (e) => texts.subarray(e.offset, e.offset + e.length) };
}

/** Counts for the report: texts, files, bytes, merges. */
export function corpusStats(entries) {
  const files = new Set(entries.map((e) => e.key[0]));
  let bytes = 0;
  let merges = 0;
  for (const e of entries) {
    bytes += e.length ?? e.text.length;
    if (e.parents.length > 1) merges += 1;
  }
  return { texts: entries.length, files: files.size, bytes, merges };
}

/** The last (tip) key of each of the `count` files with the most texts. */
export function mostRevisedTips(entries, count) {
  const byFile = new Map();
  for (const e of entries) {
    const f = byFile.get(e.key[0]) ?? { n: 0, tip: e.key };
    f.n += 1;
    f.tip = e.key;
    byFile.set(e.key[0], f);
  }
  return [...byFile.values()]
    .sort((a, b) => b.n - a.n || (a.tip[0] < b.tip[0] ? -1 : 1))
    .slice(0, count)
    .map((f) => f.tip);
}

/** A seeded pseudo-random generator (32-bit LCG, good enough for sampling). */
export function rng(seed) {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return n === undefined ? s : s % n;
  };
}

/** `count` keys drawn (seeded, with repeats) from the corpus, for lookups. */
export function sampleKeys(entries, count, seed = 7) {
  const next = rng(seed);
  const out = [];
  for (let i = 0; i < count && entries.length > 0; i++) out.push(entries[next(entries.length)].key);
  return out;
}
