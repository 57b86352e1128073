import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compatZlib, toHex } from '@versionedfiles/core';
import { runPython } from '../../../test-fixtures/support/breezy.js';

// The compat contract: pako 2.x deflates to CPython zlib's exact bytes.
describe('compat zlib against CPython zlib', () => {
  it('one-shot deflate is byte-identical at levels 1, 6, 9', () => {
    const samples: Uint8Array[] = fc.sample(fc.uint8Array({ maxLength: 20000 }), { numRuns: 30, seed: 42 });
    samples.push(new TextEncoder().encode('line\n'.repeat(5000)));
    const payload = samples.map((s) => toHex(s)).join('\n');
    const script = `
import sys, zlib
for line in sys.stdin.read().split('\\n'):
    data = bytes.fromhex(line)
    print(' '.join(zlib.compress(data, lvl).hex() for lvl in (1, 6, 9)))
`;
    const out = new TextDecoder().decode(runPython(script, { input: payload })).trim().split('\n');
    samples.forEach((s, i) => {
      const ours = [1, 6, 9].map((level) => toHex(compatZlib.deflate(s, { level }))).join(' ');
      expect(ours).toBe(out[i]);
    });
  });
});
