// Decompression bombs against core's codecs: inflation stops at the limit
// with LimitExceeded (or a typed corrupt-data error), never allocating past it.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_INFLATE, LimitExceeded, VersionedFilesError, compatZlib, fastZlib, gunzip } from '@versionedfiles/core';
import { gzipBomb, zlibBomb } from '../../../../test-fixtures/support/bombs.js';

const MiB = 1 << 20;

describe('decompression bombs', () => {
  it('the default inflate limit is 1 GiB', () => {
    expect(DEFAULT_MAX_INFLATE).toBe(1 << 30);
  });

  for (const [name, codec] of [['compat', compatZlib], ['fast', fastZlib]] as const) {
    it(`${name} zlib: a 256 MiB bomb with a 4 MiB limit is LimitExceeded`, () => {
      const bomb = zlibBomb(256);
      expect(bomb.length).toBeLessThan(MiB);
      const before = process.memoryUsage().arrayBuffers;
      expect(() => codec.inflate(bomb, { maxOutput: 4 * MiB })).toThrow(LimitExceeded);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * MiB);
    });

    it(`${name} zlib: the streaming inflater stops at its limit too`, () => {
      const inflater = codec.createInflater({ maxOutput: 4 * MiB });
      expect(() => inflater.push(zlibBomb(64))).toThrow(VersionedFilesError);
    });
  }

  it('gzip: a 256 MiB bomb with a 4 MiB limit is LimitExceeded', () => {
    expect(() => gunzip(gzipBomb(256), { maxOutput: 4 * MiB })).toThrow(LimitExceeded);
  });
});
