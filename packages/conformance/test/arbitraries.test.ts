// The arbitraries make valid histories (the suite's properties rely on it),
// and they reach the cases that matter: merges, ghosts, noeol, empty and
// binary texts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeySet, keyToId, linesAreLines, validateKey } from '@versionedfiles/core';
import { arbHistory, arbKey, arbLines, historyAncestry, textsAboveGhosts } from '@versionedfiles/conformance';
import type { History } from '@versionedfiles/conformance';

function expectValidHistory(history: History): void {
  const seen = new KeySet();
  const ghosts = new KeySet(history.ghosts);
  for (const entry of history.entries) {
    expect(entry.key.length).toBe(history.keyLength);
    expect(seen.has(entry.key)).toBe(false);
    for (const parent of entry.parents) {
      expect(seen.has(parent) || ghosts.has(parent)).toBe(true);
      expect(parent.slice(0, -1)).toEqual(entry.key.slice(0, -1));
    }
    expect(new KeySet(entry.parents).size).toBe(entry.parents.length);
    expect(linesAreLines(entry.lines)).toBe(true);
    seen.add(entry.key);
  }
  for (const ghost of history.ghosts) expect(seen.has(ghost)).toBe(false);
}

describe('arbitraries', () => {
  it('histories are valid: unique keys, parents first, same prefix, well-formed lines', () => {
    for (const keyLength of [1, 2] as const) {
      fc.assert(fc.property(arbHistory({ keyLength, ghosts: true }), (h) => expectValidHistory(h)), { numRuns: 60 });
    }
  });

  it('histories without ghosts name only present parents', () => {
    fc.assert(
      fc.property(arbHistory({ keyLength: 1 }), (h) => {
        expect(h.ghosts).toEqual([]);
        expectValidHistory(h);
      }),
      { numRuns: 100 },
    );
  });

  it('histories reach merges, ghosts, noeol, empty and binary texts', () => {
    const samples = fc.sample(arbHistory({ keyLength: 2, ghosts: true }), { numRuns: 300, seed: 7 });
    const entries = samples.flatMap((h) => h.entries);
    const last = (lines: readonly Uint8Array[]): Uint8Array | undefined => lines[lines.length - 1];
    expect(entries.some((e) => e.parents.length >= 2)).toBe(true);
    expect(samples.some((h) => h.ghosts.length > 0)).toBe(true);
    expect(entries.some((e) => e.lines.length === 0)).toBe(true);
    expect(entries.some((e) => { const l = last(e.lines); return l !== undefined && l[l.length - 1] !== 0x0a; })).toBe(true);
    expect(entries.some((e) => e.lines.some((l) => l.some((b) => b >= 0x80 || b === 0x0d || b === 0)))).toBe(true);
    expect(samples.some((h) => h.entries.some((e) => e.parents.length > 0 && e.key[0] !== h.entries[0]?.key[0]))).toBe(true);
  });

  it('keys are valid keys of every store: no reserved ids or forbidden characters', () => {
    fc.assert(
      fc.property(arbKey(2), (key) => {
        validateKey(key, { length: 2, forbidden: ' \n\r\t\u0000/:.', checkReserved: true });
      }),
      { numRuns: 200 },
    );
  });

  it('lines are lines: only the last may lack its newline', () => {
    fc.assert(
      fc.property(arbLines(), (lines) => {
        expect(linesAreLines(lines)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('historyAncestry and textsAboveGhosts follow the parents', () => {
    const history: History = {
      keyLength: 1,
      entries: [
        { key: ['a'], parents: [], lines: [] },
        { key: ['b'], parents: [['a'], ['ghost.1']], lines: [] },
        { key: ['c'], parents: [['b']], lines: [] },
        { key: ['d'], parents: [['a']], lines: [] },
      ],
      ghosts: [['ghost.1']],
    };
    const ancestry = historyAncestry(history);
    expect([...(ancestry.get(['c']) ?? [])].map((k) => keyToId(k)).sort()).toEqual(['a', 'b', 'c']);
    expect([...(ancestry.get(['d']) ?? [])].map((k) => keyToId(k)).sort()).toEqual(['a', 'd']);
    expect([...textsAboveGhosts(history)]).toEqual([['b'], ['c']]);
  });
});
