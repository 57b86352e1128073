import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CorruptData, utf8 } from '@versionedfiles/core';
import { Weave, WeaveFormatError, parseWeave, serializeWeave, isTextLine } from '@versionedfiles/weave';
import { lines, texts, weaveBytes, weaveFixtures } from './fixtures.js';

describe('weave v5 files Breezy wrote', () => {
  for (const fixture of weaveFixtures()) {
    it(`${fixture.name}: parses and serializes to the same bytes`, () => {
      const bytes = weaveBytes(fixture.name);
      const contents = parseWeave(bytes);
      expect(contents.names).toEqual(fixture.versions.map((v) => v.name));
      expect(contents.sha1s).toEqual(fixture.versions.map((v) => v.sha1));
      expect(serializeWeave(contents)).toEqual(bytes);
    });

    it(`${fixture.name}: the same inserts give byte-identical files`, () => {
      const w = new Weave(fixture.name);
      for (const v of fixture.versions) w.addLines(v.name, v.parents, lines(v.lines));
      expect(w.toBytes()).toEqual(weaveBytes(fixture.name));
    });

    it(`${fixture.name}: texts, sha1s, annotations and ancestry equal Breezy's`, () => {
      const w = Weave.fromBytes(weaveBytes(fixture.name), fixture.name);
      w.check();
      for (const v of fixture.versions) {
        expect(texts(w.getLines(v.name))).toEqual(v.text);
        expect(w.getSha1s([v.name]).get(v.name)).toBe(v.sha1);
        expect(w.annotate(v.name).map(([o, l]) => [o, texts([l])[0]])).toEqual(v.annotate);
        expect([...w.getAncestry([v.name])].sort()).toEqual(v.ancestry);
        expect(w.getParentMap([v.name]).get(v.name)).toEqual(v.parents);
      }
      expect([...w.iterLinesAddedOrPresentInVersions()].map(([l, n]) => [texts([l])[0], n])).toEqual(fixture.linesAdded);
    });
  }
});

describe('parseWeave rejects malformed files with WeaveFormatError', () => {
  const good = '# bzr weave file v5\ni\n1 0000000000000000000000000000000000000000\nn v1\n\nw\n{ 0\n. a\n}\nW\n';
  const cases: [string, string][] = [
    ['empty', ''],
    ['bad header', good.replace('v5', 'v4')],
    ['truncated', good.slice(0, good.length - 2)],
    ['no final newline', good.slice(0, good.length - 1)],
    ['trailing data', `${good}x\n`],
    ['parent out of range', good.replace('i\n', 'i 0\n')],
    ['parent not a number', good.replace('i\n', 'i x\n')],
    ['instruction version out of range', good.replace('{ 0', '{ 1')],
    ['huge instruction version', good.replace('{ 0', '{ 99999999999999999999')],
    ['unclosed insertion', good.replace('}\nW', 'W')],
    ['close without open', good.replace('}\nW', '}\n}\nW')],
    ['deletion never closed', good.replace('. a', '[ 0\n. a')],
    ['deletion closed but not open', good.replace('. a', '] 0\n. a')],
    ['text outside insertion', good.replace('{ 0\n. a\n}', '. a')],
    ['unknown body line', good.replace('. a', '? a')],
    ['missing blank line', good.replace('n v1\n\n', 'n v1\n')],
    ['duplicate names', good.replace('w\n', 'i\n1 0000000000000000000000000000000000000000\nn v1\n\nw\n')],
    ['bad sha line', good.replace('1 0000', '2 0000')],
    ['bad name line', good.replace('n v1', 'x v1')],
    ['bad instruction spacing', good.replace('{ 0', '{0')],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      expect(() => parseWeave(utf8(text))).toThrow(WeaveFormatError);
    });
  }

  it('is a CorruptData with a stable code', () => {
    try {
      parseWeave(utf8('nope'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CorruptData);
      expect((err as WeaveFormatError).code).toBe('WeaveFormatError');
    }
  });

  it('checks structures given directly as it checks files', () => {
    const contents = parseWeave(utf8(good));
    expect(Weave.fromContents(contents).versions()).toEqual(['v1']);
    expect(() => Weave.fromContents({ ...contents, parents: [[3]] })).toThrow(WeaveFormatError);
    expect(() => Weave.fromContents({ ...contents, body: contents.body.slice(1) })).toThrow(WeaveFormatError);
    expect(() => Weave.fromContents({ ...contents, names: ['two\nlines'] })).toThrow(WeaveFormatError);
  });

  it('accepts the minimal file', () => {
    expect(parseWeave(utf8(good)).body.filter(isTextLine)).toHaveLength(1);
  });
});

describe('fuzzing', () => {
  const corpus = weaveFixtures().map((f) => weaveBytes(f.name));

  it('mutated Breezy files either parse or throw WeaveFormatError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: corpus.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'dup')), {
          minLength: 1,
          maxLength: 4,
        }),
        (which, edits) => {
          let bytes = corpus[which] as Uint8Array;
          for (const [at, value, how] of edits) {
            const i = at % Math.max(1, bytes.length);
            if (how === 'set') {
              bytes = bytes.slice();
              bytes[i] = value;
            } else if (how === 'cut') {
              bytes = bytes.subarray(0, i);
            } else {
              bytes = new Uint8Array([...bytes.subarray(0, i), ...bytes.subarray(i / 2)]);
            }
          }
          try {
            const w = Weave.fromBytes(bytes);
            // A structurally valid weave still answers every question with data or a typed error.
            for (const name of w.versions()) {
              try {
                w.getLines(name);
                w.annotate(name);
              } catch (err) {
                expect(err).toBeInstanceOf(Error);
                expect(['InvalidChecksum', 'ReservedId']).toContain((err as { code?: string }).code);
              }
            }
          } catch (err) {
            expect(err).toBeInstanceOf(WeaveFormatError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random inserts round-trip through the file format', () => {
    const line = fc.constantFrom('a\n', 'b\n', 'c\n', 'd\n', 'e', '', 'ü\n');
    const text = fc.array(line, { maxLength: 8 }).map((ls) => {
      // Only the last line may lack a newline.
      const body = ls.slice(0, -1).map((l) => (l.endsWith('\n') ? l : `${l}\n`));
      return ls.length ? [...body, ls[ls.length - 1] as string] : [];
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, fc.array(fc.nat(), { maxLength: 2 })), { minLength: 1, maxLength: 8 }), (versions) => {
        const w = new Weave();
        versions.forEach(([t, ps], i) => {
          const parents = i === 0 ? [] : [...new Set(ps.map((p) => `v${p % i}`))];
          w.addLines(`v${i}`, parents, lines(t));
        });
        const back = Weave.fromBytes(w.toBytes());
        expect(back.equals(w)).toBe(true);
        back.check();
        // Texts, not line lists: an empty last line is no text, and a weave may drop it.
        versions.forEach(([t], i) => expect(texts([back.getText(`v${i}`)])[0]).toEqual(t.join('')));
      }),
      { numRuns: 150 },
    );
  });
});
