// LocalTransport: a directory on the local disk, through node:fs/promises.
//
// `put` writes a temporary file beside the target and renames it into place
// (fsync of the file and its directory when asked), so readers see the old or
// the new content, never a mix. `append` returns the offset it wrote at; appends
// to one file from this process are serialised, because two interleaved
// "size, then write" steps would report wrong offsets. OS errors become the
// library's typed errors.
//
// Symbolic links are the other way out of a directory: by default a path whose
// real location is outside the root (a link to elsewhere, or a link we cannot
// resolve) is refused with `PathOutsideRoot`, as `..` is; `followSymlinksOutside`
// restores Breezy's behaviour of following them. The check resolves paths just
// before the operation, so it guards against a hostile store's contents, not
// against a concurrent attacker swapping directories mid-call; for the same
// reason a path found inside stays trusted until this transport (or a clone)
// renames or deletes something.
//
// Entry points: `LocalTransport` (`new LocalTransport(directory, options)`).

import { randomBytes } from 'node:crypto';
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { FileExists, NoSuchFile, PathOutsideRoot, ShortRead, VersionedFilesError } from '../errors.js';
import { BaseTransport } from './base.js';
import type { DirEntry, RandomAccessFile } from './base.js';
import { InvalidPath, joinPath, normalisePath } from './path.js';
import type { FileStat, Transport } from './transport.js';
import { TransportError } from './transport.js';

type Operation = 'read' | 'write' | 'rename' | 'delete' | 'rmdir' | 'mkdir' | 'list';

/** Turns an OS error into the library's error for `path`. */
function translate(err: unknown, path: string, operation: Operation): unknown {
  if (err instanceof VersionedFilesError) return err;
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return new NoSuchFile(path, { cause: err });
    case 'EEXIST':
    case 'ENOTEMPTY':
      return operation === 'rmdir'
        ? new TransportError(path, 'notEmpty', code, { cause: err })
        : new FileExists(path, { cause: err });
    case 'EISDIR':
      return new TransportError(path, 'isDirectory', code, { cause: err });
    case 'ENOTDIR':
      return new TransportError(path, 'notDirectory', code, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new TransportError(path, 'permission', code, { cause: err });
    case 'ENAMETOOLONG':
      return new InvalidPath(path, 'the file system refused the name as too long');
    case 'EINVAL':
      return new TransportError(path, 'invalidOperation', code, { cause: err });
    default:
      return new TransportError(path, 'io', code ?? String(err), { cause: err });
  }
}

// Serialises appends per absolute file across every LocalTransport in this process.
const appendQueues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = appendQueues.get(key) ?? Promise.resolve();
  const run = previous.then(work, work);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  appendQueues.set(key, settled);
  void settled.then(() => {
    if (appendQueues.get(key) === settled) appendQueues.delete(key);
  });
  return run;
}

async function writeAll(handle: fs.FileHandle, chunks: readonly Uint8Array[]): Promise<void> {
  for (const chunk of chunks) {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, done, chunk.length - done);
      done += bytesWritten;
    }
  }
}

/** Appends to `absolute` with synchronous calls; returns the offset written at. */
function appendSync(absolute: string, chunks: readonly Uint8Array[], path: string): number {
  let fd: number;
  try {
    fd = fsSync.openSync(absolute, 'a');
  } catch (err) {
    throw translate(err, path, 'write');
  }
  try {
    const start = fsSync.fstatSync(fd).size;
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.length) done += fsSync.writeSync(fd, chunk, done, chunk.length - done);
    }
    return start;
  } catch (err) {
    throw translate(err, path, 'write');
  } finally {
    fsSync.closeSync(fd);
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or sync a directory; the rename is still done.
  } finally {
    await handle?.close();
  }
}

function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

export interface LocalTransportOptions {
  /** Follow symbolic links whose target is outside the root (Breezy does). Default false. */
  readonly followSymlinksOutside?: boolean;
}

