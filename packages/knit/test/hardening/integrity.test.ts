// Integrity of knit stores: a bit flipped anywhere in a .knit, .kndx, pack or
// .tix is caught by check() (with a typed error naming the key where the
// damage is in a record), or changes no text; no extraction path (full text,
// delta closure, annotate) ever serves a wrong text.
// See test-fixtures/support/integrity.ts.
import { describe, expect, it } from 'vitest';
import { ConstantMapper, HashEscapedPrefixMapper, MemoryTransport } from '@versionedfiles/core';
import { makeFileFactory, makePackFactory, openKnitPack } from '@versionedfiles/knit';
import { addHistory, expectedSha1s, filesOf, flipSweep, integrityHistory } from '../../../../test-fixtures/support/integrity.js';

describe('knit stores: flipped bytes', () => {
  it('plain knit files (.knit + .kndx)', async () => {
    const t = new MemoryTransport();
    const factory = makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 });
    const texts = integrityHistory();
    await addHistory(factory(t), texts);
    const r = await flipSweep({ backend: 'knit files', transport: t, files: await filesOf(t), open: factory, step: 7, expected: expectedSha1s(texts) });
    expect(r.detected + r.readOnly + r.harmless).toBe(r.flips);
    expect(r.detected).toBeGreaterThan(r.flips / 2);
  });

  it('annotated knit files, a pair per prefix (key length 2)', async () => {
    const t = new MemoryTransport();
    const factory = makeFileFactory(true, new HashEscapedPrefixMapper(), { keyLength: 2 });
    const texts = [...integrityHistory(['file-a']), ...integrityHistory(['file-b'])];
    await addHistory(factory(t), texts);
    const r = await flipSweep({ backend: 'annotated knit files', transport: t, files: await filesOf(t), open: factory, step: 13, expected: expectedSha1s(texts) });
    expect(r.detected + r.readOnly + r.harmless).toBe(r.flips);
    expect(r.detected).toBeGreaterThan(r.flips / 2);
  });

  it('knit pack (container + .tix GraphIndex)', async () => {
    const t = new MemoryTransport();
    const texts = integrityHistory();
    const vf = await makePackFactory(true, true, 1)(t);
    await addHistory(vf, texts);
    await vf.finish();
    const r = await flipSweep({ backend: 'knit pack', transport: t, files: await filesOf(t), open: (tt) => openKnitPack(tt), step: 7, expected: expectedSha1s(texts) });
    expect(r.detected + r.readOnly + r.harmless).toBe(r.flips);
    expect(r.detected).toBeGreaterThan(r.flips / 2);
  });
});
