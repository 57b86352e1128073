// A knit pack's record too big for the deflate worker goes to libuv's thread
// pool; if the pool fails, the record is deflated on the calling thread
// instead, and the pack is the one deflating everything here makes.
import { describe, expect, it, vi } from 'vitest';
import { MemoryTransport, bytesEqual, fastZlib, splitLines, utf8 } from '@versionedfiles/core';
import { KnitPackAccess, KnitPackIndex, KnitPackVersionedFiles, WriteBehind } from '../src/index.js';

const pool = vi.hoisted(() => ({ calls: 0 }));

vi.mock('@versionedfiles/core', async (importOriginal) => {
  const core = await importOriginal<typeof import('@versionedfiles/core')>();
  return {
    ...core,
    gzipOnThreadPool: (): Promise<Uint8Array> => {
      pool.calls++;
      return Promise.reject(new Error('the thread pool is down'));
    },
  };
});

async function packOf(texts: readonly Uint8Array[], behind: boolean): Promise<{ pack: Uint8Array; index: Uint8Array }> {
  const t = new MemoryTransport();
  const access = new KnitPackAccess(t, 'newpack');
  await access.begin();
  const index = new KnitPackIndex({ graph: true, deltas: true }, 1, 'newpack');
  const writeBehind = behind ? WriteBehind.forPack(index, access, fastZlib, { ringBytes: 64 * 1024 }) : null;
  const vf = new KnitPackVersionedFiles(index, access, t, { keyLength: 1, annotated: false, zlib: fastZlib, ...(writeBehind === null ? {} : { writeBehind }) });
  for (const [i, text] of texts.entries()) await vf.addLines([`v${i}`], i === 0 ? [] : [[`v${i - 1}`]], splitLines(text));
  const files = await vf.finish();
  return { pack: await t.get(files.pack), index: await t.get(files.index) };
}

describe('knit write-behind when the thread pool fails', () => {
  it('deflates the big records here and writes the same pack', async () => {
    const lines = Array.from({ length: 4000 }, (_, i) => `line ${i} of a bundled file`);
    const texts = [utf8(lines.join('\n') + '\n'), utf8(['changed', ...lines.slice(1)].join('\n') + '\n'), utf8(lines.slice(0, 100).join('\n'))];
    const here = await packOf(texts, false);
    const behind = await packOf(texts, true);
    // The first text is over the worker's limit (16 KiB of a 64 KiB ring): the pool was asked, and failed.
    expect(pool.calls).toBeGreaterThan(0);
    expect(bytesEqual(behind.pack, here.pack)).toBe(true);
    expect(bytesEqual(behind.index, here.index)).toBe(true);
  });
});