/**
 * Refuses paths whose real location is outside a root directory. A verdict
 * of "inside" for a path that exists is remembered (per path and per
 * `followsLast`), so a store reading and appending to the same files pays
 * for the realpath calls once; any rename or delete through a transport
 * sharing this fence forgets every verdict, since it may move a link into a
 * checked name.
 */
class SymlinkFence {
  #rootReal: string | undefined;
  readonly #inside = [new Set<string>(), new Set<string>()];

  constructor(readonly root: string) {}

  /** Drops every remembered verdict. */
  forget(): void {
    for (const set of this.#inside) set.clear();
  }

  async #real(): Promise<string | null> {
    if (this.#rootReal === undefined) {
      try {
        this.#rootReal = await fs.realpath(this.root);
      } catch {
        return null; // The root does not exist (yet); the operation itself will say so.
      }
    }
    return this.#rootReal;
  }

  /**
   * Checks where `absolute` really is. `followsLast`: the operation follows a
   * link in the last segment (open, stat, list); otherwise only its directory counts.
   */
  async check(absolute: string, followsLast: boolean, path: string): Promise<void> {
    const known = this.#inside[followsLast ? 1 : 0] as Set<string>;
    if (known.has(absolute)) return;
    const rootReal = await this.#real();
    if (rootReal === null) return;
    let real: string | null = null;
    if (followsLast) {
      real = await fs.realpath(absolute).catch(() => null);
      // A link we cannot resolve might be created through, somewhere else.
      if (real === null && (await fs.lstat(absolute).then((s) => s.isSymbolicLink(), () => false))) {
        throw new PathOutsideRoot(path);
      }
    }
    // Only a path that exists is remembered: a missing one may yet become a link.
    const exists = real !== null || !followsLast;
    if (real === null) {
      const parent = await fs.realpath(nodePath.dirname(absolute)).catch(() => null);
      if (parent === null) return; // A missing directory: the operation fails with NoSuchFile.
      real = nodePath.join(parent, nodePath.basename(absolute));
    }
    if (real !== rootReal && !real.startsWith(rootReal.endsWith(nodePath.sep) ? rootReal : rootReal + nodePath.sep)) {
      throw new PathOutsideRoot(path);
    }
    if (exists) known.add(absolute);
  }
}

export class LocalTransport extends BaseTransport {
  readonly base: string;
  readonly #root: string;
  #fence: SymlinkFence | null;

  constructor(directory: string, options: LocalTransportOptions = {}) {
    super();
    this.#root = nodePath.resolve(directory);
    this.base = this.#root;
    this.#fence = options.followSymlinksOutside ? null : new SymlinkFence(this.#root);
  }

  protected override checkPath(path: string): string {
    const p = normalisePath(path);
    // On Windows these would start a new directory or name a drive or stream.
    if (process.platform === 'win32' && /[\\:]/.test(p)) throw new InvalidPath(path, 'contains "\\" or ":"');
    return p;
  }

