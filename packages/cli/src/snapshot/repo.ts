// A small data-versioning tool on the VersionedFiles API: snapshots of a
// directory tree, each with a message, that can be listed, compared and
// restored byte for byte. It is the example for VCS authors: everything it
// stores is a text with a key and parents in an ordinary store.
//
// Entry points: `SnapshotRepo` (`new SnapshotRepo(vf)`, then `create`, `list`,
// `manifest`, `diff`, `restore`), `DEFAULT_CHUNK_SIZE`.
//
// What goes in the store (keys of two elements):
//   chunk/<sha1>   a piece of file content, at most `chunkSize` bytes, keyed by
//                  its sha1: identical files (and identical pieces of files)
//                  are stored once
//   snap/<n>       snapshot n's manifest (see manifest.ts); its parent is
//                  snapshot n-1, so manifests delta-compress against each other
// Files are read and written one chunk at a time, so memory stays bounded by
// the chunk size whatever the file size.

import { lstat, mkdir, open, readdir, readlink, realpath, symlink, chmod } from 'node:fs/promises';
import * as nodePath from 'node:path';
import {
  KeySet,
  concatBytes,
  RevisionNotPresent,
  Sha1Stream,
  fromUtf8,
  sha1Hex,
  splitLines,
  unifiedDiff,
  type Key,
  type Progress,
  type VersionedFiles,
} from '@versionedfiles/core';
import { CheckFailed, UsageError } from '../errors.js';
import { decodeManifest, encodeManifest, type Manifest, type ManifestEntry } from './manifest.js';

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
const CHUNK = 'chunk';
const SNAP = 'snap';

export interface SnapshotSummary {
  readonly id: string;
  readonly message: string;
  readonly time: string;
  readonly files: number;
  readonly bytes: number;
}

export interface CreateResult extends SnapshotSummary {
  /** Chunks written by this snapshot; the rest were already stored. */
  readonly newChunks: number;
  readonly reusedChunks: number;
}

export interface Change {
  readonly path: string;
  readonly change: 'added' | 'removed' | 'modified' | 'mode' | 'type';
}

export interface SnapshotDiff {
  readonly from: string;
  readonly to: string;
  readonly changes: readonly Change[];
}

export interface SnapshotOptions {
  readonly chunkSize?: number;
  /** The time recorded in new snapshots (default: now). */
  readonly now?: () => Date;
}

/** Texts we diff line by line: small, and without NUL bytes. */
const MAX_TEXT_DIFF = 1024 * 1024;

export class SnapshotRepo {
  readonly chunkSize: number;
  readonly #now: () => Date;

  constructor(
    readonly vf: VersionedFiles,
    options: SnapshotOptions = {},
  ) {
    if (vf.keyLength !== 2) throw new UsageError('a snapshot store has keys of 2 elements: create it with `vf init DIR --key-length 2`');
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.#now = options.now ?? (() => new Date());
  }

  /** Snapshot ids, oldest first. */
  async ids(): Promise<string[]> {
    const ids: number[] = [];
    for (const key of await this.vf.keys()) if (key[0] === SNAP) ids.push(Number(key[1]));
    return ids.sort((a, b) => a - b).map(String);
  }

