// The fast read paths against the simple ones they replace: texts built as
// one buffer with line offsets (`applyFlatDelta`) against line arrays
// (`parseLineDelta` + `applyDelta`), good deltas and arbitrary bodies alike
// (same text, or the same error); many records inflated in one call
// (`inflateRecords`) against `decodeRecord` one at a time; and the builder's
// flat texts against the line-array texts of the same records read as
// annotated content; texts as line ids (`applyInternedDelta`, the builder's
// `deferredText`) against interning those flat texts' lines.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeyMap, LineInterner, PatienceSequenceMatcher, compatZlib, concatBytes, fastZlib, gzipChunks, sha1Hex, splitLines, splitSourceOf, utf8 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import {
  KnitCorrupt,
  TextBuilder,
  applyDelta,
  applyFlatDelta,
  applyInternedDelta,
  internedFulltext,
  textIds,
  contentText,
  decodeRecord,
  deltaFromBlocks,
  deltaMatchingBlocks,
  encodeRecord,
  flatFulltext,
  flatJoined,
  flatLines,
  inflateRecords,
  inflateRecordsAsync,
  lowerFulltext,
  lowerLineDelta,
  parseLineDelta,
  parseRecordLines,
  recordBody,
  spanMatchingBlocks,
  stripOrigins,
  decodeRecordLines,
  lineViews,
  type KnitContent,
  type RawComponent,
} from '../src/format/index.js';

const lineText = fc.array(fc.constantFrom('a', 'b', 'c', 'dd', '', 'é'), { maxLength: 10 });
const asContent = (ls: string[], noeol: boolean): KnitContent => ({ lines: ls.map((l) => utf8(`${l}\n`)), origins: null, noeol: noeol && ls.length > 0 });

/** The uncompressed record for `body`, with a view that does not start at its buffer's start. */
function recordText(body: readonly Uint8Array[]): Uint8Array {
  const text = concatBytes([utf8(`version v ${body.length} ${'0'.repeat(40)}\n`), ...body, utf8('end v\n')]);
  const padded = new Uint8Array(text.length + 3);
  padded.set(text, 3);
  return padded.subarray(3);
}

function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (err) {
    if (err instanceof KnitCorrupt) return err.message;
    throw err;
  }
}

