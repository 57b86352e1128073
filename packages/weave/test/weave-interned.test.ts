// The weave places new versions by matching line ids from its own interner.
// These properties pin that path to the line-based patience matcher, and check
// the ids survive every way a weave is made: loaded from bytes, copied, staged.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BadParameterContainsNewline, MultiParent, concatBytes, splitLines, utf8 } from '@versionedfiles/core';
import { Weave, checkLines, patienceMatcher } from '@versionedfiles/weave';
import { lines } from './fixtures.js';

const someLines = ['a\n', 'b\n', 'c\n', 'd\n', 'e\n', 'a', 'ü\n'];
function textOf(line: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  return fc.array(line, { maxLength: 10 }).map((ls) => {
    const body = ls.slice(0, -1).map((l) => (l.endsWith('\n') ? l : `${l}\n`));
    return ls.length ? [...body, ls[ls.length - 1] as string] : [];
  });
}
function historyOf(text: fc.Arbitrary<string[]>): fc.Arbitrary<[string[], number[]][]> {
  return fc.array(fc.tuple(text, fc.array(fc.nat(), { maxLength: 3 })), { minLength: 1, maxLength: 10 });
}
// With an empty line: a text the weave stores, though splitting its bytes gives no lines.
const history = historyOf(textOf(fc.constantFrom(...someLines, '')));
// Texts that are what splitting their bytes gives back (multi-parent diffs travel as texts).
const text = textOf(fc.constantFrom(...someLines));
const textHistory = historyOf(text);

type Version = { name: string; parents: string[]; lines: Uint8Array[] };

function versionsOf(h: readonly (readonly [string[], number[]])[]): Version[] {
  return h.map(([t, ps], i) => ({
    name: `v${i}`,
    parents: i === 0 ? [] : [...new Set(ps.map((p) => `v${p % i}`))],
    lines: lines(t),
  }));
}

function build(versions: readonly Version[], w = new Weave()): Weave {
  for (const v of versions) w.addLines(v.name, v.parents, v.lines);
  return w;
}