  async manifest(id: string): Promise<Manifest> {
    return decodeManifest(await this.#text([SNAP, id]), id);
  }

  async list(): Promise<SnapshotSummary[]> {
    const out: SnapshotSummary[] = [];
    for (const id of await this.ids()) out.push(summarise(id, await this.manifest(id)));
    return out;
  }

  /** Snapshots the tree at `root` (skipping `exclude`, e.g. the store inside it). */
  async create(root: string, message: string, options: { readonly exclude?: readonly string[]; readonly progress?: Progress } = {}): Promise<CreateResult> {
    const known = new KeySet([...(await this.vf.keys())].filter((k) => k[0] === CHUNK));
    const excluded = new Set(await Promise.all((options.exclude ?? []).map((p) => realpath(p).catch(() => nodePath.resolve(p)))));
    const entries: ManifestEntry[] = [];
    let newChunks = 0;
    let reusedChunks = 0;
    let done = 0;
    const walk = async (dir: string, rel: string): Promise<void> => {
      const names = (await readdir(dir)).sort();
      for (const name of names) {
        const abs = nodePath.join(dir, name);
        const path = rel ? `${rel}/${name}` : name;
        if (excluded.has(await realpath(abs).catch(() => abs))) continue;
        const st = await lstat(abs);
        if (st.isSymbolicLink()) {
          entries.push({ type: 'link', path, target: await readlink(abs) });
        } else if (st.isDirectory()) {
          entries.push({ type: 'dir', path, mode: st.mode & 0o7777 });
          await walk(abs, path);
        } else if (st.isFile()) {
          const stored = await this.#storeFile(abs, known);
          newChunks += stored.newChunks;
          reusedChunks += stored.chunks.length - stored.newChunks;
          entries.push({ type: 'file', path, mode: st.mode & 0o7777, size: stored.size, sha1: stored.sha1, chunks: stored.chunks });
          options.progress?.({ phase: 'snapshot files', done: ++done, total: null });
        }
      }
    };
    await walk(root, '');
    const ids = await this.ids();
    const last = ids[ids.length - 1];
    const id = String(last === undefined ? 1 : Number(last) + 1);
    const manifest: Manifest = { message, time: this.#now().toISOString(), entries };
    await this.vf.addLines([SNAP, id], last === undefined ? [] : [[SNAP, last]], encodeManifest(manifest));
    return { ...summarise(id, manifest), newChunks, reusedChunks };
  }

  /** Stores a file's new chunks, reading it one chunk at a time. */
  async #storeFile(path: string, known: KeySet): Promise<{ size: number; sha1: string; chunks: string[]; newChunks: number }> {
    const handle = await open(path, 'r');
    const whole = new Sha1Stream();
    const chunks: string[] = [];
    let newChunks = 0;
    try {
      for (;;) {
        const piece = await readFull(handle, this.chunkSize);
        if (piece.length === 0) break;
        whole.update(piece);
        const sha1 = sha1Hex(piece);
        chunks.push(sha1);
        const key: Key = [CHUNK, sha1];
        if (!known.has(key)) {
          await this.vf.addLines(key, [], splitLines(piece));
          // Chunks are never delta bases; a store need not keep them in its caches.
          this.vf.clearCache();
          known.add(key);
          newChunks++;
        }
        if (piece.length < this.chunkSize) break;
      }
    } finally {
      await handle.close();
    }
    return { size: whole.size, sha1: whole.digest(), chunks, newChunks };
  }

  async diff(from: string, to: string, options: { readonly text?: boolean } = {}): Promise<SnapshotDiff & { readonly patch: string }> {
    const a = byPath((await this.manifest(from)).entries);
    const b = byPath((await this.manifest(to)).entries);
    const changes: Change[] = [];
    const patch: string[] = [];
    const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
    for (const path of paths) {
      const x = a.get(path);
      const y = b.get(path);
      if (x === undefined) changes.push({ path, change: 'added' });
      else if (y === undefined) changes.push({ path, change: 'removed' });
      else if (x.type !== y.type) changes.push({ path, change: 'type' });
      else if (x.type === 'file' && y.type === 'file') {
        if (x.sha1 !== y.sha1) {
          changes.push({ path, change: 'modified' });
          if (options.text) patch.push(await this.#textDiff(path, x, y));
        } else if (x.mode !== y.mode) changes.push({ path, change: 'mode' });
      } else if (x.type === 'link' && y.type === 'link' && x.target !== y.target) changes.push({ path, change: 'modified' });
      else if (x.type === 'dir' && y.type === 'dir' && x.mode !== y.mode) changes.push({ path, change: 'mode' });
    }
    return { from, to, changes, patch: patch.join('') };
  }

  async #textDiff(path: string, x: FileEntry, y: FileEntry): Promise<string> {
    if (x.size > MAX_TEXT_DIFF || y.size > MAX_TEXT_DIFF) return `Binary or large file ${path} differs\n`;
    const left = await this.#fileBytes(x);
    const right = await this.#fileBytes(y);
    if (left.includes(0) || right.includes(0)) return `Binary file ${path} differs\n`;
    return unifiedDiff(splitLines(left), splitLines(right), { fromFile: `a/${path}`, toFile: `b/${path}` }).map(fromUtf8).join('');
  }

  async #fileBytes(entry: FileEntry): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (const sha1 of entry.chunks) parts.push(await this.#text([CHUNK, sha1]));
    return concatBytes(parts);
  }

