// Pack collections over core transports: write packs with records and
// indices, list them in pack-names, read them back through the combined
// indices, retire obsolete packs, and survive a crash mid-write.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport, MemoryTransport, fromUtf8, utf8 } from '@versionedfiles/core';
import type { Transport } from '@versionedfiles/core';
import { FORMAT_2A_LAYOUT, KNIT_PACK_LAYOUT, PackCollection, parseContainer } from '../src/index.js';
import type { IndexEntry, PackLayout } from '../src/index.js';

async function collect(it: AsyncIterable<IndexEntry>): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

async function writePack(collection: PackCollection, tag: string, texts: number) {
  const pack = collection.newPack();
  for (let i = 0; i < texts; i++) {
    const span = pack.addRecord(utf8(`${tag} text ${i}\n`));
    const refs = collection.layout.indices.text?.referenceLists ?? 1;
    pack.indexBuilder('text').addNode(['file-id', `${tag}-rev-${i}`], utf8(`${span.offset} ${span.length}`), Array.from({ length: refs }, () => (i > 0 ? [['file-id', `${tag}-rev-${i - 1}`]] : [])));
  }
  const rev = pack.addRecord(utf8(`${tag} revision\n`), [[`${tag}-rev`]]);
  pack.indexBuilder('revision').addNode([`${tag}-rev`], utf8(`${rev.offset} ${rev.length}`), [[]]);
  return pack;
}

function scenarios(): [string, () => { transport: Transport; cleanup: () => void }, PackLayout][] {
  const local = () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-pack-'));
    return { transport: new LocalTransport(dir) as Transport, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  };
  const memory = () => ({ transport: new MemoryTransport() as Transport, cleanup: () => undefined });
  return [
    ['memory, 2a', memory, FORMAT_2A_LAYOUT],
    ['local disk, 2a', local, FORMAT_2A_LAYOUT],
    ['memory, pack-0.92 (GraphIndex)', memory, KNIT_PACK_LAYOUT],
  ];
}

describe('PackCollection', () => {
  for (const [label, make, layout] of scenarios()) {
    it(`${label}: write, list, look up, read records, retire`, async () => {
      const { transport, cleanup } = make();
      try {
        const collection = await PackCollection.create(transport, layout);
        expect(collection.packs()).toEqual([]);
        const first = await writePack(collection, 'a', 5);
        const second = await writePack(collection, 'b', 3);
        await collection.addPacks([first, second]);
        const reopened = await PackCollection.open(transport, layout);
        expect(reopened.packs().map((p) => p.name).sort()).toEqual(collection.packs().map((p) => p.name).sort());
        expect(reopened.packs()).toHaveLength(2);
        for (const p of reopened.packs()) {
          const bytes = await transport.get(p.packPath);
          expect(createHash('md5').update(bytes).digest('hex')).toBe(p.name);
          expect(parseContainer(bytes).length).toBeGreaterThan(0);
          for (const spec of Object.values(layout.indices)) {
            expect(await transport.size(`indices/${p.name}${spec.suffix}`)).toBe(p.sizes[spec.position]);
          }
        }
        const texts = reopened.index('text');
        expect(await texts.keyCount()).toBe(8);
        const hits = await collect(texts.iterEntries([['file-id', 'a-rev-3'], ['file-id', 'b-rev-0'], ['file-id', 'zzz']]));
        expect(hits.map((h) => h.key[1]).sort()).toEqual(['a-rev-3', 'b-rev-0']);
        for (const hit of hits) {
          const pack = reopened.packFor(hit.index);
          expect(pack).toBeDefined();
          const [offset, length] = fromUtf8(hit.value).split(' ').map(Number) as [number, number];
          const [record] = await (pack as NonNullable<typeof pack>).readRecords([{ offset, length }]);
          expect(fromUtf8((record as { body: Uint8Array }).body)).toBe(`${(hit.key[1] as string)[0]} text ${(hit.key[1] as string).split('-')[2]}\n`);
        }
        const prefix = await collect(texts.iterEntriesPrefix([['file-id', null]]));
        expect(prefix).toHaveLength(8);
        // Repack: a third pack replaces the first.
        const third = await writePack(collection, 'c', 2);
        const firstName = (await first.finish()).name;
        await collection.addPacks([third], { obsolete: [firstName] });
        expect(collection.packs().map((p) => p.name)).not.toContain(firstName);
        expect(await transport.exists(`obsolete_packs/${firstName}.pack`)).toBe(true);
        expect(await transport.exists(`packs/${firstName}.pack`)).toBe(false);
        expect(await collection.index('text').keyCount()).toBe(5);
        expect(await transport.list('upload')).toEqual([]);
      } finally {
        cleanup();
      }
    });
  }

  it('a crash while finishing a pack leaves pack-names without it', async () => {
    const transport = new MemoryTransport();
    const collection = await PackCollection.create(transport, FORMAT_2A_LAYOUT);
    await collection.addPacks([await writePack(collection, 'ok', 2)]);
    const before = await transport.get('pack-names');
    const crashing = new Proxy(transport, {
      get(target, prop, receiver) {
        if (prop === 'rename') return () => Promise.reject(new Error('power cut'));
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const broken = await PackCollection.open(crashing, FORMAT_2A_LAYOUT);
    const pack = await writePack(broken, 'lost', 2);
    await expect(broken.addPacks([pack])).rejects.toThrow('power cut');
    expect(await transport.get('pack-names')).toEqual(before);
    const reopened = await PackCollection.open(transport, FORMAT_2A_LAYOUT);
    expect(reopened.packs()).toHaveLength(1);
    expect(await reopened.index('text').keyCount()).toBe(2);
  });

  it('reads back records of a pack still being written, and abort removes it', async () => {
    const transport = new MemoryTransport();
    const collection = await PackCollection.create(transport, FORMAT_2A_LAYOUT);
    const pack = collection.newPack();
    const big = new Uint8Array(3 << 20).fill(65);
    const span = pack.addRecord(big, [['big']]);
    const small = pack.addRecord(utf8('small'));
    const [a, b] = await pack.readRecords([span, small]);
    expect(a?.body.length).toBe(big.length);
    expect(a?.names).toEqual([['big']]);
    expect(fromUtf8(b?.body ?? new Uint8Array())).toBe('small');
    expect(await transport.list('upload')).toHaveLength(1);
    pack.indexBuilder('chk').addNode(['sha1:abc'], utf8(`${small.offset} ${small.length}`));
    const [hit] = await collect(pack.index('chk').iterEntries([['sha1:abc']]));
    expect(fromUtf8(hit?.value ?? new Uint8Array())).toBe(`${small.offset} ${small.length}`);
    await pack.abort();
    expect(await transport.list('upload')).toEqual([]);
  });
});
