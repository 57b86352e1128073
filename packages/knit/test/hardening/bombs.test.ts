// Decompression bombs in knit records: a record inflating past its limit is
// refused with LimitExceeded before the limit's worth is exceeded.
import { describe, expect, it } from 'vitest';
import { LimitExceeded } from '@versionedfiles/core';
import { decodeRecord } from '@versionedfiles/knit';
import { gzipBomb } from '../../../../test-fixtures/support/bombs.js';

describe('knit record bombs', () => {
  it('a 256 MiB bomb with a 4 MiB record limit is LimitExceeded', () => {
    const bomb = gzipBomb(256);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => decodeRecord(bomb, { key: ['k'] }, { maxSize: 4 << 20 })).toThrow(LimitExceeded);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });
});
