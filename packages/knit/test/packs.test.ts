import { describe, expect, it } from 'vitest';
import { LocalTransport, MemoryTransport, bytesEqual, compatZlib, concatBytes, sha1Hex, splitLines } from '@versionedfiles/core';
import type { ContentFactory } from '@versionedfiles/core';
import { KnitCorrupt, decodePackValue, encodePackValue, makePackFactory, openKnitPack } from '../src/index.js';
import { FIXTURES, b64, fixtureFile } from './support.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface PackManifest {
  readonly graph: boolean;
  readonly delta: boolean;
  readonly keyLength: number;
  readonly files: string[];
  readonly inserts: { key: string[]; parents: string[][]; text: string }[];
  readonly keys: { key: string[]; sha1: string; annotate: string[] | null }[];
}

const PACKS = ['named-nograph-nodelta-knit-pack', 'named-graph-knit-pack', 'named-graph-nodelta-knit-pack', 'plain-knit-pack'];

function packManifest(name: string): PackManifest {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as PackManifest;
}

describe('knit packs', () => {
  for (const name of PACKS) {
    it(`${name}: the same inserts write Breezy's pack and index bytes`, async () => {
      const m = packManifest(name);
      const t = new MemoryTransport();
      const vf = await makePackFactory(m.graph, m.delta, m.keyLength, { zlib: compatZlib })(t);
      for (const ins of m.inserts) await vf.addLines(ins.key, ins.parents, splitLines(b64(ins.text)));
      const files = await vf.finish();
      expect(bytesEqual(await t.get(files.pack), fixtureFile(name, 'newpack'))).toBe(true);
      expect(bytesEqual(await t.get(files.index), fixtureFile(name, 'newpack.tix'))).toBe(true);
    });

    it(`${name}: reads the pack Breezy wrote`, async () => {
      const m = packManifest(name);
      const vf = await openKnitPack(new LocalTransport(`${FIXTURES}${name}`));
      const keys = m.keys.map((k) => k.key);
      expect((await vf.keys()).size).toBe(keys.length);
      const sha1s = await vf.getSha1s(keys);
      for (const k of m.keys) expect(sha1s.get(k.key)).toBe(k.sha1);
      for (const ordering of ['unordered', 'topological'] as const) {
        let n = 0;
        for await (const r of vf.getRecordStream(keys, ordering, true)) {
          expect(sha1Hex(r.getBytesAs('fulltext'))).toBe(sha1s.get(r.key));
          n++;
        }
        expect(n).toBe(keys.length);
      }
      for (const k of m.keys) {
        if (k.annotate === null || !m.graph) continue;
        const ann = await vf.annotate(k.key);
        expect(ann.map(([o]) => o[o.length - 1])).toEqual(k.annotate);
      }
      await vf.check();
      await expect(vf.addLines(['x'.repeat(1)].concat(m.keyLength === 2 ? ['y'] : []), [], [])).rejects.toMatchObject({ code: 'ReadOnlyError' });
    });
  }

  it('a graph+delta pack keeps a delta whose basis is missing and reports the basis', async () => {
    const src = await openKnitPack(new LocalTransport(`${FIXTURES}named-graph-knit-pack`));
    const records: ContentFactory[] = [];
    for await (const r of src.getRecordStream([['chain-5']], 'unordered', false)) records.push(r);
    expect(records[0]!.storageKind).toBe('knit-delta-gz');
    const vf = await makePackFactory(true, true, 1)(new MemoryTransport());
    await vf.insertRecordStream(records);
    expect([...(await vf.getMissingCompressionParentKeys())]).toEqual([['chain-4']]);
    await vf.insertRecordStream(src.getRecordStream([['chain-4']], 'unordered', true));
    expect((await vf.getMissingCompressionParentKeys()).size).toBe(0);
  });

  it('index values round-trip and bad ones are KnitCorrupt', () => {
    const v = { noeol: true, pos: 1234, size: 56 };
    expect(decodePackValue(encodePackValue(v))).toEqual(v);
    expect(() => decodePackValue(new TextEncoder().encode('N12'))).toThrow(KnitCorrupt);
    expect(concatBytes([encodePackValue({ noeol: false, pos: 0, size: 1 })])[0]).toBe(0x20);
  });
});
