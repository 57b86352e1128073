// The shared pack file writer and autopack: `PackFileWriter` writes the bytes
// `ContainerWriter` frames (buffered, read back before it is finished,
// renamed, aborted without a trace); Breezy's pack distribution and
// autopack plan on its own examples and as properties; `combinePacks` and
// `autopack` keep every key's record and bound the number of packs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryTransport, concatBytes, fromUtf8, utf8 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import {
  BUFFER_BYTES,
  ContainerWriter,
  PackCollection,
  PackFileWriter,
  autopack,
  combinePacks,
  maxPackCount,
  packDistribution,
  parseContainer,
  planAutopack,
} from '../src/index.js';
import type { PackLayout, ValueSpans } from '../src/index.js';

describe('PackFileWriter', () => {
  it('writes what ContainerWriter frames, returns the same spans, and reads records back before finishing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), async (bodies) => {
        const transport = new MemoryTransport();
        const file = new PackFileWriter(transport, 'dir/p.pack');
        const chunks: Uint8Array[] = [];
        const expected = new ContainerWriter((c) => chunks.push(c));
        expected.begin();
        const spans = bodies.map((b) => {
          const span = file.addRecord(b);
          expect(span).toEqual(expected.addBytesRecord(b));
          return span;
        });
        const back = await file.readRecords(spans);
        expect(back.map((r) => [...r.body])).toEqual(bodies.map((b) => [...b]));
        await file.finish();
        expected.end();
        expect([...(await transport.get('dir/p.pack'))]).toEqual([...concatBytes(chunks)]);
        expect(file.state).toBe('finished');
      }),
      { numRuns: 25 },
    );
  });

  it('appends past BUFFER_BYTES without being asked, and renames the finished file', async () => {
    const transport = new MemoryTransport();
    const file = new PackFileWriter(transport, 'upload/x.pack');
    file.addRecord(new Uint8Array(BUFFER_BYTES));
    await file.flush();
    expect(await transport.size('upload/x.pack')).toBeGreaterThan(BUFFER_BYTES);
    await expect(file.rename('packs/x.pack')).rejects.toThrow(/not finished/);
    await file.finish();
    await file.rename('packs/x.pack');
    expect(await transport.exists('upload/x.pack')).toBe(false);
    expect(file.path).toBe('packs/x.pack');
    expect(parseContainer(await transport.get('packs/x.pack'))).toHaveLength(1);
    expect(() => file.addRecord(utf8('late'))).toThrow(/finished/);
  });

  it('abort deletes what reached the file, and a never-flushed pack leaves nothing', async () => {
    const transport = new MemoryTransport();
    const flushed = new PackFileWriter(transport, 'a.pack');
    flushed.addRecord(utf8('x'));
    await flushed.flush();
    await flushed.abort();
    const buffered = new PackFileWriter(transport, 'b.pack');
    buffered.addRecord(utf8('y'));
    await buffered.abort();
    expect(await transport.list()).toEqual([]);
  });

  it('keeps a failed append and throws it from the next flush', async () => {
    const transport = new MemoryTransport();
    await transport.put('blocker', utf8('a file where a directory should be'));
    const file = new PackFileWriter(transport, 'blocker/p.pack', { createParentDir: false });
    file.addRecord(utf8('x'));
    await expect(file.flush()).rejects.toThrow();
    await expect(file.finish()).rejects.toThrow();
  });
});

describe("Breezy's autopack arithmetic", () => {
  it('distributes by powers of ten, largest first', () => {
    expect(packDistribution(0)).toEqual([0]);
    expect(packDistribution(1)).toEqual([1]);
    expect(packDistribution(11)).toEqual([10, 1]);
    expect(packDistribution(1234)).toEqual([1000, 100, 100, 10, 10, 10, 1, 1, 1, 1]);
    expect(maxPackCount(0)).toBe(1);
    expect(maxPackCount(1234)).toBe(10);
    expect(maxPackCount(1000)).toBe(1);
  });

  it("plans as Breezy's plan_autopack_combinations", () => {
    // Its own test: packs of 10 and 1 with 11 keys in all: nothing to do.
    expect(planAutopack([{ name: 'a', count: 10 }, { name: 'b', count: 1 }], 11)).toEqual([]);
    // Ten packs of one key: combine them all into one pack of 10.
    const ten = Array.from({ length: 10 }, (_, i) => ({ name: `p${i}`, count: 1 }));
    expect(planAutopack(ten, 10).sort()).toEqual(ten.map((p) => p.name).sort());
    // A pack of 10 stays; the nine 1s plus a new 1 become a second 10.
    const mixed = [{ name: 'big', count: 10 }, ...ten];
    expect(planAutopack(mixed, 20).sort()).toEqual(ten.map((p) => p.name).sort());
    // Packs holding no key are left alone.
    expect(planAutopack([...ten, { name: 'empty', count: 0 }], 10)).not.toContain('empty');
  });

  it('plans distinct listed packs, never just one, and only when there are more packs than slots', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }), (counts) => {
        const packs = counts.map((count, i) => ({ name: `p${i}`, count }));
        const total = counts.reduce((a, b) => a + b, 0);
        const plan = planAutopack(packs, total);
        expect(plan.length === 0 || plan.length > 1).toBe(true);
        expect(new Set(plan).size).toBe(plan.length);
        for (const name of plan) expect(packs.some((p) => p.name === name)).toBe(true);
        if (packs.length <= packDistribution(total).length) expect(plan).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});

