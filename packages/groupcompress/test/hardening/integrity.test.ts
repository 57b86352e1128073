// Integrity of groupcompress stores: a bit flipped anywhere in the pack is
// caught by check() (zlib's adler-32 over each block, the delta's own checks
// and the stored lengths; the format keeps no sha1 per text) or changes no
// text; no extraction path serves a wrong text. The index of a
// `makePackFactory` store lives in memory, so only the pack file is swept.
// See test-fixtures/support/integrity.ts.
import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '@versionedfiles/core';
import { makePackFactory } from '@versionedfiles/groupcompress';
import { addHistory, expectedSha1s, filesOf, flipSweep, integrityHistory } from '../../../../test-fixtures/support/integrity.js';

describe('groupcompress stores: flipped bytes', () => {
  it('a groupcompress pack (buffered groups)', async () => {
    const t = new MemoryTransport();
    const vf = makePackFactory(true, true, 1)(t);
    const texts = integrityHistory();
    await addHistory(vf, texts);
    await vf.close();
    const open = () => {
      vf.clearCache();
      return vf;
    };
    const r = await flipSweep({ backend: 'groupcompress pack', transport: t, files: await filesOf(t), open, step: 3, expected: expectedSha1s(texts) });
    expect(r.detected + r.readOnly + r.harmless).toBe(r.flips);
    expect(r.detected).toBeGreaterThan(r.flips / 2);
  });
});
