import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFLATE_PIECE_BYTES, compatZlib, fastZlib, sha1OfChunks, toHex, utf8 } from '@versionedfiles/core';
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

describe('native deflate in pieces, read by CPython zlib', () => {
  it('a stream longer than one piece decompresses to the input', () => {
    const line = utf8('a line that comes back, and a number: ');
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let n = 0; length < 2 * DEFLATE_PIECE_BYTES + 999; n++) {
      const l = new Uint8Array([...line, ...utf8(`${(n * 7919) % 100003}\n`)]);
      parts.push(l);
      length += l.length;
    }
    const data = fastZlib.deflate(parts);
    const dir = mkdtempSync(join(tmpdir(), 'vf-pieced-'));
    try {
      const file = join(dir, 'stream.z');
      writeFileSync(file, data);
      const script = `
import hashlib, sys, zlib
print(hashlib.sha1(zlib.decompress(open(sys.argv[1], 'rb').read())).hexdigest())
`;
      const out = new TextDecoder().decode(runPython(script, { args: [file] })).trim();
      expect(out).toBe(sha1OfChunks(parts));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
