import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  InvalidKey,
  KeyMap,
  KeySet,
  ReservedId,
  compareKeys,
  idToKey,
  keyToId,
  resolvePendingKey,
  utf8,
  compareBytes,
  validateKey,
} from '@versionedfiles/core';

describe('keys', () => {
  it('keyToId is injective and idToKey inverts it', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 4 }), (key) => {
        expect(idToKey(keyToId(key))).toEqual(key);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 3 }),
        (a, b) => {
          const same = a.length === b.length && a.every((e, i) => e === b[i]);
          expect(keyToId(a) === keyToId(b)).toBe(same);
        },
      ),
    );
     // Elements made mostly of the two escaped characters, in keys of every length the short paths take.
    const element = fc.array(fc.constantFrom('\u0000', '\u0001', '\u0002', 'a'), { maxLength: 4 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 3 }), fc.array(element, { minLength: 1, maxLength: 3 }), (a, b) => {
        expect(idToKey(keyToId(a))).toEqual(a);
        const same = a.length === b.length && a.every((e, i) => e === b[i]);
        expect(keyToId(a) === keyToId(b)).toBe(same);
      }),
      { numRuns: 500 },
    );
  });

  it('keyToId gives a key array the id it made the first time, the same as any equal array gets', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 4 }), (key) => {
        const first = keyToId(key);
        expect(keyToId(key)).toBe(first);
        expect(keyToId([...key])).toBe(first);
        const map = new KeyMap<number>([[key, 1]]);
        expect(map.get([...key])).toBe(1);
      }),
    );
  });

  it('KeyMap and KeySet compare keys by value', () => {
    const m = new KeyMap<number>();
    m.set(['a', 'b'], 1);
    expect(m.get(['a', 'b'])).toBe(1);
    expect(m.has(['a\u0000b'])).toBe(false);
    const s = new KeySet([['x'], ['x'], ['y']]);
    expect(s.size).toBe(2);
    expect([...s]).toEqual([['x'], ['y']]);
  });

  it('validateKey gives typed errors', () => {
    expect(() => validateKey('a')).toThrow(InvalidKey);
    expect(() => validateKey([])).toThrow(InvalidKey);
    expect(() => validateKey(['a', 1])).toThrow(InvalidKey);
    expect(() => validateKey(['a'], { length: 2 })).toThrow(InvalidKey);
    expect(() => validateKey(['a b'], { forbidden: ' \n' })).toThrow(InvalidKey);
    expect(() => validateKey(['rev:'], { checkReserved: true })).toThrow(ReservedId);
    expect(validateKey(['f', 'r'], { length: 2 })).toEqual(['f', 'r']);
  });

  it('pending keys get sha1: names', () => {
    expect(resolvePendingKey(['f', null], 'abc')).toEqual(['f', 'sha1:abc']);
    expect(() => resolvePendingKey([null, 'x'], 'abc')).toThrow(InvalidKey);
  });

  it('compareKeys follows UTF-8 byte order, as Python sorts bytes tuples', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareKeys([a], [b]))).toBe(Math.sign(compareBytes(utf8(a), utf8(b))));
      }),
    );
    expect(compareKeys(['a'], ['a', 'b'])).toBeLessThan(0);
  });
});