  /** Writes snapshot `id` into `dest` (which must be empty or missing), checking every file's sha1. */
  async restore(id: string, dest: string, options: { readonly progress?: Progress } = {}): Promise<SnapshotSummary> {
    const manifest = await this.manifest(id);
    await mkdir(dest, { recursive: true });
    if ((await readdir(dest)).length > 0) throw new UsageError(`${dest} is not empty; restore into a new directory`);
    let done = 0;
    const files = manifest.entries.filter((e) => e.type === 'file').length;
    for (const entry of manifest.entries) {
      const abs = nodePath.join(dest, ...entry.path.split('/'));
      if (!abs.startsWith(nodePath.resolve(dest) + nodePath.sep) && !abs.startsWith(dest + nodePath.sep)) {
        throw new CheckFailed(`snapshot ${id} names a path outside the tree: ${JSON.stringify(entry.path)}`);
      }
      if (entry.type === 'dir') await mkdir(abs, { recursive: true });
      else if (entry.type === 'link') await symlink(entry.target, abs);
      else {
        await mkdir(nodePath.dirname(abs), { recursive: true });
        await this.#writeFile(entry, abs);
        await chmod(abs, entry.mode);
        options.progress?.({ phase: 'restore files', done: ++done, total: files });
      }
    }
    for (const entry of manifest.entries) if (entry.type === 'dir') await chmod(nodePath.join(dest, ...entry.path.split('/')), entry.mode);
    return summarise(id, manifest);
  }

  async #writeFile(entry: FileEntry, abs: string): Promise<void> {
    const handle = await open(abs, 'wx');
    const check = new Sha1Stream();
    try {
      for (const sha1 of entry.chunks) {
        for await (const record of this.vf.getRecordStream([[CHUNK, sha1]], 'unordered', true)) {
          if (record.storageKind === 'absent') throw new RevisionNotPresent(record.key);
          // One write per chunk: records hand out lines, far too small to write one by one.
          const data = concatBytes(record.getBytesAs('chunked'));
          check.update(data);
          await handle.write(data);
        }
        this.vf.clearCache();
      }
    } finally {
      await handle.close();
    }
    if (check.size !== entry.size || check.digest() !== entry.sha1) {
      throw new CheckFailed(`restored ${entry.path} does not match its recorded sha1 ${entry.sha1}`);
    }
  }

  async #text(key: Key): Promise<Uint8Array> {
    for await (const record of this.vf.getRecordStream([key], 'unordered', true)) {
      if (record.storageKind === 'absent') break;
      return record.getBytesAs('fulltext');
    }
    throw new RevisionNotPresent(key);
  }
}

type FileEntry = Extract<ManifestEntry, { type: 'file' }>;

function byPath(entries: readonly ManifestEntry[]): Map<string, ManifestEntry> {
  return new Map(entries.map((e) => [e.path, e]));
}

function summarise(id: string, manifest: Manifest): SnapshotSummary {
  let files = 0;
  let bytes = 0;
  for (const e of manifest.entries) {
    if (e.type !== 'file') continue;
    files++;
    bytes += e.size;
  }
  return { id, message: manifest.message, time: manifest.time, files, bytes };
}

/** Reads up to `size` bytes, fewer only at the end of the file. */
async function readFull(handle: import('node:fs/promises').FileHandle, size: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === size ? buffer : buffer.subarray(0, filled);
}