describe('weave inserts by interned line ids', () => {
  it('give the same file bytes as the line-based patience matcher', () => {
    fc.assert(
      fc.property(history, (h) => {
        const versions = versionsOf(h);
        expect(build(versions).toBytes()).toEqual(build(versions, new Weave('', { matcher: patienceMatcher })).toBytes());
      }),
      { numRuns: 150 },
    );
  });

  it('continue correctly on a weave loaded from bytes or copied midway', () => {
    fc.assert(
      fc.property(history, fc.nat(), (h, cut) => {
        const versions = versionsOf(h);
        const at = cut % (versions.length + 1);
        const whole = build(versions).toBytes();
        const half = build(versions.slice(0, at));
        // The first insert on the original builds its ids; the copy then shares them.
        const copied = half.copy();
        expect(build(versions.slice(at), Weave.fromBytes(half.toBytes())).toBytes()).toEqual(whole);
        expect(build(versions.slice(at), half).toBytes()).toEqual(whole);
        expect(build(versions.slice(at), copied).toBytes()).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  it('survive staged inserts (addMpdiffs) and keep working after them', () => {
    fc.assert(
      fc.property(textHistory, text, (h, extra) => {
        const versions = versionsOf(h);
        const source = build(versions);
        const names = versions.map((v) => v.name);
        const target = new Weave();
        target.addMpdiffs(
          source.makeMpdiffs(names).map((diff, i) => {
            const v = versions[i] as Version;
            return { name: v.name, parents: v.parents, sha1: source.getSha1s([v.name]).get(v.name) as string, diff };
          }),
        );
        const last = names[names.length - 1] as string;
        source.addLines('extra', [last], lines(extra));
        target.addLines('extra', [last], lines(extra));
        expect(target.toBytes()).toEqual(source.toBytes());
        target.check();
      }),
      { numRuns: 80 },
    );
  });
});

describe('a child of the version added last', () => {
  // Mostly linear histories of longer texts from a few repeated lines, each
  // version an edit of its first parent: the weave matches such a child
  // against the text it kept by bytes, and places its lines without a walk
  // of the body. A weave reloaded before each add has nothing kept and walks.
  const pool = ['a\n', 'b\n', 'c\n', 'dd\n', 'a', '\n', '', 'e'];
  const edit = fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.array(fc.constantFrom(...pool), { maxLength: 4 }));
  const step = fc.tuple(fc.array(edit, { maxLength: 3 }), fc.constantFrom('child', 'child', 'child', 'merge', 'root'), fc.nat());
  const linearHistory = fc.tuple(fc.array(fc.constantFrom(...pool), { maxLength: 30 }), fc.array(step, { minLength: 1, maxLength: 12 }));

  function versionsFrom([first, steps]: [string[], [[number, number, string[]][], string, number][]]): Version[] {
    const texts: string[][] = [first];
    const versions: Version[] = [{ name: 'v0', parents: [], lines: lines(first) }];
    for (const [edits, kind, pick] of steps) {
      const i = texts.length;
      const text = kind === 'root' ? [] : [...(texts[i - 1] as string[])];
      for (const [at, drop, add] of edits) text.splice(at % (text.length + 1), drop, ...add);
      const parents = kind === 'root' ? [] : kind === 'merge' && i > 1 ? [`v${i - 1}`, `v${pick % (i - 1)}`] : [`v${i - 1}`];
      texts.push(text);
      versions.push({ name: `v${i}`, parents, lines: lines(text) });
    }
    return versions;
  }

  it('is woven as by walking the body', () => {
    fc.assert(
      fc.property(linearHistory, (h) => {
        const versions = versionsFrom(h);
        const kept = build(versions);
        let walked = new Weave();
        for (const v of versions) {
          walked = Weave.fromBytes(walked.toBytes());
          walked.addLines(v.name, v.parents, v.lines);
        }
        expect(kept.toBytes()).toEqual(walked.toBytes());
        // Texts, not lines: an empty line adds nothing a weave can give back.
        for (const v of versions) expect(kept.getText(v.name)).toEqual(concatBytes(v.lines));
        kept.check();
      }),
      { numRuns: 300 },
    );
  });

  it('is woven as by walking the body when its lines are split from one text', () => {
    fc.assert(
      fc.property(linearHistory, (h) => {
        const versions = versionsFrom(h).map((v) => ({ ...v, lines: splitLines(utf8(v.lines.map((l) => new TextDecoder().decode(l)).join(''))) }));
        const kept = build(versions);
        const walked = new Weave('', { matcher: patienceMatcher });
        for (const v of versions) walked.addLines(v.name, v.parents, v.lines.map((l) => l.slice()));
        expect(kept.toBytes()).toEqual(walked.toBytes());
      }),
      { numRuns: 200 },
    );
  });
});

describe('Weave.makeMpdiffs by the body\'s line ids', () => {
  // Lines as given, newline or not: a text's lines then need not be its split.
  const rawHistory = historyOf(fc.array(fc.constantFrom(...someLines, ''), { maxLength: 8 }));

  it('equals the diff of the split texts', () => {
    fc.assert(
      fc.property(rawHistory, (h) => {
        const w = build(versionsOf(h));
        const names = w.versions();
        const split = (name: string) => splitLines(w.getText(name));
        const expected = names.map((name) => MultiParent.fromLines(split(name), w.getParents(name).map(split)));
        w.makeMpdiffs(names).forEach((diff, i) => expect(diff.equals(expected[i] as MultiParent)).toBe(true));
      }),
      { numRuns: 150 },
    );
  });
});

describe('checkLines', () => {
  // Bytes around the newline and the ones a single-byte decoding maps specially.
  const byte = fc.constantFrom(0x0a, 0x0d, 0x00, 0x61, 0x80, 0x85, 0x9f, 0xff);
  const rawLine = fc.array(byte, { maxLength: 6 }).map((bs) => new Uint8Array(bs));

  it('refuses a newline anywhere but at a line end, and returns the text otherwise', () => {
    fc.assert(
      fc.property(fc.array(rawLine, { maxLength: 8 }), (ls) => {
        const bad = ls.findIndex((l) => {
          const nl = l.indexOf(0x0a);
          return nl >= 0 && nl !== l.length - 1;
        });
        if (bad < 0) {
          expect(checkLines(ls)).toEqual(new Uint8Array(ls.flatMap((l) => [...l])));
        } else {
          expect(() => checkLines(ls)).toThrow(BadParameterContainsNewline);
          try {
            checkLines(ls);
          } catch (err) {
            expect((err as BadParameterContainsNewline).data).toMatchObject({ index: bad });
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('joins views of one buffer, adjacent or not', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a\n', 'bc\n', '\n', 'd'), { maxLength: 8 }), fc.boolean(), (ls, shuffle) => {
        const whole = utf8(ls.join(''));
        const views: Uint8Array[] = [];
        let at = 0;
        for (const l of ls) {
          views.push(whole.subarray(at, at + l.length));
          at += l.length;
        }
        if (shuffle) views.reverse();
        const expected = new Uint8Array(views.flatMap((v) => [...v]));
        expect(checkLines(views)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('annotateAs', () => {
  it('labels each origin once and otherwise answers as annotate', () => {
    fc.assert(
      fc.property(history, (h) => {
        const w = build(versionsOf(h));
        for (const name of w.versions()) {
          const calls: string[] = [];
          const labelled = w.annotateAs(name, (origin) => {
            calls.push(origin);
            return [origin];
          });
          expect(labelled.map(([label, line]) => [label[0], line])).toEqual(w.annotate(name));
          expect(new Set(calls).size).toBe(calls.length);
          for (const [label] of labelled) expect(label).toBe(labelled.find(([l]) => l[0] === label[0])?.[0]);
        }
      }),
      { numRuns: 60 },
    );
  });
});
