// Write sessions on knit files and raw knit packs under a LockDir, so two
// processes writing one store serialise instead of corrupting it. Breezy takes
// the repository's lock around its writes; knit files and `make_pack_factory`
// packs on their own have none, so this is opt-in: Breezy's own stores keep
// their lock elsewhere, and readers need none (a knit text is appended before
// its index line; a pack's index is written only once the pack is whole).
//
// Entry points:
//   `lockKnitFiles(factory, transport, options)` takes the lock (waiting
//     `waitMs`, else `LockContention`), then opens the store, so its index is
//     read under the lock; `release()` lets the lock go.
//   `lockKnitPack(factory, transport, options)` the same for a raw knit pack,
//     which is written once: under the lock it refuses (`FileExists`, nothing
//     touched) when `newpack` or its index is already there, where an unlocked
//     second writer would start the container again over the first one's;
//     `finish()` ends the pack, writes its index and releases the lock.
// `KNIT_LOCK_NAME` is the lock directory's default name. A prefix-mapped store
// lists its whole directory for keys, so its lock belongs outside it
// (`lockTransport`), as Breezy's repository lock sits beside `knits/`.

import { FileExists } from '@versionedfiles/core';
import type { LockOptions, Transport, WriteLock } from '@versionedfiles/core';
import type { KnitPackFactory, KnitPackVersionedFiles } from '../factory.js';
import type { KnitVersionedFiles } from './knit-vf.js';

export const KNIT_LOCK_NAME = 'lock';

/** The container `makePackFactory` writes, and the index `finish()` puts beside it. */
const PACK_FILES = ['newpack', 'newpack.tix'] as const;

export interface KnitLockOptions extends LockOptions {
  /** The lock directory's name, relative to `lockTransport`. Default `lock`. */
  readonly lockName?: string;
  /** Where the lock lives. Default: the store's own transport (fine for a `ConstantMapper` store or a pack). */
  readonly lockTransport?: Transport;
}

export interface LockedKnitFiles {
  readonly vf: KnitVersionedFiles;
  readonly lock: WriteLock;
  /** Releases the lock; the store must not be written afterwards. Idempotent. */
  release(): Promise<void>;
}

export interface LockedKnitPack {
  readonly vf: KnitPackVersionedFiles;
  readonly lock: WriteLock;
  /** Ends the pack and writes its index (`vf.finish()`), then releases the lock. */
  finish(): Promise<{ readonly pack: string; readonly index: string }>;
  /**
   * Releases the lock without finishing: the unfinished pack stays, so a later
   * writer gets `FileExists` rather than writing over it. Idempotent.
   */
  release(): Promise<void>;
}

/** Takes the lock, then opens the store with `open`; the lock is let go again if opening fails. */
async function openUnderLock<S>(transport: Transport, options: KnitLockOptions, open: () => S | Promise<S>): Promise<{ store: S; lock: WriteLock; release: () => Promise<void> }> {
  const { lockName = KNIT_LOCK_NAME, lockTransport = transport, ...lockOptions } = options;
  const lock = await lockTransport.lockWrite(lockName, lockOptions);
  let store: S;
  try {
    store = await open();
  } catch (err) {
    await lock.release();
    throw err;
  }
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await lock.release();
  };
  return { store, lock, release };
}

export async function lockKnitFiles(
  factory: (transport: Transport) => KnitVersionedFiles,
  transport: Transport,
  options: KnitLockOptions = {},
): Promise<LockedKnitFiles> {
  // Opened only under the lock: what an earlier holder appended is read, not a stale copy.
  const { store, lock, release } = await openUnderLock(transport, options, () => factory(transport));
  return { vf: store, lock, release };
}

export async function lockKnitPack(factory: KnitPackFactory, transport: Transport, options: KnitLockOptions = {}): Promise<LockedKnitPack> {
  const { store, lock, release } = await openUnderLock(transport, options, async () => {
    // Written (or begun) by an earlier writer: a raw knit pack is written once.
    for (const name of PACK_FILES) {
      if (await transport.exists(name)) throw new FileExists(name);
    }
    return factory(transport);
  });
  return {
    vf: store,
    lock,
    async finish() {
      const files = await store.finish();
      await release();
      return files;
    },
    release,
  };
}
