// Concurrent writers on one `vf` store: two processes serialise through the
// store's LockDir (each retries on LockContention) while a reader reads the
// whole store again and again; afterwards every text of both writers is
// there, and no racing read failed (a pack layout's reader follows `pack-names`
// when the writer's autopack moves away a pack it was reading). A second writer that does
// not wait gets a clear LockContention.
// See test-fixtures/support/crash-harness.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LockContention } from '@versionedfiles/core';
import { openStore } from '@versionedfiles/cli';
import { concurrentRounds, ensureBuilt, initBackend, trialCount, type LayoutBackend } from '../../../../test-fixtures/support/crash-harness.js';

const BACKENDS: readonly LayoutBackend[] = ['vf-knit', 'vf-weave', 'vf-knit-pack', 'vf-groupcompress'];

function withDir<T>(name: string, f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `vf-concurrent-${name}-`));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe('two writers, one vf store', () => {
  beforeAll(ensureBuilt, 600_000);

  for (const backend of BACKENDS) {
    it(`${backend}: writers serialise through the lock; readers racing them see only whole texts`, () =>
      withDir(backend, async (dir) => {
        const report = await concurrentRounds(backend, dir, trialCount(2), 9);
        expect(report.reads).toBeGreaterThan(0);
        // Readers never see a wrong or half-written text (that would have thrown untyped), nor fail.
        expect(report.failedReads).toEqual([]);
      }), 1_800_000);

    it(`${backend}: a writer that does not wait gets LockContention, and the store is unchanged`, () =>
      withDir(`${backend}-held`, async (dir) => {
        await initBackend(backend, dir);
        const first = await openStore(dir, { write: true });
        try {
          await expect(openStore(dir, { write: true })).rejects.toBeInstanceOf(LockContention);
        } finally {
          await first.close();
        }
        const again = await openStore(dir, { write: true });
        await again.close();
      }));
  }
});
