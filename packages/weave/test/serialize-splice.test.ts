// A weave written after every add re-serializes by splicing the new items into
// the bytes it wrote last; these properties pin that to a from-scratch
// serialization of the same structure, however the weave was made.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Weave, serializeWeave, serializeWeaveIndexed, spliceSerializedWeave } from '@versionedfiles/weave';
import { lines } from './fixtures.js';

const line = fc.constantFrom('a\n', 'b\n', 'c\n', 'd\n', 'e\n', 'f', '', 'ü\n');
const text = fc.array(line, { maxLength: 12 }).map((ls) => {
  const body = ls.slice(0, -1).map((l) => (l.endsWith('\n') ? l : `${l}\n`));
  return ls.length ? [...body, ls[ls.length - 1] as string] : [];
});
const history = fc.array(fc.tuple(text, fc.array(fc.nat(), { maxLength: 3 }), fc.nat(3)), { minLength: 1, maxLength: 14 });

describe('toBytes after each add', () => {
  it('equals serializing the whole weave afresh, through copies, reloads and repeated adds', () => {
    fc.assert(
      fc.property(history, (h) => {
        let w = new Weave();
        const name = (i: number): string => (i === 3 ? 'v3é' : `v${i}`);
        h.forEach(([t, ps, how], i) => {
          const parents = i === 0 ? [] : [...new Set(ps.map((p) => name(p % i)))];
          // 0: in place; 1: on a copy (as a file store stages); 2: reloaded from bytes; 3: no toBytes this time.
          if (how === 1) w = w.copy();
          if (how === 2) w = Weave.fromBytes(w.toBytes());
          w.addLines(name(i), parents, lines(t));
          if (how !== 3) expect(w.toBytes()).toEqual(serializeWeave(w.contents()));
        });
        expect(w.toBytes()).toEqual(serializeWeave(w.contents()));
        expect(Weave.fromBytes(w.toBytes()).equals(w)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('spliceSerializedWeave', () => {
  it('keeps item offsets that point at each item of the new body', () => {
    const w = new Weave();
    w.addLines('a', [], lines(['x\n', 'y\n', 'z']));
    const before = serializeWeaveIndexed(w.contents());
    w.addLines('b', ['a'], lines(['x\n', 'new\n', 'z']));
    const after = w.contents();
    const whole = serializeWeaveIndexed(after);
    expect(whole.bytes).toEqual(serializeWeave(after));
    // The same change by hand: `y` wrapped in a deletion, `new` inserted after it.
    const body = before.itemOffsets.length - 1;
    const spliced = spliceSerializedWeave(before, after, [
      { at: 2, items: after.body.slice(2, 3) },
      { at: 3, items: after.body.slice(4, 8) },
    ]);
    expect(body).toBe(5);
    expect(new TextDecoder().decode(spliced.bytes)).toBe(new TextDecoder().decode(whole.bytes));
    expect(spliced.itemOffsets).toEqual(whole.itemOffsets);
    expect(spliced.bodyStart).toBe(whole.bodyStart);
  });

  it('refuses insertions out of order', () => {
    const w = new Weave();
    w.addLines('a', [], lines(['x\n', 'y\n']));
    const saved = serializeWeaveIndexed(w.contents());
    const items = w.contents().body.slice(1, 2);
    expect(() => spliceSerializedWeave(saved, w.contents(), [{ at: 3, items }, { at: 1, items }])).toThrow(RangeError);
    expect(() => spliceSerializedWeave(saved, w.contents(), [{ at: 9, items }])).toThrow(RangeError);
  });
});
