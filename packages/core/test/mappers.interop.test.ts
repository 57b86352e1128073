import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HashEscapedPrefixMapper, HashPrefixMapper, InvalidKey, PrefixMapper, urlEscapePath } from '@versionedfiles/core';
import { runPython } from '../../../test-fixtures/support/breezy.js';

// Random keys, live: our names, URL-escaped, are what Breezy's mappers return,
// for every key we accept.
describe('key mappers against live Breezy', () => {
  it('agree on random unicode keys', () => {
    const keys = fc.sample(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), { numRuns: 300, seed: 11 });
    const script = `
import sys, json
from breezy.bzr import versionedfile as v
ms = [v.PrefixMapper(), v.HashPrefixMapper(), v.HashEscapedPrefixMapper()]
out = []
for k in json.load(sys.stdin):
    out.append([m.map((k.encode('utf-8'), b'r')) for m in ms])
print(json.dumps(out))
`;
    const theirs = JSON.parse(new TextDecoder().decode(runPython(script, { input: JSON.stringify(keys) }))) as string[][];
    const ours = [new PrefixMapper(), new HashPrefixMapper(), new HashEscapedPrefixMapper()];
    let compared = 0;
    keys.forEach((k, i) => {
      ours.forEach((mapper, j) => {
        try {
          expect(urlEscapePath(mapper.map([k, 'r'])), k).toBe(theirs[i]![j]);
          compared++;
        } catch (err) {
          if (!(err instanceof InvalidKey)) throw err;
          // Refused only where Breezy's name would hold '/' or be '.'/'..' on disk.
          expect(j === 2 ? ['.', '..'].includes(k) : k.includes('/') || k === '.' || k === '..').toBe(true);
        }
      });
    });
    expect(compared).toBeGreaterThan(800);
  });
});
