import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compatZlib, fastZlib, gunzip, gzipChunks, toHex } from '@versionedfiles/core';
import { runPython } from '../../../test-fixtures/support/breezy.js';

// The compat contract for knit records: our gzip members are Breezy's bytes, and
// Breezy's gzip reader takes what either of our codecs writes.
describe('gzip framing against breezy.bzr.tuned_gzip', () => {
  const samples: Uint8Array[][] = fc.sample(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 6 }), {
    numRuns: 40,
    seed: 7,
  });
  samples.push([new TextEncoder().encode('a line of text\n'.repeat(2000))], []);

  it('chunks_to_gzip output is byte-identical to gzipChunks(compatZlib)', () => {
    const payload = samples.map((chunks) => chunks.map((c) => toHex(c) || '-').join(' ')).join('\n');
    const script = `
import sys
from breezy.bzr import tuned_gzip
for line in sys.stdin.read().split('\\n'):
    chunks = [bytes.fromhex(c) if c != '-' else b'' for c in line.split(' ') if c]
    print(b''.join(tuned_gzip.chunks_to_gzip(chunks)).hex())
`;
    const out = new TextDecoder().decode(runPython(script, { input: payload })).trim().split('\n');
    expect(out).toHaveLength(samples.length);
    samples.forEach((chunks, i) => {
      const ours = toHex(gzipChunks(chunks, compatZlib));
      expect(ours).toBe(out[i]);
      expect(toHex(gunzip(new Uint8Array(Buffer.from(out[i]!, 'hex'))).data)).toBe(chunks.map(toHex).join(''));
    });
  });

  it("Python's gzip reader takes our fast-mode members", () => {
    const members = samples.map((chunks) => toHex(gzipChunks(chunks, fastZlib)));
    const script = `
import sys, gzip
for line in sys.stdin.read().split('\\n'):
    print(gzip.decompress(bytes.fromhex(line)).hex())
`;
    const out = new TextDecoder().decode(runPython(script, { input: members.join('\n') })).split('\n');
    samples.forEach((chunks, i) => expect(out[i]).toBe(chunks.map(toHex).join('')));
  });
});
