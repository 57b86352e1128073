// Weave stores on disk given hostile keys: each add succeeds and reads back,
// or is refused with a typed error; no file appears outside the store.
import { describe, expect, it } from 'vitest';
import { HashEscapedPrefixMapper, PrefixMapper, type KeyMapper } from '@versionedfiles/core';
import { WeaveVersionedFiles } from '@versionedfiles/weave';
import { hostileKeysOnDisk } from '../../../../test-fixtures/support/hostile-keys.js';

const MAPPERS: readonly [string, KeyMapper][] = [
  ['PrefixMapper', new PrefixMapper()],
  ['HashEscapedPrefixMapper', new HashEscapedPrefixMapper()],
];

describe('weave files and hostile keys', () => {
  for (const [name, mapper] of MAPPERS) {
    it(`${name}: typed refusals, nothing written outside the store`, async () => {
      const r = await hostileKeysOnDisk((t) => new WeaveVersionedFiles(t, mapper, { keyLength: 2 }), 2, 60);
      expect(r.added + r.refused).toBe(60);
      expect(r.refused).toBeGreaterThan(0);
    });
  }
});
