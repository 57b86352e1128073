// Keys against the key mappers: no key, however hostile, makes a mapper name
// a path that leaves the store's directory; it maps inside or is refused with
// InvalidKey. Mapped paths go through the transports too, which refuse any
// path outside their root (PathOutsideRoot) as a second line.
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ConstantMapper,
  HashEscapedPrefixMapper,
  HashPrefixMapper,
  InvalidKey,
  LocalTransport,
  MemoryTransport,
  PrefixMapper,
  VersionedFilesError,
  utf8,
} from '@versionedfiles/core';
import type { KeyMapper } from '@versionedfiles/core';
import { filesOutside, hostileKey, pathStaysInside } from '../../../../test-fixtures/support/hostile-keys.js';

const MAPPERS: readonly [string, KeyMapper][] = [
  ['ConstantMapper', new ConstantMapper('texts')],
  ['PrefixMapper', new PrefixMapper()],
  ['HashPrefixMapper', new HashPrefixMapper()],
  ['HashEscapedPrefixMapper', new HashEscapedPrefixMapper()],
];

describe('hostile keys and the mappers', () => {
  for (const [name, mapper] of MAPPERS) {
    it(`${name}: every key maps inside the store or is refused with InvalidKey`, () => {
      let refused = 0;
      fc.assert(
        fc.property(hostileKey(2), (key) => {
          let path: string;
          try {
            path = mapper.map(key);
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidKey);
            refused++;
            return;
          }
          expect(pathStaysInside(path), JSON.stringify({ key, path })).toBe(true);
          expect(pathStaysInside(`${path}.kndx`)).toBe(true);
        }),
        { numRuns: 400 },
      );
      if (name !== 'ConstantMapper') expect(refused).toBeGreaterThan(0);
    });
  }

  it('ConstantMapper refuses a name that would leave the store', () => {
    for (const bad of ['..', '../x', '/abs', 'a/../../b', 'a\0b']) expect(() => new ConstantMapper(bad)).toThrow(VersionedFilesError);
  });

  it('transports refuse paths outside their root, so nothing reaches the disk outside the store', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'vf-keys-'));
    try {
      const storeDir = join(sandbox, 'store');
      mkdirSync(storeDir);
      const transports = [new LocalTransport(storeDir), new MemoryTransport()];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...transports), fc.array(fc.constantFrom('..', '.', 'a', '/', '\0', 'b'), { minLength: 1, maxLength: 6 }), async (t, parts) => {
          const path = parts.join('/');
          try {
            await t.put(path, utf8('x'), { createParentDir: true });
          } catch (err) {
            expect(err).toBeInstanceOf(VersionedFilesError);
          }
        }),
        { numRuns: 200 },
      );
      expect(filesOutside(sandbox, storeDir)).toEqual([]);
    } finally {
      rmSync(sandbox, { recursive: true, force: true });
    }
  });
});
