// Integrity of weave stores: a bit flipped anywhere in a .weave file is caught
// by check() (InvalidChecksum names the version) or changes no text; no
// extraction path serves a wrong text. See test-fixtures/support/integrity.ts.
import { describe, expect, it } from 'vitest';
import { ConstantMapper, MemoryTransport, type Transport } from '@versionedfiles/core';
import { WeaveVersionedFiles } from '@versionedfiles/weave';
import { addHistory, expectedSha1s, filesOf, flipSweep, integrityHistory } from '../../../../test-fixtures/support/integrity.js';

describe('weave stores: flipped bytes', () => {
  it('a weave file', async () => {
    const t = new MemoryTransport();
    const open = (tt: Transport) => new WeaveVersionedFiles(tt, new ConstantMapper('texts'), { keyLength: 1 });
    const texts = integrityHistory();
    await addHistory(open(t), texts);
    const r = await flipSweep({ backend: 'weave', transport: t, files: await filesOf(t), open, step: 5, expected: expectedSha1s(texts) });
    expect(r.detected + r.readOnly + r.harmless).toBe(r.flips);
    expect(r.detected).toBeGreaterThan(r.flips / 2);
  });
});
