// What every transport shares, written once: path checks, readv and
// readRanges (validate, coalesce, answer in request order), recursive mkdir
// and listing, and the LockDir. A concrete transport implements a handful of
// primitives over already-normalised paths relative to its root.
//
// Entry points: `BaseTransport` (extend it), `RandomAccessFile`, `DirEntry`.

import { FileExists, NoSuchFile } from '../errors.js';
import { compareUtf8 } from '../keys.js';
import { InvalidPath, joinPath, normalisePath, parentPath } from './path.js';
import { checkRanges, coalesceRanges } from './readv.js';
import type { CoalesceOptions, CoalescedRead } from './readv.js';
import { acquireLockDir, breakLockDir, peekLockDir } from './lock.js';
import type {
  ByteRange,
  Bytes,
  FileStat,
  LockHolder,
  LockOptions,
  PutOptions,
  ReadvChunk,
  Transport,
  WriteLock,
  WriteOptions,
} from './transport.js';
import { TransportError } from './transport.js';

/** An open file for ranged reads; `size` is fixed when it is opened. */
export interface RandomAccessFile {
  readonly size: number;
  /** Reads exactly `length` bytes at `offset` (callers stay within `size`). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface DirEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

/** The bytes of request `i`, within the merged read `read` that serves it. */
function requestedBytes(ranges: readonly ByteRange[], i: number, read: CoalescedRead, data: Uint8Array): Uint8Array {
  const [offset, length] = ranges[i] as ByteRange;
  return data.subarray(offset - read.start, offset - read.start + length);
}

function chunksOf(data: Bytes): readonly Uint8Array[] {
  return data instanceof Uint8Array ? [data] : data;
}

export abstract class BaseTransport implements Transport {
  abstract readonly base: string;

  /** How readv merges neighbouring ranges; local disks like a page of slack. */
  protected readonly coalesce: CoalesceOptions = { fudge: 4096 };

  // -- primitives, over normalised paths ------------------------------------
  protected abstract readFile(path: string): Promise<Uint8Array>;
  protected abstract openRead(path: string): Promise<RandomAccessFile>;
  protected abstract writeAtomic(path: string, chunks: readonly Uint8Array[], fsync: boolean): Promise<void>;
  protected abstract appendChunks(path: string, chunks: readonly Uint8Array[], fsync: boolean): Promise<number>;
  /** POSIX rename: replaces a file or an empty directory, else `FileExists`. */
  protected abstract renamePath(from: string, to: string): Promise<void>;
  protected abstract deleteFile(path: string): Promise<void>;
  protected abstract removeDir(path: string): Promise<void>;
  /** Makes one directory; `FileExists` when something is there. */
  protected abstract makeDir(path: string): Promise<void>;
  protected abstract readDir(path: string): Promise<DirEntry[]>;
  protected abstract statPath(path: string): Promise<FileStat>;
  protected abstract cloneAt(path: string): Transport;

  /** Normalises and checks a caller's path; subclasses may refuse more. */
  protected checkPath(path: string): string {
    return normalisePath(path);
  }

  #nonRoot(path: string, operation: string): string {
    const p = this.checkPath(path);
    if (p === '') throw new InvalidPath(path, `cannot ${operation} the transport's root`);
    return p;
  }

