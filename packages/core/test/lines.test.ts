// The line helpers: splitting, joining back (one copy when the lines are an
// untouched split), newline counts, shared prefixes and suffixes, and the
// checks stores make on added lines. Each is pinned to a naive byte-by-byte
// model over bytes chosen to include the ones a single-byte decoding maps
// specially.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BadParameterContainsNewline,
  LineInterner,
  BadParameterNotBytes,
  bytesEqual,
  checkAddedLines,
  commonPrefixLength,
  commonSuffixLength,
  concatBytes,
  countNewlines,
  equalLineRun,
  joinLines,
  joinedForReading,
  lineBoundaries,
  lineStarts,
  matchLength,
  sharedLineRuns,
  splitLines,
  splitSourceOf,
  utf8,
} from '@versionedfiles/core';

const byte = fc.constantFrom(0x0a, 0x0d, 0x00, 0x61, 0x62, 0x80, 0x81, 0x85, 0x9f, 0xff);
const bytes = fc.array(byte, { maxLength: 40 }).map((bs) => new Uint8Array(bs));

function naiveSplit(text: Uint8Array): number[][] {
  const out: number[][] = [];
  let line: number[] = [];
  for (const b of text) {
    line.push(b);
    if (b === 0x0a) {
      out.push(line);
      line = [];
    }
  }
  if (line.length > 0) out.push(line);
  return out;
}

