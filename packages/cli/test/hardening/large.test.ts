// Large texts and long histories, scaled down for CI (the full runs are
// `node bench/hardening/large.mjs all text 1024` and `... all history 10000 10`,
// figures in docs/reliability.md): every backend adds an 8 MiB text and a
// 200-version history and reads them back sha1-verified, within a memory bound.
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../../test-fixtures/support/crash-harness.js';
import { runLarge } from '../../../../test-fixtures/support/large.js';

const BACKENDS = ['memory', 'knit-files', 'knit-pack', 'weave', 'groupcompress'];

describe('large texts and long histories (CI scale)', () => {
  beforeAll(ensureBuilt, 600_000);
  for (const backend of BACKENDS) {
    it(`${backend}: an 8 MiB text and 200 versions of a 32 KiB text, read back, under 512 MiB of RSS`, () => {
      const text = runLarge(backend, 'text', 8);
      expect(text.result).toBe('ok');
      expect(text.peakRssMiB).toBeLessThan(512);
      const history = runLarge(backend, 'history', 200, 1 / 32);
      expect(history.result).toBe('ok');
      expect(history.peakRssMiB).toBeLessThan(512);
    }, 600_000);
  }
});