  #abs(path: string): string {
    return path === '' ? this.#root : nodePath.join(this.#root, ...path.split('/'));
  }

  /** The absolute path for `path`, once the symlink fence has let it through. */
  async #inside(path: string, followsLast: boolean): Promise<string> {
    const absolute = this.#abs(path);
    await this.#fence?.check(absolute, followsLast, path);
    return absolute;
  }

  protected async readFile(path: string): Promise<Uint8Array> {
    try {
      const data = await fs.readFile(await this.#inside(path, true));
      return new Uint8Array(data.buffer, data.byteOffset, data.length);
    } catch (err) {
      throw translate(err, path, 'read');
    }
  }

  // Reads for readv and appends without fsync use synchronous calls inside the
  // async methods: each is one short syscall on a local file, and a thread-pool
  // round trip per call (open, stat, read or write, close) costs more than the
  // work itself, far more on a busy machine.

  protected async openRead(path: string): Promise<RandomAccessFile> {
    let fd: number;
    let size: number;
    try {
      fd = fsSync.openSync(await this.#inside(path, true), 'r');
    } catch (err) {
      throw translate(err, path, 'read');
    }
    try {
      const stat = fsSync.fstatSync(fd);
      if (stat.isDirectory()) throw new TransportError(path, 'isDirectory');
      size = stat.size;
    } catch (err) {
      fsSync.closeSync(fd);
      throw err instanceof TransportError ? err : translate(err, path, 'read');
    }
    return {
      size,
      read: async (offset, length) => {
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const bytesRead = fsSync.readSync(fd, out, done, length - done, offset + done);
          if (bytesRead === 0) throw new ShortRead(path, offset, length, done);
          done += bytesRead;
        }
        return out;
      },
      close: async () => fsSync.closeSync(fd),
    };
  }

  protected async writeAtomic(path: string, chunks: readonly Uint8Array[], fsync: boolean): Promise<void> {
    const target = await this.#inside(path, false);
    const temp = nodePath.join(nodePath.dirname(target), `.tmp-${process.pid}-${randomSuffix()}`);
    try {
      const handle = await fs.open(temp, 'wx');
      try {
        await writeAll(handle, chunks);
        if (fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, target);
    } catch (err) {
      await fs.unlink(temp).catch(() => undefined);
      throw translate(err, path, 'write');
    }
    if (fsync) await fsyncDirectory(nodePath.dirname(target));
  }

  protected appendChunks(path: string, chunks: readonly Uint8Array[], fsync: boolean): Promise<number> {
    const target = this.#abs(path);
    if (!fsync) return serialised(target, async () => appendSync(await this.#inside(path, true), chunks, path));
    return serialised(target, async () => {
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(await this.#inside(path, true), 'a');
      } catch (err) {
        throw translate(err, path, 'write');
      }
      try {
        const start = (await handle.stat()).size;
        await writeAll(handle, chunks);
        if (fsync) await handle.sync();
        return start;
      } catch (err) {
        throw translate(err, path, 'write');
      } finally {
        await handle.close();
      }
    });
  }

  protected async renamePath(from: string, to: string): Promise<void> {
    const source = await this.#inside(from, false);
    const target = await this.#inside(to, false);
    this.#fence?.forget();
    try {
      await fs.rename(source, target);
    } catch (err) {
      // The OS may report a problem with the target first; a missing source comes first for us.
      const sourceProblem = await fs.lstat(source).then(
        () => null,
        (lstatErr: unknown) => translate(lstatErr, from, 'rename'),
      );
      throw sourceProblem ?? translate(err, to, 'rename');
    }
  }

  protected async deleteFile(path: string): Promise<void> {
    const target = await this.#inside(path, false);
    this.#fence?.forget();
    try {
      await fs.unlink(target);
    } catch (err) {
      // macOS reports unlink of a directory as EPERM.
      const isDir = await fs.lstat(target).then(
        (s) => s.isDirectory(),
        () => false,
      );
      throw isDir ? new TransportError(path, 'isDirectory') : translate(err, path, 'delete');
    }
  }

  protected async removeDir(path: string): Promise<void> {
    this.#fence?.forget();
    try {
      await fs.rmdir(await this.#inside(path, false));
    } catch (err) {
      throw translate(err, path, 'rmdir');
    }
  }

  protected async makeDir(path: string): Promise<void> {
    try {
      await fs.mkdir(await this.#inside(path, false));
    } catch (err) {
      throw translate(err, path, 'mkdir');
    }
  }

  protected async readDir(path: string): Promise<DirEntry[]> {
    try {
      const entries = await fs.readdir(await this.#inside(path, true), { withFileTypes: true });
      return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
    } catch (err) {
      throw translate(err, path, 'list');
    }
  }

  protected async statPath(path: string): Promise<FileStat> {
    try {
      const stat = await fs.stat(await this.#inside(path, true));
      return stat.isDirectory() ? { size: 0, isDirectory: true } : { size: stat.size, isDirectory: false };
    } catch (err) {
      throw translate(err, path, 'read');
    }
  }

  protected cloneAt(path: string): Transport {
    // A clone keeps its parent's fence: a linked subdirectory does not widen the store.
    const clone = new LocalTransport(this.#abs(path), { followSymlinksOutside: true });
    clone.#fence = this.#fence;
    return clone;
  }
}
