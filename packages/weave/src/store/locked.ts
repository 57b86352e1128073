// A write session on weave files under a LockDir, so two processes writing one
// store serialise. Every add rewrites its whole weave (read, insert, put), so
// two unlocked writers of one weave lose updates: the later put drops the text
// the earlier one acknowledged. Breezy takes the repository's lock around its
// writes; weave files on their own have none, so this is opt-in: readers need
// no lock (a weave is replaced whole by a rename), and Breezy's own stores
// keep their lock elsewhere.
//
// Entry point: `lockWeaveFiles(factory, transport, options)` takes the lock
// (waiting `waitMs`, else `LockContention`), then opens the store, so no weave
// parsed before the lock was taken is trusted; `release()` lets the lock go.
// `WEAVE_LOCK_NAME` is the lock directory's default name. A store that lists
// its directory for keys (a prefix mapper) wants its lock outside it
// (`lockTransport`).

import type { LockOptions, Transport, WriteLock } from '@versionedfiles/core';
import type { WeaveVersionedFiles } from './weave-versioned-files.js';

export const WEAVE_LOCK_NAME = 'lock';

export interface WeaveLockOptions extends LockOptions {
  /** The lock directory's name, relative to `lockTransport`. Default `lock`. */
  readonly lockName?: string;
  /** Where the lock lives. Default: the store's own transport. */
  readonly lockTransport?: Transport;
}

export interface LockedWeaveFiles {
  readonly vf: WeaveVersionedFiles;
  readonly lock: WriteLock;
  /** Releases the lock; the store must not be written afterwards. Idempotent. */
  release(): Promise<void>;
}

export async function lockWeaveFiles(
  factory: (transport: Transport) => WeaveVersionedFiles,
  transport: Transport,
  options: WeaveLockOptions = {},
): Promise<LockedWeaveFiles> {
  const { lockName = WEAVE_LOCK_NAME, lockTransport = transport, ...lockOptions } = options;
  const lock = await lockTransport.lockWrite(lockName, lockOptions);
  let vf: WeaveVersionedFiles;
  try {
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
