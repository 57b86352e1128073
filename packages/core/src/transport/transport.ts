// The Transport: the file operations every store needs, async, over paths
// relative to a root that nothing can leave.
//
// Entry points: `Transport` (the interface backends call), its option and
// result types, `TransportError` (failures that are not NoSuchFile, FileExists,
// PathOutsideRoot, InvalidPath or ShortRead). Implementations:
// `MemoryTransport` (memory.ts) and `LocalTransport` (local.ts), both built on
// `BaseTransport` (base.ts), which owns path checks, readv and locking.
//
// Semantics follow Breezy's Transport where it has one: `put` is atomic (temp
// file + rename), `append` creates the file and returns the offset it wrote at,
// `readv` yields ranges in the order asked for, `rename` replaces a file but not
// a non-empty directory (POSIX), and `lockWrite` is Breezy's LockDir.

import { VersionedFilesError } from '../errors.js';

/** A byte range: `[offset, length]`. */
export type ByteRange = readonly [offset: number, length: number];

export interface ReadvChunk {
  readonly offset: number;
  readonly data: Uint8Array;
}

export type Bytes = Uint8Array | readonly Uint8Array[];

export interface WriteOptions {
  /** Flush the data (and for `put` the rename) to stable storage before resolving. */
  readonly fsync?: boolean;
}

export interface PutOptions extends WriteOptions {
  /** Create missing parent directories first. */
  readonly createParentDir?: boolean;
}

export interface FileStat {
  readonly size: number;
  readonly isDirectory: boolean;
}

export interface LockOptions {
  /** Break the lock first when its holder is known dead (same host and user, process gone). */
  readonly breakStale?: boolean;
  /** Keep trying this many milliseconds while someone else holds it (Breezy's `lock_write` waits). Default 0. */
  readonly waitMs?: number;
  /** Extra fields recorded in the lock's info file. */
  readonly extraInfo?: Readonly<Record<string, string>>;
}

/** Who holds a lock, as its `held/info` file says. */
export interface LockHolder {
  readonly hostname: string | null;
  readonly pid: number | null;
  readonly user: string | null;
  readonly nonce: string | null;
  readonly startTime: number | null;
  /** Every field of the info file, as read. */
  readonly fields: Readonly<Record<string, string | number>>;
}

export interface WriteLock {
  /** The lock directory, relative to the transport. */
  readonly path: string;
  readonly nonce: string;
  /** Throws `LockNotHeld` if the lock was released or broken. */
  confirm(): Promise<void>;
  /** Releases the lock; throws `LockNotHeld` if it is no longer ours. */
  release(): Promise<void>;
}

export interface Transport {
  /** Where this transport is rooted, for messages. */
  readonly base: string;
  get(path: string): Promise<Uint8Array>;
  /** Yields each range in the order given; throws `ShortRead` (before yielding) when one ends past EOF. */
  readv(path: string, ranges: readonly ByteRange[]): AsyncIterable<ReadvChunk>;
  /**
   * Every range's bytes at once, in the order given (as `readv` yields them,
   * with the same checks and errors): for a reader that needs them all
   * before it goes on, without a generator step per range.
   */
  readRanges(path: string, ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
  /** Replaces or creates a file atomically. */
  put(path: string, data: Bytes, options?: PutOptions): Promise<void>;
  /** Appends to a file (created if missing); returns the offset the data starts at. */
  append(path: string, data: Bytes, options?: WriteOptions): Promise<number>;
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file. */
  delete(path: string): Promise<void>;
  /** Deletes an empty directory. */
  rmdir(path: string): Promise<void>;
  mkdir(path: string, options?: { readonly recursive?: boolean }): Promise<void>;
  /** Entry names of a directory, sorted by UTF-8 bytes. */
  list(dir?: string): Promise<string[]>;
  /** Every file below a directory, as paths relative to it, sorted. */
  listRecursive(dir?: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  stat(path: string): Promise<FileStat>;
  size(path: string): Promise<number>;
  /** A transport rooted at `subdir` (which need not exist yet). */
  clone(subdir: string): Transport;
  /** Takes the LockDir at `name`; throws `LockContention` when someone holds it. */
  lockWrite(name: string, options?: LockOptions): Promise<WriteLock>;
  /** The holder of the LockDir at `name`, or null when it is free. */
  peekLock(name: string): Promise<LockHolder | null>;
  /** Breaks the lock at `name` if `holder` (from `peekLock`) still holds it. */
  breakLock(name: string, holder: LockHolder): Promise<void>;
}

export type TransportErrorReason =
  | 'isDirectory'
  | 'notDirectory'
  | 'notEmpty'
  | 'invalidRange'
  | 'invalidOperation'
  | 'permission'
  | 'io';

/** A file operation that failed for a reason other than a missing or existing file. */
export class TransportError extends VersionedFilesError {
  readonly code = 'TransportError' as const;
  declare readonly data: { readonly path: string; readonly reason: TransportErrorReason; readonly detail: string };
  constructor(path: string, reason: TransportErrorReason, detail = '', options?: { cause?: unknown }) {
    super(`${path || '(root)'}: ${reason}${detail ? ` (${detail})` : ''}`, { path, reason, detail }, options);
  }
}
