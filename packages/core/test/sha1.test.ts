// sha1Hex takes node's one-shot digest where there is one: the same hex as a
// Hash object's, whole or in pieces.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sha1Stream, sha1Hex, sha1OfChunks, utf8 } from '@versionedfiles/core';

describe('sha1', () => {
  it('gives the known digests', () => {
    expect(sha1Hex(new Uint8Array(0))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(sha1Hex(utf8('abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('agrees with a Hash object, and whole with pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat(4096), (bytes, cut) => {
        const at = Math.min(cut, bytes.length);
        const expected = createHash('sha1').update(bytes).digest('hex');
        expect(sha1Hex(bytes)).toBe(expected);
        expect(sha1OfChunks([bytes.subarray(0, at), bytes.subarray(at)])).toBe(expected);
        const stream = new Sha1Stream().update(bytes.subarray(0, at)).update(bytes.subarray(at));
        expect(stream.size).toBe(bytes.length);
        expect(stream.digest()).toBe(expected);
      }),
    );
  });
});
