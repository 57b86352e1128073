import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeyMap, bytesEqual, concatBytes, fastZlib, lineBoundaries, sha1Hex, sortKeys, splitLines, utf8 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import {
  KnitCorrupt,
  KndxState,
  TextBuilder,
  applyDelta,
  contentText,
  decodeDeltaClosure,
  decodeKnitWire,
  decodeRecord,
  deltaFromBlocks,
  deltaMatchingBlocks,
  denseLineDelta,
  encodeDeltaClosure,
  encodeKnitWire,
  encodeRecord,
  lowerFulltext,
  lowerLineDelta,
  methodOf,
  parseFulltext,
  parseKndx,
  parseLineDelta,
  type RawComponent,
} from '../src/format/index.js';
import { PatienceSequenceMatcher } from '@versionedfiles/core';
import { withFinalNewline } from '../src/records.js';
import { SCENARIOS, b64, fixtureFile, manifest } from './support.js';

function kndxFiles(name: string): string[] {
  return manifest(name).files.filter((f) => f.endsWith('.kndx'));
}

/** Every record of a fixture knit file, as the builder wants them. */
function componentsOf(name: string, kndxPath: string): { components: KeyMap<RawComponent>; state: KndxState; knit: Uint8Array } {
  const state = parseKndx(fixtureFile(name, kndxPath), kndxPath);
  const knit = fixtureFile(name, kndxPath.replace(/\.kndx$/, '.knit'));
  const components = new KeyMap<RawComponent>();
  for (const e of state.entries.values()) {
    const method = methodOf(e.options);
    if (method === null) throw new Error('no method');
    components.set([e.versionId], {
      bytes: knit.subarray(e.pos, e.pos + e.size),
      method,
      noeol: e.options.includes('no-eol'),
      next: method === 'line-delta' ? [e.parents[0] as string] : null,
    });
  }
  return { components, state, knit };
}

describe('knit format against Breezy fixtures', () => {
  for (const name of SCENARIOS) {
    it(`${name}: builds every text with Breezy's sha1`, () => {
      const m = manifest(name);
      const sha1s = new KeyMap(m.keys.map((k) => [k.key.slice(-1), k.sha1] as const));
      let built = 0;
      for (const kndx of kndxFiles(name)) {
        const { components } = componentsOf(name, kndx);
        const builder = new TextBuilder(m.annotated, components, kndx);
        for (const key of components.keys()) {
          const text = concatBytes([...builder.text(key)]);
          expect(sha1Hex(text)).toBe(builder.sha1(key));
          if (kndx === kndxFiles(name)[0]) expect(builder.sha1(key)).toBe(sha1s.get(key));
          built++;
        }
      }
      expect(built).toBeGreaterThan(10);
    });

    it(`${name}: re-encodes every record and index line byte for byte`, () => {
      const m = manifest(name);
      for (const kndx of kndxFiles(name)) {
        const { components, state, knit } = componentsOf(name, kndx);
        const rebuilt = new KndxState();
        const lines: Uint8Array[] = [];
        for (const vid of state.history) {
          const e = state.get(vid)!;
          lines.push(rebuilt.encodeLine(e));
          rebuilt.add(e);
          const c = components.get([vid])!;
          const rec = decodeRecord(c.bytes, { key: [vid] }, { versionId: vid });
          expect(bytesEqual(encodeRecord(vid, rec.sha1, rec.body), c.bytes)).toBe(true);
          // Body parsers and lowerers invert each other.
          if (c.method === 'fulltext') {
            const content = parseFulltext(rec.body, m.annotated, c.noeol);
            expect(lowerFulltext(content, m.annotated).map((l) => Buffer.from(l).toString('latin1'))).toEqual(
              rec.body.map((l) => Buffer.from(l).toString('latin1')),
            );
          } else {
            const hunks = parseLineDelta(rec.body, m.annotated);
            expect(lowerLineDelta(hunks, m.annotated).map((l) => Buffer.from(l).toString('latin1'))).toEqual(
              rec.body.map((l) => Buffer.from(l).toString('latin1')),
            );
          }
        }
        expect(Buffer.from(concatBytes(lines)).toString('latin1')).toBe(
          Buffer.from(fixtureFile(name, kndx)).toString('latin1').slice('# bzr knit index 8\n'.length),
        );
        expect(knit.length).toBeGreaterThan(0);
      }
    });

    it(`${name}: wire records and the delta closure round-trip`, () => {
      const m = manifest(name);
      for (const s of m.stream) {
        const wire = b64(s.wire);
        const rec = decodeKnitWire(wire);
        expect(rec.kind).toBe(s.kind);
        expect(rec.key).toEqual(s.key);
        expect(bytesEqual(encodeKnitWire(rec), wire)).toBe(true);
      }
      const closureBytes = b64(m.closure!);
      const closure = decodeDeltaClosure(closureBytes);
      expect(sortKeys(closure.keys)).toEqual(sortKeys(m.closureKeys));
      expect(bytesEqual(encodeDeltaClosure(closure), closureBytes)).toBe(true);
      const builder = new TextBuilder(closure.annotated, closure.components);
      const sha1s = new KeyMap(m.keys.map((k) => [k.key, k.sha1] as const));
      for (const key of closure.keys) expect(sha1Hex(concatBytes([...builder.text(key)]))).toBe(sha1s.get(key));
    });
  }
});

