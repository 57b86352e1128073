// The fuzzing harness itself (test-fixtures/support/fuzz.ts) catches what it
// claims to: an untyped error, an input over its time bound, a read that
// changes the store; and its mutations do what they say.
import { describe, expect, it } from 'vitest';
import { CorruptData, MemoryVersionedFiles, utf8 } from '@versionedfiles/core';
import { applyMutation, fuzzTarget, single, storeTarget, type FuzzTarget } from '../../../../test-fixtures/support/fuzz.js';

const seed = single('x', utf8('header 12 34\nbody line\n'));

describe('the fuzzing harness', () => {
  it('reports an untyped error escaping a parser', async () => {
    const target: FuzzTarget = {
      name: 'self-untyped',
      seeds: [seed],
      run: (files) => {
        const bytes = files.get('x') as Uint8Array;
        if (bytes.length !== 23) throw new TypeError('a parser bug');
      },
    };
    await expect(fuzzTarget(target, 50)).rejects.toThrow(/untyped error escaped: TypeError: a parser bug/);
  });

  it('lets typed errors through and counts them', async () => {
    const target: FuzzTarget = {
      name: 'self-typed',
      seeds: [seed],
      run: (files) => {
        if ((files.get('x') as Uint8Array).length !== 23) throw new CorruptData('self', 'bad length');
      },
    };
    const result = await fuzzTarget(target, 50);
    expect((result.outcomes['CorruptData'] ?? 0) + (result.outcomes['ok'] ?? 0)).toBe(50);
    expect(result.outcomes['CorruptData']).toBeGreaterThan(0);
  });

  it('reports an input over its time bound', async () => {
    const target: FuzzTarget = {
      name: 'self-slow',
      seeds: [seed],
      timeMs: 20,
      run: (files) => {
        if ((files.get('x') as Uint8Array).length === 23) return;
        const until = performance.now() + 40;
        while (performance.now() < until) {
          /* a parser stuck in a loop */
        }
      },
    };
    await expect(fuzzTarget(target, 20)).rejects.toThrow(/input took \d+ ms \(bound 20 ms\)/);
  });

  it('reports a read that changes the store', async () => {
    const target = storeTarget('self-writes', [seed], async (t) => {
      await t.put('x', utf8('rewritten by a reader'));
      return new MemoryVersionedFiles({ keyLength: 1 });
    });
    await expect(fuzzTarget(target, 5)).rejects.toThrow(/reading changed the store/);
  });

  it('mutations: cuts, deletions, insertions, flips and hostile decimal lengths', () => {
    const b = utf8('len 12 of 345\n');
    expect(applyMutation(b, { op: 'cut', at: 3 })).toEqual(utf8('len'));
    expect(applyMutation(b, { op: 'delete', at: 0, length: 4 })).toEqual(utf8('12 of 345\n'));
    expect(applyMutation(b, { op: 'insert', at: 3, bytes: [0x21] })).toEqual(utf8('len! 12 of 345\n'));
    expect(applyMutation(b, { op: 'flip', at: 0, bit: 5 })).toEqual(utf8('Len 12 of 345\n'));
    expect(applyMutation(b, { op: 'number', which: 1, value: '99999999999999999999' })).toEqual(utf8('len 12 of 99999999999999999999\n'));
    expect(applyMutation(b, { op: 'duplicate', at: 4, length: 3, to: 0 })).toEqual(utf8('12 len 12 of 345\n'));
  });
});
