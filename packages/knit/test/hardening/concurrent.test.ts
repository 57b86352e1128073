// Knit files under knit's opt-in write lock (`lockKnitFiles`): two processes
// writing one store serialise through the LockDir while this process reads
// the whole store again and again; afterwards every text of both is there and
// `check()` passes (unlocked, the same two writers corrupt the offsets). A
// writer that does not wait gets LockContention and the store is unchanged; one
// that waits (`waitMs`) goes on once the holder releases, and sees its texts.
//
// A raw knit pack (`makePackFactory`, written once) under `lockKnitPack`: of
// two processes starting on one pack at once, one writes it and the other
// waits, then is refused with FileExists, never writing over it; a reader
// racing them finds no pack yet or a whole one.
// See test-fixtures/support/{concurrent-locks,crash-harness}.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConstantMapper, FileExists, HashEscapedPrefixMapper, LocalTransport, LockContention, utf8 } from '@versionedfiles/core';
import { lockKnitFiles, lockKnitPack, makeFileFactory, makePackFactory, openKnitPack } from '@versionedfiles/knit';
import { ensureBuilt, packWriterRounds, sleep, trialCount } from '../../../../test-fixtures/support/crash-harness.js';
import { lockedStoreTests, withDir } from '../../../../test-fixtures/support/concurrent-locks.js';

const factory = makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 });

describe('two writers, one set of knit files under lockKnitFiles', () =>
  lockedStoreTests({
    backend: 'knit-locked',
    lock: lockKnitFiles,
    factory,
    prefixed: makeFileFactory(false, new HashEscapedPrefixMapper(), { keyLength: 2 }),
  }));

describe('two writers, one raw knit pack under lockKnitPack', () => {
  beforeAll(ensureBuilt, 600_000);
  const packFactory = makePackFactory(true, true, 1);

  it('of two processes, one writes the pack, the other is refused; racing readers see no pack or a whole one', () =>
    withDir('pack-rounds', async (dir) => {
      const report = await packWriterRounds(dir, trialCount(2), 30);
      expect(report.refused).toBe(report.rounds);
      expect(report.readsBeforePack + report.readsOfPack).toBeGreaterThan(0);
      expect(report.failedReads).toEqual([]);
    }), 1_800_000);

  it('a writer that does not wait gets LockContention; once the pack is finished, a later writer gets FileExists and the pack is unchanged', () =>
    withDir('pack-held', async (dir) => {
      const t = new LocalTransport(dir);
      const first = await lockKnitPack(packFactory, t);
      await first.vf.addLines(['a'], [], [utf8('one\n')]);
      await expect(lockKnitPack(packFactory, t)).rejects.toBeInstanceOf(LockContention);
      const waiting = lockKnitPack(packFactory, t, { waitMs: 10_000 });
      await sleep(150);
      expect(await first.finish()).toEqual({ pack: 'newpack', index: 'newpack.tix' });
      const files = ['newpack', 'newpack.tix'].map((name) => readFileSync(join(dir, name)));
      await expect(waiting).rejects.toBeInstanceOf(FileExists);
      expect(['newpack', 'newpack.tix'].map((name) => readFileSync(join(dir, name)))).toEqual(files);
      // The refused writer let the lock go.
      expect(await t.peekLock('lock')).toBeNull();
      const reader = await openKnitPack(t);
      expect([...(await reader.keys())]).toEqual([['a']]);
      await reader.check();
    }));

  it('a writer that stops without finishing leaves its pack to be refused, not written over', () =>
    withDir('pack-unfinished', async (dir) => {
      const t = new LocalTransport(dir);
      const first = await lockKnitPack(packFactory, t);
      await first.vf.addLines(['a'], [], [utf8('one\n')]);
      await first.release();
      await first.release();
      expect(await t.peekLock('lock')).toBeNull();
      const begun = await t.exists('newpack');
      // Whether the unfinished container is on disk yet depends on the writer's buffering; if it is, it is kept.
      if (begun) await expect(lockKnitPack(packFactory, t)).rejects.toBeInstanceOf(FileExists);
      else {
        const second = await lockKnitPack(packFactory, t);
        await second.vf.addLines(['b'], [], [utf8('two\n')]);
        await second.finish();
        expect([...(await (await openKnitPack(t)).keys())]).toEqual([['b']]);
      }
    }));
});
