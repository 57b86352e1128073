import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ConstantMapper,
  LocalTransport,
  MemoryTransport,
  NetworkRecordStream,
  bytesEqual,
  networkBytesOf,
  sha1Hex,
  splitLines,
  utf8,
} from '@versionedfiles/core';
import type { ContentFactory } from '@versionedfiles/core';
import { KnitCorrupt, makeFileFactory } from '../src/index.js';
import { FIXTURES, SCENARIOS, b64, manifest, mapperFor } from './support.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('knit records on the wire', () => {
  for (const name of SCENARIOS) {
    it(`${name}: Breezy's wire records decode and insert; delta closures rebuild texts`, async () => {
      const m = manifest(name);
      const target = makeFileFactory(m.annotated, mapperFor(m))(new MemoryTransport());
      const records = await collect(new NetworkRecordStream(m.stream.map((s) => b64(s.wire))));
      expect(records.map((r) => r.storageKind)).toEqual(m.stream.map((s) => s.kind));
      await target.insertRecordStream(records);
      const sha1s = await target.getSha1s(m.keys.map((k) => k.key));
      for (const k of m.keys) expect(sha1s.get(k.key)).toBe(k.sha1);
      const closure = await collect(new NetworkRecordStream([b64(m.closure!)]));
      expect(closure[0]!.storageKind).toBe('knit-delta-closure');
      for (const r of closure) expect(sha1Hex(r.getBytesAs('fulltext'))).toBe(m.keys.find((k) => k.key.join() === r.key.join())!.sha1);
    });
  }

  it('our streams survive the wire in both forms', async () => {
    const m = manifest('named-knit');
    const source = makeFileFactory(false, new ConstantMapper('revisions'))(new LocalTransport(`${FIXTURES}named-knit`));
    const keys = m.keys.map((k) => k.key);
    for (const closure of [false, true]) {
      const wire = await collect(networkBytesOf(source.getRecordStream(keys, 'topological', closure)));
      const target = makeFileFactory(true, new ConstantMapper('revisions'))(new MemoryTransport());
      await target.insertRecordStream(new NetworkRecordStream(wire));
      const sha1s = await target.getSha1s(keys);
      for (const k of m.keys) expect(sha1s.get(k.key)).toBe(k.sha1);
      await target.check();
    }
  });
});

describe('corrupt knit stores', () => {
  it('flipped or cut bytes in .knit/.kndx give typed errors, never wrong texts', async () => {
    const t0 = new MemoryTransport();
    const vf0 = makeFileFactory(true, new ConstantMapper('revisions'))(t0);
    const texts = ['a\nb\nc\n', 'a\nB\nc\nd', 'x\na\nB\nc\nd\n', ''];
    const sha1s: string[] = [];
    for (let i = 0; i < texts.length; i++) {
      const r = await vf0.addLines([`v${i}`], i === 0 ? [] : [[`v${i - 1}`]], splitLines(utf8(texts[i]!)));
      sha1s.push(r.sha1);
    }
    const knit = await t0.get('revisions.knit');
    const kndx = await t0.get('revisions.kndx');
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (inKnit, at, xor, cut) => {
        const t = new MemoryTransport();
        const target = inKnit ? knit.slice() : kndx.slice();
        const pos = at % target.length;
        const bad = cut ? target.subarray(0, pos) : (target[pos]! ^= xor, target);
        await t.put('revisions.knit', inKnit ? bad : knit);
        await t.put('revisions.kndx', inKnit ? kndx : bad);
        const vf = makeFileFactory(true, new ConstantMapper('revisions'))(t);
        try {
          const records: ContentFactory[] = await collect(vf.getRecordStream(texts.map((_, i) => [`v${i}`]), 'unordered', true));
          for (const r of records) {
            if (r.storageKind === 'absent') continue;
            const i = Number(r.key[0]!.slice(1));
            if (!Number.isInteger(i) || i >= texts.length) continue;
            const text = r.getBytesAs('fulltext');
            // A text we do give back is the right one.
            expect(sha1Hex(text)).toBe(sha1s[i]);
            expect(bytesEqual(text, utf8(texts[i]!))).toBe(true);
          }
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (!(err instanceof KnitCorrupt) && code !== 'ShortRead' && code !== 'InvalidKey' && code !== 'RevisionNotPresent') throw err;
        }
      }),
      { numRuns: 150 },
    );
  });
});
