import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { PatienceSequenceMatcher, splitLines, toHex, unifiedDiff } from '@versionedfiles/core';
import { runPython, runPythonScript } from '../../../test-fixtures/support/breezy.js';

// Live comparisons with the patiencediff that Breezy imports: a fresh batch of
// the fixture generator under a new seed, and pairs from fast-check sent over.
const MAKE_FIXTURES = fileURLToPath(new URL('../../../test-fixtures/core/patience/make-fixtures.py', import.meta.url));

const decoder = new TextDecoder();

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

describe('patience diff against live Breezy', () => {
  it('gives the same blocks on a fresh seeded batch of generated pairs', () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const out = decoder.decode(runPythonScript(MAKE_FIXTURES, { args: ['--stdout', '--seed', String(seed), '--count', '400'] }));
    const records = out
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { name: string; a: string; b: string; blocks: number[] });
    expect(records.length).toBe(400);
    const mismatches = records
      .filter((r) => {
        const blocks = new PatienceSequenceMatcher(splitLines(latin1Bytes(r.a)), splitLines(latin1Bytes(r.b))).getMatchingBlocks();
        return JSON.stringify(blocks.flat()) !== JSON.stringify(r.blocks);
      })
      .map((r) => `${r.name} (seed ${seed})`);
    expect(mismatches).toEqual([]);
  });

  it('gives the same blocks, opcodes and grouped opcodes on fast-check pairs', () => {
    const line = fc.oneof(
      fc.constantFrom('\n', 'a\n', 'b\n', 'c\n', 'x', '  }\n'),
      fc.uint8Array({ maxLength: 4 }).map((bytes) => [...bytes].map((n) => String.fromCharCode(97 + (n % 5))).join('') + '\n'),
    );
    const text = fc.array(line, { maxLength: 60 }).map((ls) => ls.map((l) => new TextEncoder().encode(l)));
    const pairs = fc.sample(fc.tuple(text, text, fc.integer({ min: 0, max: 5 })), { numRuns: 300 });
    const input = pairs.map(([a, b, n]) => JSON.stringify([a.map(toHex), b.map(toHex), n])).join('\n');
    const script = `
import json, sys, patiencediff
for row in sys.stdin.read().split('\\n'):
    a, b, n = json.loads(row)
    m = patiencediff.PatienceSequenceMatcher(None, [bytes.fromhex(x) for x in a], [bytes.fromhex(x) for x in b])
    print(json.dumps([m.get_matching_blocks(), m.get_opcodes(), m.get_grouped_opcodes(n)]))
`;
    const rows = decoder.decode(runPython(script, { input })).trim().split('\n');
    expect(rows.length).toBe(pairs.length);
    pairs.forEach(([a, b, n], i) => {
      const m = new PatienceSequenceMatcher(a, b);
      expect(JSON.stringify([m.getMatchingBlocks(), m.getOpcodes(), m.getGroupedOpcodes(n)])).toBe(
        JSON.stringify(JSON.parse(rows[i] as string)),
      );
    });
  });

  it('writes the same unified diff as patiencediff.unified_diff', () => {
    const words = fc.array(fc.constantFrom('one\n', 'two\n', 'three\n', 'four\n', 'five\n', '\n', 'end'), { maxLength: 40 });
    const pairs = fc.sample(fc.tuple(words, words, fc.integer({ min: 0, max: 4 })), { numRuns: 150 });
    const input = pairs.map((p) => JSON.stringify(p)).join('\n');
    const script = `
import json, sys, patiencediff
for row in sys.stdin.read().split('\\n'):
    a, b, n = json.loads(row)
    print(json.dumps(list(patiencediff.unified_diff(a, b, 'old', 'new', 'd1', '', n=n,
        sequencematcher=patiencediff.PatienceSequenceMatcher))))
`;
    const rows = decoder.decode(runPython(script, { input })).trim().split('\n');
    pairs.forEach(([a, b, n], i) => {
      const ours = unifiedDiff(a, b, { fromFile: 'old', toFile: 'new', fromFileDate: 'd1', n });
      expect(ours).toEqual(JSON.parse(rows[i] as string));
    });
  });
});
