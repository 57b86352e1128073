// Knit file stores on disk given hostile keys (`..`, `/`, NUL, very long,
// unicode) under every prefix mapper: each add succeeds and reads back, or is
// refused with a typed error; no file appears outside the store's directory.
import { describe, expect, it } from 'vitest';
import { HashEscapedPrefixMapper, HashPrefixMapper, PrefixMapper, type KeyMapper } from '@versionedfiles/core';
import { makeFileFactory } from '@versionedfiles/knit';
import { hostileKeysOnDisk } from '../../../../test-fixtures/support/hostile-keys.js';

const MAPPERS: readonly [string, KeyMapper][] = [
  ['PrefixMapper', new PrefixMapper()],
  ['HashPrefixMapper', new HashPrefixMapper()],
  ['HashEscapedPrefixMapper', new HashEscapedPrefixMapper()],
];

describe('knit files and hostile keys', () => {
  for (const [name, mapper] of MAPPERS) {
    it(`${name}: typed refusals, nothing written outside the store`, async () => {
      const r = await hostileKeysOnDisk((t) => makeFileFactory(false, mapper, { keyLength: 2 })(t), 2, 60);
      expect(r.added + r.refused).toBe(60);
      expect(r.refused).toBeGreaterThan(0);
    });
  }
});