describe('utf8', () => {
  it("gives TextEncoder's bytes for any string, short ASCII ones made without it", () => {
    const encoder = new TextEncoder();
    const strings = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: fc.constantFrom('a', '\u00e9', '\ud800', '\udc00', '\u{1f600}', '\x7f', '\x80'), maxLength: 70 }));
    fc.assert(
      fc.property(strings, (text) => {
        expect([...utf8(text)]).toEqual([...encoder.encode(text)]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('splitLines and joinLines', () => {
  it('split at each newline, keeping it, as views of the text', () => {
    fc.assert(
      fc.property(bytes, fc.nat({ max: 5 }), (text, pad) => {
        // A view that does not start at its buffer's start.
        const padded = new Uint8Array(text.length + pad);
        padded.set(text, pad);
        const view = padded.subarray(pad);
        const lines = splitLines(view);
        expect(lines.map((l) => [...l])).toEqual(naiveSplit(text));
        for (const l of lines) expect(l.buffer).toBe(padded.buffer);
        expect(countNewlines(view)).toBe(text.filter((b) => b === 0x0a).length);
      }),
      { numRuns: 300 },
    );
  });

  it('lineStarts gives the offsets of the same lines, within any range of a text', () => {
    fc.assert(
      fc.property(bytes, bytes, bytes, (before, text, after) => {
        const whole = concatBytes([before, text, after]);
        const from = before.length;
        const starts = lineStarts(whole, from, from + text.length);
        const lines: number[][] = [];
        for (let i = 0; i + 1 < starts.length; i++) lines.push([...whole.subarray(starts[i], starts[i + 1])]);
        expect(lines).toEqual(naiveSplit(text));
        expect(starts[starts.length - 1]).toBe(from + text.length);
      }),
      { numRuns: 300 },
    );
    // Past the first guess of offsets, and across the pieces a text is scanned in.
    const many = new Uint8Array(100_000).fill(0x0a);
    many[70_000] = 0x61;
    const starts = lineStarts(many);
    expect(starts.length).toBe(100_000);
    expect(starts[70_000]).toBe(70_000);
    expect(starts[70_001]).toBe(70_002);
  });

  it('join back to a copy of the text, and only an untouched split is known as one', () => {
    fc.assert(
      fc.property(bytes, fc.constantFrom('none', 'replace', 'push', 'reverse'), (text, change) => {
        const lines = splitLines(text);
        if (change === 'replace' && lines.length > 1) lines[0] = (lines[0] as Uint8Array).slice();
        if (change === 'push') lines.push(new Uint8Array([0x61]));
        if (change === 'reverse') lines.reverse();
        const joined = joinLines(lines);
        expect(joined).toEqual(concatBytes(lines));
        if (lines.length > 0) expect(joined).not.toBe(text);
        const untouched = change === 'none' || (change === 'replace' && lines.length < 2) || (change === 'reverse' && lines.length < 2);
        if (untouched && lines.length > 1) {
          expect(splitSourceOf(lines)).toBe(text);
          // The copy is the caller's: writing to it leaves the text alone.
          const before = text.slice();
          joined.fill(0x21);
          expect(text).toEqual(before);
        } else if (change === 'push' || (change === 'replace' && lines.length > 1)) {
          expect(splitSourceOf(lines)).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('split texts in shared memory too', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(6));
    shared.set(new TextEncoder().encode('a\nbc\nd'));
    expect(splitLines(shared).map((l) => [...l])).toEqual([[0x61, 0x0a], [0x62, 0x63, 0x0a], [0x64]]);
    expect(joinLines(splitLines(shared))).toEqual(shared.slice());
    expect(countNewlines(shared)).toBe(2);
  });

  it('split long texts in pieces, and know a long split by its lines still tiling the text', () => {
    // 70,000 lines across scan pieces, some lines straddling a piece boundary.
    const text = new TextEncoder().encode(Array.from({ length: 70_000 }, (_, i) => `${'x'.repeat(i % 13)}${i}\n`).join(''));
    const lines = splitLines(text);
    expect(lines.length).toBe(70_000);
    // Compared natively: toEqual walks half a megabyte element by element for seconds.
    expect(Buffer.compare(concatBytes(lines), text)).toBe(0);
    expect(countNewlines(text)).toBe(70_000);
    expect(splitSourceOf(lines)).toBe(text);
    expect(Buffer.compare(joinLines(lines), text)).toBe(0);
    const few = splitLines(text.subarray(0, 40_000));
    expect(Buffer.compare(splitSourceOf(few) as Uint8Array, text.subarray(0, 40_000))).toBe(0);
  });

  it('a long split changed in any way is known as one only if its lines are still the text split at its newlines', () => {
    const change = fc.constantFrom('none', 'copy', 'swap', 'shift', 'merge', 'push', 'pop', 'other buffer');
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 9 }), { minLength: 4100, maxLength: 4300 }), fc.boolean(), change, fc.nat(), (words, endNewline, how, at) => {
        const text = new TextEncoder().encode(words.map((w) => `${w}.`).join('\n') + (endNewline ? '\n' : ''));
        const lines = splitLines(text);
        const i = at % (lines.length - 1);
        const line = lines[i] as Uint8Array;
        const next = lines[i + 1] as Uint8Array;
        const view = (from: number, length: number): Uint8Array => new Uint8Array(text.buffer, text.byteOffset + from, length);
        if (how === 'copy') lines[i] = line.slice();
        if (how === 'swap') [lines[i], lines[i + 1]] = [next, line];
        // The boundary one byte later, so the line ends past its newline.
        if (how === 'shift' && next.length > 1) [lines[i], lines[i + 1]] = [view(line.byteOffset, line.length + 1), view(next.byteOffset + 1, next.length - 1)];
        if (how === 'merge') lines.splice(i, 2, view(line.byteOffset, line.length + next.length));
        if (how === 'push') lines.push(new Uint8Array([0x61]));
        if (how === 'pop') lines.pop();
        if (how === 'other buffer') lines[i] = new Uint8Array(line.buffer.slice(0), line.byteOffset, line.length);
        const source = splitSourceOf(lines);
        if (how === 'none') expect(source).toBe(text);
        if (source !== undefined) {
          expect(lines.map((l) => [...l])).toEqual(splitLines(source).map((l) => [...l]));
          expect([...concatBytes(lines)]).toEqual([...source]);
        } else {
          expect(['copy', 'swap', 'shift', 'merge', 'push', 'pop', 'other buffer']).toContain(how);
        }
        if (['copy', 'merge', 'push', 'pop', 'other buffer'].includes(how)) expect(source).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });

  it('hide what they keep from equality and enumeration', () => {
    const lines = splitLines(new TextEncoder().encode('a\nb\n'));
    expect(lines).toEqual([new Uint8Array([0x61, 0x0a]), new Uint8Array([0x62, 0x0a])]);
    expect(Object.keys(lines)).toEqual(['0', '1']);
  });
});

describe('commonPrefixLength and commonSuffixLength', () => {
  function naivePrefix(a: Uint8Array, b: Uint8Array): number {
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  }

  it('equal a byte-by-byte count, for views at any offset and any limit', () => {
    const pair = fc.tuple(bytes, bytes, bytes).map(([head, x, y]) => [concatBytes([head, x]), concatBytes([head, y])] as const);
    fc.assert(
      fc.property(pair, fc.nat({ max: 3 }), fc.nat({ max: 50 }), ([a, b], cut, limit) => {
        const av = a.subarray(Math.min(cut, a.length));
        const bv = b.subarray(Math.min(cut, b.length));
        expect(commonPrefixLength(av, bv)).toBe(naivePrefix(av, bv));
        const reversed = (x: Uint8Array) => x.slice().reverse();
        const suffix = naivePrefix(reversed(av), reversed(bv));
        expect(commonSuffixLength(av, bv)).toBe(suffix);
        expect(commonSuffixLength(av, bv, limit)).toBe(Math.min(suffix, limit));
      }),
      { numRuns: 400 },
    );
  });
});

describe('matchLength', () => {
  it('counts the equal bytes from two offsets, up to a bound, short and long runs alike', () => {
    // Long shared runs (up to a few KiB) with a difference anywhere, or none.
    const text = fc.tuple(fc.nat({ max: 5000 }), fc.nat({ max: 5000 }), fc.nat({ max: 255 }), fc.nat({ max: 40 }));
    fc.assert(
      fc.property(text, fc.nat({ max: 6000 }), ([length, diffAt, byte, shift], max) => {
        const a = new Uint8Array(length + shift);
        for (let i = 0; i < a.length; i++) a[i] = (i * 7 + (i >> 3)) & 0xff;
        const b = a.slice(shift);
        if (diffAt < b.length) b[diffAt] = (b[diffAt] as number) ^ (byte | 1);
        const bound = Math.min(max, b.length);
        let expected = 0;
        while (expected < bound && a[shift + expected] === b[expected]) expected++;
        expect(matchLength(a, shift, b, 0, bound)).toBe(expected);
        expect(matchLength(b, 0, a, shift, bound)).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });
});

describe('checkAddedLines', () => {
  const rawLine = fc.array(byte, { maxLength: 6 }).map((bs) => new Uint8Array(bs));

  it('joins the lines, says whether they are proper, and names the first line with a newline inside', () => {
    fc.assert(
      fc.property(fc.array(rawLine, { maxLength: 8 }), fc.boolean(), (lines, checkContent) => {
        const inner = lines.findIndex((l) => {
          const nl = l.indexOf(0x0a);
          return nl >= 0 && nl !== l.length - 1;
        });
        const proper =
          inner < 0 && lines.every((l, i) => l.length > 0 && (l[l.length - 1] === 0x0a || i === lines.length - 1));
        if (checkContent && inner >= 0) {
          let caught: unknown;
          try {
            checkAddedLines(lines, checkContent);
          } catch (err) {
            caught = err;
          }
          expect(caught).toBeInstanceOf(BadParameterContainsNewline);
          expect((caught as BadParameterContainsNewline).data).toMatchObject({ index: inner });
          return;
        }
        const checked = checkAddedLines(lines, checkContent);
        expect(checked.text).toEqual(concatBytes(lines));
        // Always a copy: the caller may reuse its arrays.
        for (const line of lines) if (line.length > 0) expect(checked.text.buffer).not.toBe(line.buffer);
        expect(checked.proper).toBe(proper);
      }),
      { numRuns: 400 },
    );
  });

  it('takes lines split from a text as proper, with a copy of the text', () => {
    fc.assert(
      fc.property(bytes, (text) => {
        const lines = splitLines(text);
        const checked = checkAddedLines(lines);
        expect(checked.text).toEqual(text);
        expect(checked.proper).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses what is not bytes before looking for newlines, as Breezy does', () => {
    const lines = [new Uint8Array([0x61, 0x0a, 0x62]), 'b\n' as unknown as Uint8Array];
    expect(() => checkAddedLines(lines)).toThrow(BadParameterNotBytes);
    expect(() => checkAddedLines('a\n' as unknown as Uint8Array[])).toThrow(BadParameterNotBytes);
  });
});

describe('interning lines split from texts', () => {
  const pool = ['a\n', 'b\n', 'cc\n', '\n', 'a', 'b', '\u00e9\n'];
  const text = fc.array(fc.constantFrom(...pool), { maxLength: 25 }).map((ls) => ls.map((l, i) => (i < ls.length - 1 && !l.endsWith('\n') ? `${l}\n` : l)).join(''));
  const edit = fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.array(fc.constantFrom(...pool.filter((l) => l.endsWith('\n'))), { maxLength: 4 }));
  const pair = fc.tuple(text, fc.array(edit, { maxLength: 4 })).map(([base, edits]) => {
    const lines = splitLines(new TextEncoder().encode(base)).map((l) => new TextDecoder().decode(l));
    for (const [at, drop, add] of edits) lines.splice(at % (lines.length + 1), drop, ...add);
    return [base, lines.join('')] as const;
  });

  it('equalLineRun counts the leading equal lines, as a line-by-line compare does', () => {
    fc.assert(
      fc.property(pair, fc.nat(), fc.nat(), fc.nat(), ([aText, bText], aAt, bAt, cap) => {
        const aBytes = new TextEncoder().encode(aText);
        const bBytes = new TextEncoder().encode(bText);
        const a = splitLines(aBytes);
        const b = splitLines(bBytes);
        const i = aAt % (a.length + 1);
        const j = bAt % (b.length + 1);
        const max = Math.min(cap % 30, a.length - i, b.length - j);
        let expected = 0;
        while (expected < max && bytesEqual(a[i + expected] as Uint8Array, b[j + expected] as Uint8Array)) expected++;
        expect(equalLineRun(aBytes, lineBoundaries(a), i, bBytes, lineBoundaries(b), j, max)).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('gives the ids a line-by-line pass gives (shared head and tail found by bytes)', () => {
    fc.assert(
      fc.property(pair, ([baseText, editedText]) => {
        const base = splitLines(new TextEncoder().encode(baseText));
        const edited = splitLines(new TextEncoder().encode(editedText));
        const bySplit = new LineInterner();
        const byLine = new LineInterner();
        const baseIds = bySplit.internAll(base);
        expect(byLine.internAll([...base])).toEqual(baseIds);
        const ids = bySplit.internAll(edited, { lines: base, ids: baseIds });
        expect(ids).toEqual(byLine.internAll([...edited], { lines: [...base], ids: baseIds }));
        // Texts given by the caller (the lines copied, so not known as splits) take the same path.
        const byText = new LineInterner();
        const textIds = byText.internAll([...base]);
        const baseBytes = new TextEncoder().encode(baseText);
        expect(byText.internAll([...edited], { lines: [...base], ids: textIds, text: baseBytes }, new TextEncoder().encode(editedText))).toEqual(ids);
        // A base given as its text and line boundaries (no views) gives them too.
        const spans = new LineInterner();
        const spanIds = spans.internAll([...base]);
        expect(spans.internAll([...edited], { text: baseBytes, bounds: lineBoundaries(base), ids: spanIds }, new TextEncoder().encode(editedText))).toEqual(ids);
        expect(spans.internAll([...edited].map((l) => l.slice()), { text: baseBytes, bounds: lineBoundaries(base), ids: spanIds })).toEqual(ids);
        const { head, tail } = sharedLineRuns(baseBytes, lineBoundaries(base), new TextEncoder().encode(editedText), lineBoundaries(edited));
        expect(head + tail).toBeLessThanOrEqual(Math.min(base.length, edited.length));
        for (let i = 0; i < head; i++) expect(edited[i]).toEqual(base[i]);
        for (let i = 1; i <= tail; i++) expect(edited[edited.length - i]).toEqual(base[base.length - i]);
      }),
      { numRuns: 400 },
    );
  });
});

describe('joinedForReading', () => {
  it('is the concatenation, a view of the buffer when the chunks lie end to end in it', () => {
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 6 }), fc.boolean(), (pieces, adjacent) => {
        const whole = concatBytes(pieces);
        let at = 0;
        const chunks = pieces.map((p) => {
          const view = adjacent ? whole.subarray(at, at + p.length) : p;
          at += p.length;
          return view;
        });
        const joined = joinedForReading(chunks);
        expect([...joined]).toEqual([...whole]);
        if (adjacent && chunks.length > 0) expect(joined.buffer).toBe(whole.buffer);
      }),
      { numRuns: 300 },
    );
    // Adjacent offsets in different buffers are not adjacent.
    const a = new Uint8Array([1, 2]);
    const b = new Uint8Array(new ArrayBuffer(4), 2, 2).fill(3);
    expect([...joinedForReading([a, b])]).toEqual([1, 2, 3, 3]);
  });
});
