// A write session on knit files under a LockDir, so two processes writing one
// set of knit files serialise instead of interleaving appends (which corrupts
// the `.knit`/`.kndx` offsets). Breezy takes the repository's lock around its
// writes; knit files on their own have none, so this is opt-in: readers need
// no lock (a text is appended before its index line) and Breezy's own stores
// keep their lock elsewhere.
//
// Entry point: `lockKnitFiles(factory, transport, options)` takes the lock
// (waiting `waitMs`, else `LockContention`), then opens the store, so its index
// is read under the lock; `release()` lets the lock go. `KNIT_LOCK_NAME` is
// the lock directory's default name. A prefix-mapped store lists its whole
// directory for keys, so its lock belongs outside it (`lockTransport`), as
// Breezy's repository lock sits beside its `knits/` directory.

import type { LockOptions, Transport, WriteLock } from '@versionedfiles/core';
import type { KnitVersionedFiles } from './knit-vf.js';

export const KNIT_LOCK_NAME = 'lock';

export interface KnitLockOptions extends LockOptions {
  /** The lock directory's name, relative to `lockTransport`. Default `lock`. */
  readonly lockName?: string;
  /** Where the lock lives. Default: the store's own transport (fine for a `ConstantMapper` store). */
  readonly lockTransport?: Transport;
}

export interface LockedKnitFiles {
  readonly vf: KnitVersionedFiles;
  readonly lock: WriteLock;
  /** Releases the lock; the store must not be written afterwards. Idempotent. */
  release(): Promise<void>;
}

export async function lockKnitFiles(
  factory: (transport: Transport) => KnitVersionedFiles,
  transport: Transport,
  options: KnitLockOptions = {},
): Promise<LockedKnitFiles> {
  const { lockName = KNIT_LOCK_NAME, lockTransport = transport, ...lockOptions } = options;
  const lock = await lockTransport.lockWrite(lockName, lockOptions);
  let vf: KnitVersionedFiles;
  try {
    // Opened only now: what an earlier holder appended is read, not a stale copy.
    vf = factory(transport);
  } catch (err) {
    await lock.release();
    throw err;
  }
  let released = false;
  return {
    vf,
    lock,
    async release() {
      if (released) return;
      released = true;
      await lock.release();
    },
  };
}