describe('applyFlatDelta', () => {
  it('builds the text applyDelta builds, with the matching blocks deltaMatchingBlocks gives', () => {
    fc.assert(
      fc.property(lineText, fc.boolean(), lineText, fc.boolean(), (a, aNoeol, b, bNoeol) => {
        const basis = asContent(a, aNoeol);
        const target = asContent(b, bNoeol);
        const blocks = new PatienceSequenceMatcher(basis.lines, target.lines).getMatchingBlocks();
        const hunks = deltaFromBlocks(blocks, basis.lines.length, target);
        const flatBasis = flatFulltext(parseRecordLines(recordText(basis.lines)), basis.noeol);
        const { text, spans } = applyFlatDelta(flatBasis, parseRecordLines(recordText(lowerLineDelta(hunks, false))), target.noeol);
        const expected = applyDelta(basis, hunks, target.noeol, 'v');
        const lines = flatLines(text);
        expect(lines).toEqual(contentText(expected));
        expect(flatJoined(text)).toEqual(concatBytes([...contentText(expected)]));
        // Marked as a split of the joined text (what the line interner relies on), unless a no-eol text's last line is empty.
        const source = splitSourceOf(lines);
        if (lines.length > 1 && (lines[lines.length - 1] as Uint8Array).length > 0) expect(source).toBeDefined();
        if (source !== undefined) expect(splitLines(source)).toEqual(lines);
        expect(spanMatchingBlocks(spans, basis.lines.length, basis.noeol, expected.lines.length, expected.noeol)).toEqual(
          deltaMatchingBlocks(hunks, basis, expected),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('fails as parseLineDelta and applyDelta do on any body', () => {
    // Bodies of hunk headers (good, bad, out of range) and text lines, in any mix.
    const bodyLine = fc.oneof(
      fc.tuple(fc.nat(6), fc.nat(6), fc.nat(4)).map(([s, e, c]) => `${s},${e},${c}\n`),
      fc.constantFrom('x\n', '\n', '1,2\n', '2,1,0\n', ',,\n', '0,0,-1\n', '00,1,1\n'),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', ''), { maxLength: 6 }), fc.array(bodyLine, { maxLength: 8 }), (a, lines) => {
        const basis = asContent(a, false);
        const body = lines.map((l) => utf8(l));
        const flat = outcome(() => {
          const flatBasis = flatFulltext(parseRecordLines(recordText(basis.lines)), false);
          return flatLines(applyFlatDelta(flatBasis, parseRecordLines(recordText(body)), false).text);
        });
        const simple = outcome(() => contentText(applyDelta(basis, parseLineDelta(body, false), false, 'v')));
        expect(flat).toEqual(simple);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('applyInternedDelta', () => {
  /** The ids `interner` gives the lines, interned one by one. */
  const idsOf = (interner: LineInterner, lines: readonly Uint8Array[]): number[] => lines.map((l) => interner.intern(l));

  it("gives the ids of the flat text's lines, and the same spans", () => {
    fc.assert(
      fc.property(lineText, fc.boolean(), lineText, fc.boolean(), (a, aNoeol, b, bNoeol) => {
        const basis = asContent(a, aNoeol);
        const target = asContent(b, bNoeol);
        const blocks = new PatienceSequenceMatcher(basis.lines, target.lines).getMatchingBlocks();
        const delta = parseRecordLines(recordText(lowerLineDelta(deltaFromBlocks(blocks, basis.lines.length, target), false)));
        const basisRecord = parseRecordLines(recordText(basis.lines));
        const interner = new LineInterner({ copyLines: true });
        const interned = applyInternedDelta(internedFulltext(basisRecord, basis.noeol, interner), delta, target.noeol);
        const flat = applyFlatDelta(flatFulltext(basisRecord, basis.noeol), delta, target.noeol);
        expect(interned.spans).toEqual(flat.spans);
        // Stored lines (the next delta's basis), and the lines as the user gave them.
        expect([...interned.text.ids]).toEqual(idsOf(interner, lineViews(flat.text.bytes, flat.text.starts)));
        expect([...textIds(interned.text)]).toEqual(idsOf(interner, flatLines(flat.text)));
      }),
      { numRuns: 400 },
    );
  });

  it('fails as applyFlatDelta does on any body', () => {
    const bodyLine = fc.oneof(
      fc.tuple(fc.nat(6), fc.nat(6), fc.nat(4)).map(([s, e, c]) => `${s},${e},${c}\n`),
      fc.constantFrom('x\n', '\n', '1,2\n', '2,1,0\n', ',,\n', '0,0,-1\n'),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', ''), { maxLength: 6 }), fc.array(bodyLine, { maxLength: 8 }), (a, lines) => {
        const basisRecord = parseRecordLines(recordText(asContent(a, false).lines));
        const record = parseRecordLines(recordText(lines.map((l) => utf8(l))));
        const interner = new LineInterner({ copyLines: true });
        const interned = outcome(() => [...applyInternedDelta(internedFulltext(basisRecord, false, interner), record, false).text.ids]);
        const flat = outcome(() => {
          const { bytes, starts } = applyFlatDelta(flatFulltext(basisRecord, false), record, false).text;
          return idsOf(interner, lineViews(bytes, starts));
        });
        expect(interned).toEqual(flat);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('inflateRecords', () => {
  const records = fc.array(
    fc.tuple(lineText, fc.boolean()).map(([ls, compat]) => encodeRecord('v', sha1Hex(utf8(ls.join('\n'))), ls.map((l) => utf8(`${l}\n`)), { zlib: compat ? compatZlib : fastZlib })),
    { minLength: 1, maxLength: 6 },
  );

  /** Both variants, which must agree: the one on the thread pool checked against the other. */
  async function both(raws: readonly Uint8Array[]): Promise<Uint8Array[] | null> {
    const texts = inflateRecords(raws);
    expect(await inflateRecordsAsync(raws)).toEqual(texts);
    return texts;
  }

  it('gives the texts decodeRecord gives, one by one', async () => {
    await fc.assert(
      fc.asyncProperty(records, async (raws) => {
        const texts = await both(raws);
        expect(texts).not.toBeNull();
        (texts as Uint8Array[]).forEach((text, i) => expect(recordBody(parseRecordLines(text))).toEqual(decodeRecord(raws[i] as Uint8Array)));
      }),
      { numRuns: 200 },
    );
  });

  it('gives null, never wrong texts, when any record is damaged or not as Breezy frames it', async () => {
    await fc.assert(
      fc.asyncProperty(records, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(40), async (raws, which, at, value, cut) => {
        const i = which % raws.length;
        const bad = (raws[i] as Uint8Array).slice(0, Math.max(1, (raws[i] as Uint8Array).length - cut));
        bad[at % bad.length] = value;
        const batch = raws.slice();
        batch[i] = bad;
        const texts = await both(batch);
        if (texts === null) return;
        texts.forEach((text, k) => expect(recordBody(parseRecordLines(text))).toEqual(decodeRecord(batch[k] as Uint8Array)));
      }),
      { numRuns: 300 },
    );
    // A member with a file name in its header reads, but not in a batch.
    const named = gzipChunks([utf8('version v 0 x\nend v\n')]);
    const withName = concatBytes([Uint8Array.of(0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0, 0xff), utf8('n\0'), named.subarray(10)]);
    expect(decodeRecord(withName).versionId).toBe('v');
    expect(await both([named, withName])).toBeNull();
  });
});

describe('TextBuilder on plain records', () => {
  /** A history of texts, each a delta on the one before or a fulltext, as plain and as annotated records. */
  function stores(texts: string[][], fulltextEvery: number): { plain: KeyMap<RawComponent>; annotated: KeyMap<RawComponent> } {
    const plain = new KeyMap<RawComponent>();
    const annotated = new KeyMap<RawComponent>();
    let prev: KnitContent | null = null;
    texts.forEach((ls, i) => {
      const name = `v${i}`;
      const noeol = i % 3 === 1 && ls.length > 0;
      const content: KnitContent = { ...asContent(ls, noeol), origins: ls.map(() => name) };
      const sha1 = sha1Hex(concatBytes([...contentText(content)]));
      const full = prev === null || i % fulltextEvery === 0;
      for (const [map, annotate] of [[plain, false], [annotated, true]] as const) {
        let body: readonly Uint8Array[];
        if (full || prev === null) body = lowerFulltext(content, annotate);
        else {
          const blocks = new PatienceSequenceMatcher(prev.lines, content.lines).getMatchingBlocks();
          body = lowerLineDelta(deltaFromBlocks(blocks, prev.lines.length, content), annotate);
        }
        map.set([name], { bytes: encodeRecord(name, sha1, body), method: full ? 'fulltext' : 'line-delta', noeol, next: full ? null : [`v${i - 1}`] });
      }
      prev = content;
    });
    return { plain, annotated };
  }

  it('gives the texts, lines and matching blocks that line-array building gives', async () => {
    const ahead = fc.constantFrom('no', 'yes', 'only in parallel');
    const args = [fc.array(lineText, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.boolean(), ahead] as const;
    await fc.assert(
      fc.asyncProperty(...args, async (texts, every, told, oldestFirst, inflatedAhead) => {
        const { plain, annotated } = stores(texts, every);
        // Texts asked for as lines and whole, in either order: chains of both forms, each going on from the other's.
        const keys = texts.map((_, i) => [`v${i}`] as Key);
        if (!oldestFirst) keys.reverse();
        const flat = new TextBuilder(false, plain, '', true, told ? keys : []);
        const lines = new TextBuilder(true, annotated, '', true, told ? keys : []);
        // Records inflated on the thread pool first, or as building needs them
        // (these few records make one group: not inflated in parallel).
        if (inflatedAhead !== 'no') await Promise.all([flat.inflateAll(inflatedAhead !== 'yes'), lines.inflateAll(inflatedAhead !== 'yes')]);
        for (const key of keys) {
          // Whole first, chains are built flat; as lines first, as line arrays.
          if (oldestFirst) expect(flat.fulltext(key)).toEqual(lines.fulltext(key));
          expect(flat.text(key)).toEqual(lines.text(key));
          expect(flat.fulltext(key)).toEqual(lines.fulltext(key));
          expect(flat.content(key).lines).toEqual(lines.content(key).lines);
          // Annotated texts built flat for their text still give their contents with origins.
          expect(lines.content(key)).toEqual(new TextBuilder(true, annotated).content(key));
          const i = Number((key[0] as string).slice(1));
          if (i > 0) expect(flat.takeMatchingBlocks(key, [`v${i - 1}`])).toEqual(lines.takeMatchingBlocks(key, [`v${i - 1}`]));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("gives an annotator each text's line ids, and its checked lines only when asked", () => {
    fc.assert(
      fc.property(fc.array(lineText, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), (texts, every, annotatedRecords) => {
        const { plain, annotated } = stores(texts, every);
        const keys = texts.map((_, i) => [`v${i}`] as Key);
        const builder = new TextBuilder(annotatedRecords, annotatedRecords ? annotated : plain, '', true, keys);
        const reference = new TextBuilder(false, plain);
        const interner = new LineInterner({ copyLines: true });
        keys.forEach((key, i) => {
          const deferred = builder.deferredText(key, interner);
          const lines = reference.text(key);
          expect(deferred.count).toBe(lines.length);
          expect(deferred.interned?.interner).toBe(interner);
          expect([...(deferred.interned?.ids ?? [])]).toEqual(lines.map((l) => interner.intern(l)));
          // A delta's blocks against its basis, as a flat build leaves them.
          if (i > 0) expect(builder.takeMatchingBlocks(key, [`v${i - 1}`])).toEqual(reference.takeMatchingBlocks(key, [`v${i - 1}`]));
          expect(deferred.lines()).toEqual(lines);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('checks a deferred text against its sha1 when its lines are made', () => {
    const { plain } = stores([['a', 'b'], ['a', 'c']], 4);
    const component = plain.get(['v1']) as RawComponent;
    const record = decodeRecord(component.bytes);
    plain.set(['v1'], { ...component, bytes: encodeRecord('v1', '0'.repeat(40), record.body) });
    const deferred = new TextBuilder(false, plain).deferredText(['v1'], new LineInterner());
    expect(deferred.count).toBe(2);
    expect(() => deferred.lines()).toThrow(/sha1 mismatch/);
  });

  it('an annotated record without its origins is the plain record of the same text', () => {
    fc.assert(
      fc.property(fc.array(lineText, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), (texts, every) => {
        const { plain, annotated } = stores(texts, every);
        for (const [key, a] of annotated) {
          const p = plain.get(key) as RawComponent;
          const stripped = stripOrigins(decodeRecordLines(a.bytes), a.method === 'line-delta');
          const expected = decodeRecordLines(p.bytes);
          expect(lineViews(stripped.text, stripped.starts)).toEqual(lineViews(expected.text, expected.starts));
        }
      }),
      { numRuns: 200 },
    );
    // A text line without an origin is refused, naming its line.
    const bare = parseRecordLines(utf8('version v 3 x\n0,0,2\norigin a\nb\nend v\n'));
    expect(() => stripOrigins(bare, true)).toThrow(/annotated line 2 has no origin/);
    expect(() => stripOrigins(parseRecordLines(utf8('version v 1 x\nnothing\nend v\n')), false)).toThrow(KnitCorrupt);
  });

  it('names the damaged record, and builds the others, when records were inflated ahead', async () => {
    const texts = [['a', 'b'], ['a', 'c'], ['dd', 'c'], ['dd']];
    const sound = new TextBuilder(false, stores(texts, 4).plain);
    for (let damaged = 0; damaged < texts.length; damaged++) {
      const { plain } = stores(texts, 4);
      const name = `v${damaged}`;
      const component = plain.get([name]) as RawComponent;
      const bytes = component.bytes.slice();
      bytes[bytes.length - 6] = (bytes[bytes.length - 6] as number) ^ 0xff; // the gzip trailer's crc32
      plain.set([name], { ...component, bytes });
      const builder = new TextBuilder(false, plain);
      await builder.inflateAll();
      for (let i = 0; i < texts.length; i++) {
        const key = [`v${i}`];
        // A text needs every record of its chain, back to v0 (the only fulltext).
        if (i >= damaged) expect(outcome(() => builder.fulltext(key))).toContain(`(${name})`);
        else expect(builder.fulltext(key)).toEqual(sound.fulltext(key));
      }
    }
  });
});
