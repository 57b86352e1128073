// A plain knit keeps the latest texts added to it (a byte budget, not a
// count) with their line boundaries and ids: a parent among them is its
// child's delta basis as it is, rather than read back from the store, and
// the records are the ones reading it back would give.
import { describe, expect, it } from 'vitest';
import { MemoryTransport, bytesEqual, compatZlib, splitLines, utf8 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { KnitPackAccess, KnitPackIndex, KnitVersionedFiles } from '../src/index.js';
import type { IndexMemo, KnitAccess } from '../src/index.js';

interface Insert {
  readonly key: Key;
  readonly parents: Key[];
  readonly text: Uint8Array;
}

/** `files` files, `versions` releases of each, a release's files added together (so a parent is `files` texts back); odd files end without a newline. */
function releases(files: number, versions: number): Insert[] {
  const out: Insert[] = [];
  for (let v = 0; v < versions; v++) {
    for (let f = 0; f < files; f++) {
      const lines = Array.from({ length: 30 }, (_, i) => `file ${f} line ${i}${i === (v * 7) % 30 ? ` changed in ${v}` : ''}`);
      // Some releases append a line: the old last line is then inside the text.
      for (let a = 1; a <= v; a += 2) lines.push(`appended in ${a}`);
      const body = lines.join('\n') + (f % 2 === 0 ? '\n' : '');
      out.push({ key: [`f${f}`, `v${v}`], parents: v === 0 ? [] : [[`f${f}`, `v${v - 1}`]], text: utf8(body) });
    }
  }
  return out;
}

/** Counts the records read back through `inner`. */
class CountingAccess implements KnitAccess {
  reads = 0;
  constructor(readonly inner: KnitPackAccess) {}
  addRawRecords(records: readonly { readonly key: Key; readonly bytes: Uint8Array }[]): Promise<IndexMemo[]> {
    return this.inner.addRawRecords(records);
  }
  storedSize(length: number): number {
    return this.inner.storedSize(length);
  }
  getRawRecords(memos: readonly IndexMemo[]): Promise<Uint8Array[]> {
    this.reads += memos.length;
    return this.inner.getRawRecords(memos);
  }
}

async function insertAll(inserts: readonly Insert[], annotated: boolean, beforeEach: (vf: KnitVersionedFiles) => void): Promise<{ reads: number; pack: Uint8Array; index: Uint8Array }> {
  const t = new MemoryTransport();
  const packAccess = new KnitPackAccess(t, 'newpack');
  await packAccess.begin();
  const access = new CountingAccess(packAccess);
  const index = new KnitPackIndex({ graph: true, deltas: true }, 2, 'newpack');
  const vf = new KnitVersionedFiles(index, access, { keyLength: 2, annotated, zlib: compatZlib });
  for (const i of inserts) {
    beforeEach(vf);
    await vf.addLines(i.key, i.parents, splitLines(i.text));
  }
  const reads = access.reads;
  await packAccess.finish();
  return { reads, pack: await t.get('newpack'), index: index.finishBytes() };
}

describe('texts added to a plain knit', () => {
  // 150 files: each parent is 150 texts back, past the 64 contents kept whole.
  const inserts = releases(150, 4);

  it('a parent added a few hundred texts before is not read back', async () => {
    const kept = await insertAll(inserts, false, () => {});
    expect(kept.reads).toBe(0);
    // Annotated knits keep annotated contents only (64 of them): their parents are read back.
    const annotated = await insertAll(inserts, true, () => {});
    expect(annotated.reads).toBeGreaterThan(inserts.length / 2);
  });

  it('make the records that reading every parent back makes (the same pack and index bytes, texts without a final newline too)', async () => {
    const kept = await insertAll(inserts, false, () => {});
    const readBack = await insertAll(inserts, false, (vf) => vf.clearCache());
    expect(readBack.reads).toBeGreaterThan(inserts.length / 2);
    expect(bytesEqual(kept.pack, readBack.pack)).toBe(true);
    expect(bytesEqual(kept.index, readBack.index)).toBe(true);
  });
});