  // -- the Transport interface -----------------------------------------------
  get(path: string): Promise<Uint8Array> {
    return this.readFile(this.#nonRoot(path, 'read'));
  }

  async *readv(path: string, ranges: readonly ByteRange[]): AsyncGenerator<ReadvChunk> {
    const plan = await this.#planReads(path, ranges);
    if (plan === null) return;
    const { file, reads } = plan;
    try {
      const ready = new Map<number, Uint8Array>();
      let next = 0;
      for (const read of reads) {
        const data = await file.read(read.start, read.length);
        for (const i of read.requests) ready.set(i, requestedBytes(ranges, i, read, data));
        for (let chunk = ready.get(next); chunk !== undefined; chunk = ready.get(next)) {
          ready.delete(next);
          yield { offset: (ranges[next] as ByteRange)[0], data: chunk };
          next++;
        }
      }
    } finally {
      await file.close();
    }
  }

  async readRanges(path: string, ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
    // Sized up front: merged reads fill it in file order, not request order.
    const out = new Array<Uint8Array>(ranges.length);
    const plan = await this.#planReads(path, ranges);
    if (plan === null) return out;
    const { file, reads } = plan;
    try {
      for (const read of reads) {
        const data = await file.read(read.start, read.length);
        for (const i of read.requests) out[i] = requestedBytes(ranges, i, read, data);
      }
    } finally {
      await file.close();
    }
    return out;
  }

  /** The open file and the merged reads serving `ranges` (checked before any read); null when there are none. */
  async #planReads(path: string, ranges: readonly ByteRange[]): Promise<{ file: RandomAccessFile; reads: CoalescedRead[] } | null> {
    const p = this.#nonRoot(path, 'read');
    if (ranges.length === 0) return null;
    const file = await this.openRead(p);
    try {
      checkRanges(p, ranges, file.size);
      return { file, reads: coalesceRanges(ranges, this.coalesce) };
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  async put(path: string, data: Bytes, options: PutOptions = {}): Promise<void> {
    const p = this.#nonRoot(path, 'write');
    if (options.createParentDir) await this.mkdir(parentPath(p), { recursive: true });
    await this.writeAtomic(p, chunksOf(data), options.fsync ?? false);
  }

  append(path: string, data: Bytes, options: WriteOptions = {}): Promise<number> {
    return this.appendChunks(this.#nonRoot(path, 'append to'), chunksOf(data), options.fsync ?? false);
  }

  async rename(from: string, to: string): Promise<void> {
    const a = this.#nonRoot(from, 'rename');
    const b = this.#nonRoot(to, 'rename onto');
    if (b.startsWith(`${a}/`) || a.startsWith(`${b}/`)) {
      throw new TransportError(a, 'invalidOperation', `cannot move onto its own ancestor or descendant (${b})`);
    }
    if (a === b) {
      await this.statPath(a);
      return;
    }
    await this.renamePath(a, b);
  }

  delete(path: string): Promise<void> {
    return this.deleteFile(this.#nonRoot(path, 'delete'));
  }

  rmdir(path: string): Promise<void> {
    return this.removeDir(this.#nonRoot(path, 'remove'));
  }

  async mkdir(path: string, options: { readonly recursive?: boolean } = {}): Promise<void> {
    const p = this.checkPath(path);
    if (!options.recursive) {
      if (p === '') throw new FileExists(p);
      await this.makeDir(p);
      return;
    }
    let done = '';
    for (const segment of p === '' ? [] : p.split('/')) {
      done = joinPath(done, segment);
      try {
        await this.makeDir(done);
      } catch (err) {
        if (!(err instanceof FileExists) || !(await this.statPath(done)).isDirectory) throw err;
      }
    }
  }

  async list(dir = ''): Promise<string[]> {
    const entries = await this.readDir(this.checkPath(dir));
    return entries.map((e) => e.name).sort(compareUtf8);
  }

  async listRecursive(dir = ''): Promise<string[]> {
    const out: string[] = [];
    const walk = async (absolute: string, relative: string): Promise<void> => {
      for (const entry of await this.readDir(absolute)) {
        const rel = joinPath(relative, entry.name);
        if (entry.isDirectory) await walk(joinPath(absolute, entry.name), rel);
        else out.push(rel);
      }
    };
    await walk(this.checkPath(dir), '');
    return out.sort(compareUtf8);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.statPath(this.checkPath(path));
      return true;
    } catch (err) {
      if (err instanceof NoSuchFile) return false;
      if (err instanceof TransportError && err.data.reason === 'notDirectory') return false;
      throw err;
    }
  }

  stat(path: string): Promise<FileStat> {
    return this.statPath(this.checkPath(path));
  }

  async size(path: string): Promise<number> {
    const stat = await this.stat(path);
    if (stat.isDirectory) throw new TransportError(this.checkPath(path), 'isDirectory');
    return stat.size;
  }

  clone(subdir: string): Transport {
    return this.cloneAt(this.checkPath(subdir));
  }

  lockWrite(name: string, options: LockOptions = {}): Promise<WriteLock> {
    return acquireLockDir(this, this.checkPath(name), options);
  }

  peekLock(name: string): Promise<LockHolder | null> {
    return peekLockDir(this, this.checkPath(name));
  }

  breakLock(name: string, holder: LockHolder): Promise<void> {
    return breakLockDir(this, this.checkPath(name), holder);
  }
}
