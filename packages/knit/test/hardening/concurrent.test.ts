// Knit files under knit's opt-in write lock (`lockKnitFiles`): two processes
// writing one store serialise through the LockDir while this process reads
// the whole store again and again; afterwards every text of both is there and
// `check()` passes (unlocked, the same two writers corrupt the offsets). A
// writer that does not wait gets LockContention and the store is unchanged; one
// that waits (`waitMs`) goes on once the holder releases, and sees its texts.
// See test-fixtures/support/crash-harness.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConstantMapper, HashEscapedPrefixMapper, LocalTransport, LockContention, utf8 } from '@versionedfiles/core';
import { lockKnitFiles, makeFileFactory } from '@versionedfiles/knit';
import { concurrentRounds, ensureBuilt, sleep, trialCount } from '../../../../test-fixtures/support/crash-harness.js';

function withDir<T>(name: string, f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `knit-concurrent-${name}-`));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const factory = makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 });

describe('two writers, one set of knit files under lockKnitFiles', () => {
  beforeAll(ensureBuilt, 600_000);

  it('writers in two processes serialise; racing readers never fail; every text is there', () =>
    withDir('rounds', async (dir) => {
      const report = await concurrentRounds('knit-locked', dir, trialCount(2), 9);
      expect(report.reads).toBeGreaterThan(0);
      expect(report.failedReads).toEqual([]);
      const vf = factory(new LocalTransport(dir));
      expect((await vf.keys()).size).toBe(report.rounds * 2 * 9);
      await vf.check();
    }), 1_800_000);

  it('a writer that does not wait gets LockContention and writes nothing', () =>
    withDir('held', async (dir) => {
      const t = new LocalTransport(dir);
      const first = await lockKnitFiles(factory, t);
      await first.vf.addLines(['a'], [], [utf8('one\n')]);
      await expect(lockKnitFiles(factory, t)).rejects.toBeInstanceOf(LockContention);
      await first.release();
      await first.release();
      const reader = factory(t);
      expect([...(await reader.keys())]).toEqual([['a']]);
      await reader.check();
    }));

  it('a writer that waits goes on once the holder releases, and reads what the holder wrote', () =>
    withDir('wait', async (dir) => {
      const t = new LocalTransport(dir);
      const first = await lockKnitFiles(factory, t);
      const second = lockKnitFiles(factory, t, { waitMs: 10_000 });
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

  it('the lock can live outside the knit directory (a prefix-mapped store lists all of its own)', () =>
    withDir('outside', async (dir) => {
      const root = new LocalTransport(dir);
      await root.mkdir('knits');
      const knits = root.clone('knits');
      const prefixed = makeFileFactory(false, new HashEscapedPrefixMapper(), { keyLength: 2 });
      const session = await lockKnitFiles(prefixed, knits, { lockTransport: root, lockName: 'lock' });
      await session.vf.addLines(['f', 'a'], [], [utf8('one\n')]);
      await expect(lockKnitFiles(prefixed, knits, { lockTransport: root })).rejects.toBeInstanceOf(LockContention);
      expect(await root.peekLock('lock')).not.toBeNull();
      expect([...(await session.vf.keys())]).toEqual([['f', 'a']]);
      await session.release();
      expect(await root.peekLock('lock')).toBeNull();
    }));
});
