// The suite's assertions: comparisons by shape, errors by code.
import { describe, expect, it } from 'vitest';
import { KeyMap, KeySet, RevisionNotPresent, utf8 } from '@versionedfiles/core';
import { ConformanceFailure, errorCode, expectEqual, expectRejects, expectThrows, plain } from '@versionedfiles/conformance';

/** An error from "another copy" of core: same shape, other class. */
class ForeignError extends Error {
  readonly code = 'RevisionNotPresent';
  readonly data = { key: ['x'] };
}

describe('assertions', () => {
  it('compare key maps, maps and key sets by content, not order or class', () => {
    const a = new KeyMap<string>([[['b'], '2'], [['a'], '1']]);
    const b = new Map<readonly string[], string>([[['a'], '1'], [['b'], '2']]);
    expect(plain(a)).toEqual(plain(b));
    expect(plain(new KeySet([['b'], ['a']]))).toEqual([['a'], ['b']]);
    expect(plain(utf8('é\n'))).toBe('b"Ã©\\n"');
    expectEqual(a, b, 'same content');
    expect(() => expectEqual(new KeyMap([[['a'], '1']]), new KeyMap([[['a'], '2']]), 'differs')).toThrow(ConformanceFailure);
    expect(() => expectEqual([utf8('x')], [utf8('y')], 'bytes differ')).toThrow(/bytes differ/);
  });

  it('match errors by code, including errors of another copy of core', async () => {
    expect(errorCode(new RevisionNotPresent(['x']))).toBe('RevisionNotPresent');
    expect(errorCode(new ForeignError('nope'))).toBe('RevisionNotPresent');
    expect(errorCode(new Error('plain'))).toBeNull();
    await expectRejects(() => Promise.reject(new ForeignError('nope')), 'RevisionNotPresent', 'foreign');
    await expect(expectRejects(() => Promise.resolve(1), 'RevisionNotPresent', 'resolves')).rejects.toThrow(/succeeded/);
    await expect(expectRejects(() => Promise.reject(new Error('x')), 'RevisionNotPresent', 'other')).rejects.toThrow(/got Error: x/);
    expect(() => expectThrows(() => 1, 'InvalidKey', 'no throw')).toThrow(ConformanceFailure);
  });
});
