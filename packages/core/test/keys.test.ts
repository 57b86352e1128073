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

  it('KeyMap and KeySet compare keys by value', () => {
    const m = new KeyMap<number>();
    m.set(['a', 'b'], 1);
    expect(m.get(['a', 'b'])).toBe(1);
    expect(m.has(['a\u0000b'])).toBe(false);
    const s = new KeySet([['x'], ['x'], ['y']]);
    expect(s.size).toBe(2);
    expect([...s]).toEqual([['x'], ['y']]);
  });

  it('KeyMap and KeySet behave as a Map and a Set by keyToId, order and all', () => {
    // Keys of mixed lengths over few elements, so prefixes, equal keys and empty levels all come up.
    const key = fc.array(fc.constantFrom('a', 'b', 'a\u0000b', ''), { minLength: 1, maxLength: 3 });
    // Past 8 entries lookups go element by element: enough sets to get there, deletes to empty levels.
    const op = fc.oneof(
      { arbitrary: fc.tuple(fc.constant('set' as const), key, fc.integer()), weight: 6 },
      { arbitrary: fc.tuple(fc.constant('delete' as const), key, fc.constant(0)), weight: 4 },
      { arbitrary: fc.tuple(fc.constant('clear' as const), key, fc.constant(0)), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80, size: 'max' }), fc.array(key, { maxLength: 6 }), (ops, probes) => {
        const map = new KeyMap<number>();
        const set = new KeySet();
        const modelMap = new Map<string, [readonly string[], number]>();
        const modelSet = new Map<string, readonly string[]>();
        for (const [kind, k, v] of ops) {
          const id = keyToId(k);
          if (kind === 'set') {
            map.set(k, v);
            modelMap.set(id, [k, v]);
            set.add(k);
            if (!modelSet.has(id)) modelSet.set(id, k);
          } else if (kind === 'delete') {
            expect(map.delete(k)).toBe(modelMap.delete(id));
            expect(set.delete(k)).toBe(modelSet.delete(id));
          } else {
            map.clear();
            modelMap.clear();
            set.clear();
            modelSet.clear();
          }
          expect(map.size).toBe(modelMap.size);
          expect(set.size).toBe(modelSet.size);
        }
        expect([...map]).toEqual([...modelMap.values()]);
        expect([...map.keys()]).toEqual([...modelMap.values()].map(([k]) => k));
        expect([...map.values()]).toEqual([...modelMap.values()].map(([, v]) => v));
        expect([...set]).toEqual([...modelSet.values()]);
        for (const k of [...probes, ...ops.map(([, k2]) => k2)]) {
          expect(map.get([...k])).toBe(modelMap.get(keyToId(k))?.[1]);
          expect(map.has([...k])).toBe(modelMap.has(keyToId(k)));
          expect(set.has([...k])).toBe(modelSet.has(keyToId(k)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('KeyMap keeps longer keys when a shorter one sharing their prefix goes, past the small size', () => {
    const m = new KeyMap<number>();
    for (let i = 0; i < 10; i++) m.set(['f', `r${i}`], i);
    m.set(['g', 'h'], 10);
    m.set(['g', 'h', 'i'], 11);
    m.delete(['g', 'h']);
    expect(m.get(['g', 'h', 'i'])).toBe(11);
    m.delete(['g', 'h', 'i']);
    m.set(['g', 'h', 'i'], 12);
    expect([...m.values()].slice(-1)).toEqual([12]);
    expect(m.size).toBe(11);
  });

  it('KeyMap iteration sees deletions and additions made while it runs, as a Map', () => {
    const m = new KeyMap<number>([[['a'], 1], [['b'], 2], [['c'], 3]]);
    const seen: number[] = [];
    for (const [k, v] of m) {
      seen.push(v);
      if (k[0] === 'a') {
        m.delete(['b']);
        m.set(['d'], 4);
      }
    }
    expect(seen).toEqual([1, 3, 4]);
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
