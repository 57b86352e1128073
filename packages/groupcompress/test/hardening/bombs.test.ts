// Decompression bombs in groupcompress blocks: a block's header declares its
// content length; content that inflates past it is a typed error, and a
// declared length out of proportion to the compressed size is refused before
// inflating anything.
import { describe, expect, it } from 'vitest';
import { VersionedFilesError, concatBytes, utf8 } from '@versionedfiles/core';
import { parseBlock } from '@versionedfiles/groupcompress';
import { zlibBomb } from '../../../../test-fixtures/support/bombs.js';

const block = (declared: number, z: Uint8Array): Uint8Array => concatBytes([utf8(`gcb1z\n${z.length}\n${declared}\n`), z]);

describe('groupcompress block bombs', () => {
  it('content inflating past its declared length is a typed error, bounded by that length', () => {
    const z = zlibBomb(256);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => parseBlock(block(1000, z)).content()).toThrow(VersionedFilesError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });

  it('a declared length out of proportion to the compressed bytes is refused up front', () => {
    expect(() => parseBlock(block(2 ** 40, zlibBomb(64)))).toThrow(VersionedFilesError);
    expect(() => parseBlock(block(1 << 30, utf8('x')))).toThrow(VersionedFilesError);
  });
});
