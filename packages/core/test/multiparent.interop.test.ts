import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { MultiParent, concatBytes, latin1, splitLines, toHex, type MatchingBlock } from '@versionedfiles/core';
import { runPython, runPythonScript } from '../../../test-fixtures/support/breezy.js';

// Live comparisons with breezy.multiparent: a fresh batch of the fixture
// generator under a new seed, and fast-check texts whose diffs Breezy both
// makes and reads back from our patch bytes.
const MAKE_FIXTURES = fileURLToPath(new URL('../../../test-fixtures/core/multiparent/make-fixtures.py', import.meta.url));
const decoder = new TextDecoder();

function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

describe('multi-parent diffs against live Breezy', () => {
  it('makes the same patches on a fresh seeded batch', () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const out = decoder.decode(runPythonScript(MAKE_FIXTURES, { args: ['--stdout', '--seed', String(seed), '--count', '200'] }));
    const records = out
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { name: string; text: string; parents: string[]; patch: string; leftBlocks?: number[] });
    expect(records.length).toBe(200);
    const wrong = records.filter((r) => {
      const left = r.leftBlocks?.flatMap((v, i, all): MatchingBlock[] => (i % 3 === 0 ? [[v, all[i + 1] ?? 0, all[i + 2] ?? 0]] : []));
      const diff = MultiParent.fromLines(splitLines(bytesOf(r.text)), r.parents.map((p) => splitLines(bytesOf(p))), left);
      return latin1(diff.toPatchBytes()) !== r.patch;
    });
    expect(wrong.map((r) => `${r.name} (seed ${seed})`)).toEqual([]);
  });

  it('Breezy makes our patch bytes and rebuilds the text from them', () => {
    const line = fc.oneof(fc.constantFrom('\n', 'a\n', 'b\n', 'c\n', '\u00e9\n'), fc.string({ maxLength: 4 }).map((s) => `${s}\n`));
    const body = fc
      .tuple(fc.array(line, { maxLength: 25 }), fc.boolean())
      .map(([ls, noeol]) => {
        const text = new TextEncoder().encode(ls.join(''));
        return noeol && text.length > 1 && text[text.length - 2] !== 0x0a ? text.subarray(0, text.length - 1) : text;
      });
    const cases = fc.sample(fc.tuple(body, fc.array(body, { maxLength: 3 })), { numRuns: 200 });
    const ours = cases.map(([text, parents]) => MultiParent.fromTexts(text, parents).toPatchBytes());
    const input = cases.map(([text, parents], i) => JSON.stringify([toHex(text), parents.map(toHex), toHex(ours[i] as Uint8Array)])).join('\n');
    const script = `
import json, sys
from breezy import multiparent
for row in sys.stdin.read().split('\\n'):
    text, parents, patch = json.loads(row)
    text, parents, patch = bytes.fromhex(text), [bytes.fromhex(p) for p in parents], bytes.fromhex(patch)
    made = b''.join(multiparent.MultiParent.from_texts(text, parents).to_patch())
    rebuilt = b''.join(multiparent.MultiParent.from_patch(patch).to_lines(parents)) if patch else b''
    print(json.dumps([made.hex(), rebuilt.hex()]))
`;
    const rows = decoder.decode(runPython(script, { input })).trim().split('\n');
    cases.forEach(([text], i) => {
      const [made, rebuilt] = JSON.parse(rows[i] as string) as [string, string];
      expect(made).toBe(toHex(ours[i] as Uint8Array));
      expect(rebuilt).toBe(toHex(concatBytes([text])));
    });
  });
});
