// Decompression bombs in knit records: a record is inflated only up to what
// its gzip trailer says (and what its compressed length can hold), so a bomb
// costs no more memory than its limit, whatever it holds.
import { describe, expect, it } from 'vitest';
import { LimitExceeded } from '@versionedfiles/core';
import { KnitCorrupt, decodeRecord } from '@versionedfiles/knit';
import { gzipBomb } from '../../../../test-fixtures/support/bombs.js';

/** The bomb with its trailer's size set to `bytes` (mod 2^32). */
function claiming(bomb: Uint8Array, bytes: number): Uint8Array {
  const out = bomb.slice();
  new DataView(out.buffer).setUint32(out.length - 4, bytes % 0x1_0000_0000, true);
  return out;
}

function arrayBuffersGrowth(work: () => void): number {
  const before = process.memoryUsage().arrayBuffers;
  work();
  return process.memoryUsage().arrayBuffers - before;
}

describe('knit record bombs', () => {
  it('a 256 MiB bomb with a 4 MiB record limit is LimitExceeded, before inflating when its trailer is honest', () => {
    const honest = claiming(gzipBomb(256), 256 << 20);
    const grew = arrayBuffersGrowth(() => expect(() => decodeRecord(honest, { key: ['k'] }, { maxSize: 4 << 20 })).toThrow(LimitExceeded));
    expect(grew).toBeLessThan(1 << 20);
  });

  it('a bomb whose trailer understates its size is KnitCorrupt once it passes that size, with the default limit', () => {
    for (const claimed of [0, 100, 1 << 20]) {
      const bomb = claiming(gzipBomb(256), claimed);
      const grew = arrayBuffersGrowth(() => expect(() => decodeRecord(bomb, { key: ['k'] })).toThrow(KnitCorrupt));
      expect(grew).toBeLessThan(8 << 20);
    }
  });

  it('a trailer claiming more than the compressed bytes can hold is KnitCorrupt without inflating', () => {
    const small = claiming(gzipBomb(64), 0xffff_fff0);
    const grew = arrayBuffersGrowth(() => expect(() => decodeRecord(small, { key: ['k'] })).toThrow(KnitCorrupt));
    expect(grew).toBeLessThan(1 << 20);
  });
});