const LAYOUT: PackLayout = {
  name: 'test',
  indexFormat: 'btree',
  indices: { text: { suffix: '.tix', position: 0, referenceLists: 1, keyElements: 1 } },
};

/** Values "OFFSET LENGTH TAG": the span first, as groupcompress and knit values keep it. */
const SPANS: ValueSpans = {
  spanOf(value) {
    const [offset, length] = fromUtf8(value).split(' ').map(Number);
    return { offset: offset as number, length: length as number };
  },
  withSpan: (value, span) => utf8(`${span.offset} ${span.length} ${fromUtf8(value).split(' ')[2]}`),
};

/** One pack per call; two keys share each record (as texts share a groupcompress block). */
async function addSession(collection: PackCollection, from: number, to: number): Promise<void> {
  const pack = collection.newPack();
  for (let i = from; i < to; i += 2) {
    const span = pack.addRecord(utf8(`record ${i}`));
    for (const k of [i, i + 1]) if (k < to) pack.indexBuilder('text').addNode([`k${k}`], utf8(`${span.offset} ${span.length} t${k}`), [k > 0 ? [[`k${k - 1}`]] : []]);
  }
  await collection.addPacks([pack]);
}

async function everyKey(collection: PackCollection): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of collection.index('text').iterAllEntries()) {
    const pack = collection.packFor(e.index);
    const [record] = await (pack as NonNullable<typeof pack>).readRecords([SPANS.spanOf(e.value, e.key as Key)]);
    out.set((e.key as Key)[0] as string, `${fromUtf8((record as { body: Uint8Array }).body)} ${fromUtf8(e.value).split(' ')[2]} ${JSON.stringify(e.references)}`);
  }
  return out;
}

describe('combining packs', () => {
  it('combinePacks copies every record once and rewrites the spans; the old packs go to obsolete_packs', async () => {
    const transport = new MemoryTransport();
    const collection = await PackCollection.create(transport, LAYOUT, { lockPackNames: false });
    await addSession(collection, 0, 5);
    await addSession(collection, 5, 9);
    await addSession(collection, 9, 10);
    const before = await everyKey(collection);
    const names = collection.packs().map((p) => p.name);
    await combinePacks(collection, names.slice(0, 2), SPANS);
    expect(collection.packs()).toHaveLength(2);
    expect(await everyKey(collection)).toEqual(before);
    expect((await transport.list('obsolete_packs')).length).toBe(4);
    const combined = collection.packs().find((p) => !names.includes(p.name));
    const container = parseContainer(await transport.get(`packs/${combined?.name}.pack`));
    expect(container).toHaveLength(3 + 2);
  });

  it('autopack keeps the pack count within the digit sum of the key count, and every key readable', async () => {
    const transport = new MemoryTransport();
    const collection = await PackCollection.create(transport, LAYOUT, { lockPackNames: false });
    let combined = 0;
    for (let i = 0; i < 25; i++) {
      await addSession(collection, i, i + 1);
      combined += (await autopack(collection, 'text', (c, names) => combinePacks(c, names, SPANS))).length;
      expect(collection.packs().length).toBeLessThanOrEqual(maxPackCount(i + 1));
    }
    expect(combined).toBeGreaterThan(0);
    const keys = await everyKey(collection);
    expect(keys.size).toBe(25);
    for (let i = 0; i < 25; i++) expect(keys.get(`k${i}`)).toBe(`record ${i} t${i} ${JSON.stringify([i > 0 ? [[`k${i - 1}`]] : []])}`);
    // Files an earlier autopack left in obsolete_packs/ are cleared by the next one.
    expect((await transport.list('obsolete_packs')).length).toBeLessThanOrEqual(2 * 19);
  });
});
