// The tests every opt-in store lock must pass (`lockKnitFiles`, `lockWeaveFiles`):
// two writer processes serialise through it while this process reads the
// store again and again (every text of both is there afterwards, `check()`
// passes, no racing read fails); a writer that does not wait gets
// LockContention and the store's files are unchanged; one that waits goes on
// once the holder releases and builds on what it wrote; the lock can live
// outside a prefix-mapped store.
//
// Entry points: `withDir(name, f)` (a temporary directory for one test),
// `lockedStoreTests(spec)` (the vitest cases, inside a `describe`).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { LocalTransport, LockContention, utf8, type LockOptions, type Transport, type VersionedFiles, type WriteLock } from '@versionedfiles/core';
import { concurrentRounds, ensureBuilt, sleep, trialCount, type LockedBackend } from './crash-harness.js';

export function withDir<T>(name: string, f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `vf-locks-${name}-`));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

interface Session<S> {
  readonly vf: S;
  readonly lock: WriteLock;
  release(): Promise<void>;
}

type LockFn<S> = (factory: (t: Transport) => S, transport: Transport, options?: LockOptions & { lockName?: string; lockTransport?: Transport }) => Promise<Session<S>>;

export interface LockedStoreSpec<S extends VersionedFiles> {
  /** The crash-writer backend whose sessions take this lock. */
  readonly backend: LockedBackend;
  readonly lock: LockFn<S>;
  /** The store crash-writer writes (key length 1, ConstantMapper). */
  readonly factory: (t: Transport) => S;
  /** A prefix-mapped store (key length 2), whose lock must live outside it. */
  readonly prefixed: (t: Transport) => S;
}

/** Every file under `dir` but the lock directory, by path, with its bytes. */
function storeFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const path of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!path.startsWith('lock') && statSync(join(dir, path)).isFile()) files.set(path, readFileSync(join(dir, path)));
  }
  return files;
}

export function lockedStoreTests<S extends VersionedFiles>(spec: LockedStoreSpec<S>): void {
  const { backend, lock, factory, prefixed } = spec;
  beforeAll(ensureBuilt, 600_000);

  it('writers in two processes serialise; racing readers never fail; every text is there', () =>
    withDir('rounds', async (dir) => {
      const report = await concurrentRounds(backend, dir, trialCount(2), 9);
      expect(report.reads).toBeGreaterThan(0);
      expect(report.failedReads).toEqual([]);
      const vf = factory(new LocalTransport(dir));
      expect((await vf.keys()).size).toBe(report.rounds * 2 * 9);
      await vf.check();
    }), 1_800_000);

  it('a writer that does not wait gets LockContention and the store is unchanged', () =>
    withDir('held', async (dir) => {
      const t = new LocalTransport(dir);
      const first = await lock(factory, t);
      await first.vf.addLines(['a'], [], [utf8('one\n')]);
      const before = storeFiles(dir);
      expect(before.size).toBeGreaterThan(0);
      await expect(lock(factory, t)).rejects.toBeInstanceOf(LockContention);
      expect(storeFiles(dir)).toEqual(before);
      await first.release();
      await first.release();
      const reader = factory(t);
      expect([...(await reader.keys())]).toEqual([['a']]);
      await reader.check();
    }));

  it('a writer that waits goes on once the holder releases, and builds on what the holder wrote', () =>
    withDir('wait', async (dir) => {
      const t = new LocalTransport(dir);
      const first = await lock(factory, t);
      const second = lock(factory, t, { waitMs: 10_000 });
      await first.vf.addLines(['a'], [], [utf8('one\n')]);
      await sleep(150);
      await first.release();
      const session = await second;
      try {
        await session.vf.addLines(['b'], [['a']], [utf8('one\n'), utf8('two\n')]);
      } finally {
        await session.release();
      }
      const reader = factory(t);
      expect((await reader.getParentMap([['b']])).get(['b'])).toEqual([['a']]);
      await reader.check();
    }));

  it('the lock can live outside a prefix-mapped store (it lists its whole directory)', () =>
    withDir('outside', async (dir) => {
      const root = new LocalTransport(dir);
      await root.mkdir('store');
      const inner = root.clone('store');
      const session = await lock(prefixed, inner, { lockTransport: root, lockName: 'lock' });
      await session.vf.addLines(['f', 'a'], [], [utf8('one\n')]);
      await expect(lock(prefixed, inner, { lockTransport: root })).rejects.toBeInstanceOf(LockContention);
      expect(await root.peekLock('lock')).not.toBeNull();
      expect([...(await session.vf.keys())]).toEqual([['f', 'a']]);
      await session.release();
      expect(await root.peekLock('lock')).toBeNull();
    }));
}