describe('knit content codecs', () => {
  const linesArb = fc.array(fc.constantFrom('a\n', 'b\n', 'c\n', 'dd\n', 'e e\n', '\n'), { maxLength: 12 });

  it('a delta from patience blocks turns the basis into the target (plain and annotated)', () => {
    fc.assert(
      fc.property(linesArb, linesArb, fc.boolean(), (a, b, annotated) => {
        const basisLines = a.map(utf8);
        const targetLines = b.map(utf8);
        const basis = { lines: basisLines, origins: annotated ? basisLines.map(() => 'old') : null, noeol: false };
        const target = { lines: targetLines, origins: annotated ? targetLines.map(() => 'new') : null, noeol: false };
        const blocks = new PatienceSequenceMatcher(basisLines, targetLines).getMatchingBlocks();
        const hunks = deltaFromBlocks(blocks, basisLines.length, target);
        const body = lowerLineDelta(hunks, annotated);
        const reparsed = parseLineDelta(body, annotated);
        const out = applyDelta(basis, reparsed, false, 'new');
        expect(out.lines.map((l) => Buffer.from(l).toString())).toEqual(b);
      }),
      { numRuns: 150 },
    );
  });

  it("a plain delta's dense body is its body's bytes, a chunk or two per hunk (no-eol targets too)", () => {
    fc.assert(
      fc.property(linesArb, linesArb, fc.boolean(), (a, b, noeol) => {
        const basisLines = a.map(utf8);
        const text = utf8(b.join('').slice(0, noeol && b.length > 0 ? -1 : undefined));
        const userLines = splitLines(text);
        const stored = noeol && userLines.length > 0 ? withFinalNewline(userLines) : userLines;
        const target = { lines: stored, origins: null, noeol };
        const blocks = new PatienceSequenceMatcher(basisLines, stored).getMatchingBlocks();
        const hunks = deltaFromBlocks(blocks, basisLines.length, target);
        const body = lowerLineDelta(hunks, false);
        const dense = denseLineDelta(body, hunks, text, lineBoundaries(userLines));
        expect(bytesEqual(concatBytes(dense), concatBytes(body))).toBe(true);
        expect(dense.length).toBeLessThanOrEqual(3 * hunks.length);
        // Hunks not made from blocks keep their lines.
        const parsed = parseLineDelta(body, false);
        expect(bytesEqual(concatBytes(denseLineDelta(body, parsed, text, lineBoundaries(userLines))), concatBytes(body))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('records round-trip in compat and fast mode, and no-eol strips one newline', () => {
    const text = utf8('one\ntwo\nthree');
    const lines = splitLines(text).map((l, i, all) => (i === all.length - 1 ? concatBytes([l, utf8('\n')]) : l));
    for (const zlib of [undefined, fastZlib]) {
      const raw = encodeRecord('v1', sha1Hex(text), lines, zlib ? { zlib } : {});
      const rec = decodeRecord(raw, {}, { versionId: 'v1' });
      const content = parseFulltext(rec.body, false, true);
      expect(sha1Hex(concatBytes([...contentText(content)]))).toBe(rec.sha1);
    }
  });

  it('corrupt records give KnitCorrupt naming the key', () => {
    const good = encodeRecord('v1', 'x'.repeat(40), [utf8('a\n')]);
    const cases: Uint8Array[] = [
      good.subarray(0, good.length - 3),
      Uint8Array.from(good, (b, i) => (i === 20 ? b ^ 0xff : b)),
      encodeRecord('v2', 'x'.repeat(40), [utf8('a\n')]),
      encodeRecord('v1', 'x', []).subarray(0, 5),
    ];
    for (const raw of cases) {
      try {
        decodeRecord(raw, { key: ['f', 'v1'] }, { versionId: 'v1' });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(KnitCorrupt);
        expect((err as KnitCorrupt).key).toEqual(['f', 'v1']);
        expect((err as KnitCorrupt).message).toContain('(f, v1)');
      }
    }
  });

  it('fuzzed records, kndx files, deltas and wire forms fail only with typed errors', () => {
    const good = encodeRecord('v1', 'x'.repeat(40), [utf8('0,1,1\n'), utf8('a\n')]);
    const kndx = fixtureFile('named-knit', 'revisions.kndx');
    const closure = b64(manifest('named-knit').closure!);
    const typed = (f: () => unknown): void => {
      try {
        f();
      } catch (err) {
        if (!(err instanceof KnitCorrupt) && (err as { code?: string }).code !== 'LimitExceeded') throw err;
      }
    };
    const mutate = (bytes: Uint8Array) =>
      fc.tuple(fc.nat(bytes.length), fc.integer({ min: 0, max: 255 }), fc.nat(bytes.length)).map(([at, v, cut]) => {
        const out = bytes.slice(0, Math.max(cut, at + 1));
        if (at < out.length) out[at] = v;
        return out;
      });
    fc.assert(
      fc.property(mutate(good), (raw) => {
        typed(() => {
          const rec = decodeRecord(raw, { key: ['v1'] });
          parseLineDelta(rec.body, true);
        });
      }),
      { numRuns: 200 },
    );
    fc.assert(fc.property(mutate(kndx), (raw) => typed(() => parseKndx(raw, 'f.kndx'))), { numRuns: 200 });
    fc.assert(
      fc.property(mutate(closure), (raw) =>
        typed(() => {
          const c = decodeDeltaClosure(raw);
          const b = new TextBuilder(c.annotated, c.components);
          for (const k of c.keys) b.text(k as Key);
        }),
      ),
      { numRuns: 100 },
    );
  });

  it('kndx: partial last lines are ignored, bad parent references are corrupt', () => {
    const header = '# bzr knit index 8\n';
    const ok = parseKndx(utf8(`${header}\na fulltext 0 10  :\nb line-delta 10 5 0 .ghost :\nc fulltext 15 3 0`));
    expect([...ok.entries.keys()]).toEqual(['a', 'b']);
    expect(ok.get('b')!.parents).toEqual(['a', 'ghost']);
    expect(() => parseKndx(utf8(`${header}\na fulltext 0 10 7 :`))).toThrow(KnitCorrupt);
    expect(() => parseKndx(utf8(`# bzr knit index 7\n`))).toThrow(KnitCorrupt);
    expect(() => parseKndx(utf8(`${header}\na fulltext x 10 :`))).toThrow(KnitCorrupt);
  });
});

describe('deltaMatchingBlocks', () => {
  // Texts from a few lines, either side with or without a final newline: the
  // blocks a delta implies are the lines it copies whose texts are equal.
  const lineText = fc.array(fc.constantFrom('a', 'b', 'c', 'dd', ''), { maxLength: 8 });
  const content = (ls: string[], noeol: boolean) => ({ lines: ls.map((l) => utf8(`${l}\n`)), origins: null, noeol: noeol && ls.length > 0 });

  it('gives the copied lines, less a last line whose newline differs, as Breezy derives them', () => {
    fc.assert(
      fc.property(lineText, fc.boolean(), lineText, fc.boolean(), (a, aNoeol, b, bNoeol) => {
        const basis = content(a, aNoeol);
        const target = content(b, bNoeol);
        const blocks = new PatienceSequenceMatcher(basis.lines, target.lines).getMatchingBlocks();
        const hunks = deltaFromBlocks(blocks, basis.lines.length, target);
        const found = deltaMatchingBlocks(hunks, basis, target);
        const basisText = contentText(basis);
        const targetText = contentText(target);
        // Every matched line is equal as text.
        for (const [s, t, n] of found) {
          expect(n).toBeGreaterThan(0);
          for (let k = 0; k < n; k++) expect(bytesEqual(basisText[s + k] as Uint8Array, targetText[t + k] as Uint8Array)).toBe(true);
        }
        // The copied runs (the patience blocks) minus, per run, a last line unequal as text.
        const expected: [number, number, number][] = [];
        for (const [s, t, n] of blocks) {
          if (n === 0) continue;
          const m = bytesEqual(basisText[s + n - 1] as Uint8Array, targetText[t + n - 1] as Uint8Array) ? n : n - 1;
          if (m > 0) expected.push([s, t, m]);
        }
        expect(found).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });
});

describe('TextBuilder told which texts will be asked for', () => {
  /** A chain v0 (fulltext) <- v1 <- ... (each a delta adding one line), its records counting how often they are read. */
  function chain(length: number): { components: KeyMap<RawComponent>; reads: Map<string, number>; texts: Map<string, Uint8Array> } {
    const components = new KeyMap<RawComponent>();
    const reads = new Map<string, number>();
    const texts = new Map<string, Uint8Array>();
    const lines: Uint8Array[] = [];
    for (let i = 0; i < length; i++) {
      const line = utf8(`line ${i}\n`);
      const name = `v${i}`;
      const body = i === 0 ? [line] : lowerLineDelta([{ start: i, end: i, lines: [line], origins: null }], false);
      lines.push(line);
      const text = concatBytes(lines);
      texts.set(name, text);
      const bytes = encodeRecord(name, sha1Hex(text), body);
      components.set([name], {
        get bytes() {
          reads.set(name, (reads.get(name) ?? 0) + 1);
          return bytes;
        },
        method: i === 0 ? 'fulltext' : 'line-delta',
        noeol: false,
        next: i === 0 ? null : [`v${i - 1}`],
      });
    }
    return { components, reads, texts };
  }

  it('builds each text of a chain once when asked children first (groupcompress order)', () => {
    const { components, reads, texts } = chain(30);
    const newestFirst = [...texts.keys()].reverse().map((n) => [n] as Key);
    const builder = new TextBuilder(false, components, '', true, newestFirst);
    for (const key of newestFirst) expect(builder.fulltext(key)).toEqual(texts.get(key[0] as string));
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    // Not told: each text asked rebuilds its chain.
    const blind = chain(30);
    const rebuilt = new TextBuilder(false, blind.components);
    for (const key of newestFirst) expect(rebuilt.fulltext(key)).toEqual(blind.texts.get(key[0] as string));
    expect(blind.reads.get('v0')).toBe(30);
  });

  it('gives the same texts in any order of asking, told or not', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...Array(12).keys()], { minLength: 1 }), fc.boolean(), (order, told) => {
        const { components, texts } = chain(12);
        const keys = order.map((i) => [`v${i}`] as Key);
        const builder = new TextBuilder(false, components, '', true, told ? keys : []);
        for (const key of keys) expect(builder.text(key)).toEqual(splitLines(texts.get(key[0] as string) as Uint8Array));
      }),
      { numRuns: 100 },
    );
  });
});
