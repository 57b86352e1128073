import { describe, expect, it } from 'vitest';
import {
  ConstantMapper,
  HashEscapedPrefixMapper,
  KeyMap,
  LocalTransport,
  MemoryTransport,
  bytesEqual,
  concatBytes,
  compatZlib,
  fastZlib,
  sha1Hex,
  splitLines,
} from '@versionedfiles/core';
import type { ContentFactory, Transport } from '@versionedfiles/core';
import { KnitCorrupt, KnitFileAccess, KnitVersionedFiles, KndxIndex, makeFileFactory, parseKndx } from '../src/index.js';
import { FIXTURES, SCENARIOS, b64, fixtureFile, manifest, mapperFor, type Manifest } from './support.js';


async function textOf(record: ContentFactory): Promise<Uint8Array> {
  return record.getBytesAs('fulltext');
}

async function replay(m: Manifest, transport: Transport, zlib?: typeof fastZlib) {
  const vf = makeFileFactory(m.annotated, mapperFor(m), zlib ? { zlib } : {})(transport);
  for (const ins of m.inserts) await vf.addLines(ins.key, ins.parents, splitLines(b64(ins.text)));
  return vf;
}

describe('knit files', () => {
  for (const name of SCENARIOS) {
    it(`${name}: the same inserts write Breezy's bytes (compat mode)`, async () => {
      const m = manifest(name);
      const t = new MemoryTransport();
      await replay(m, t, compatZlib);
      const files = await t.listRecursive();
      expect(files).toEqual(m.files);
      for (const f of files) expect(bytesEqual(await t.get(f), fixtureFile(name, f)), f).toBe(true);
    });

    it(`${name}: reads what Breezy wrote: texts, sha1s, annotations, stream kinds`, async () => {
      const m = manifest(name);
      const vf = makeFileFactory(m.annotated, mapperFor(m))(new LocalTransport(`${FIXTURES}${name}`));
      const keys = m.keys.map((k) => k.key);
      expect((await vf.keys()).size).toBe(keys.length);
      const sha1s = await vf.getSha1s(keys);
      for (const k of m.keys) expect(sha1s.get(k.key)).toBe(k.sha1);
      for (const ordering of ['unordered', 'topological', 'groupcompress'] as const) {
        let n = 0;
        for await (const r of vf.getRecordStream(keys, ordering, true)) {
          expect(sha1Hex(await textOf(r))).toBe(sha1s.get(r.key));
          n++;
        }
        expect(n).toBe(keys.length);
      }
      const kinds = new KeyMap(m.stream.map((s) => [s.key, s] as const));
      for await (const r of vf.getRecordStream(keys, 'unordered', false)) {
        const s = kinds.get(r.key)!;
        expect(r.storageKind).toBe(s.kind);
        expect(bytesEqual(r.getBytesAs(r.storageKind) as Uint8Array, b64(s.wire))).toBe(true);
      }
      for (const k of m.keys) {
        if (k.annotate === null) continue;
        const ann = await vf.annotate(k.key);
        expect(ann.map(([o]) => o[o.length - 1]), JSON.stringify(k.key)).toEqual(k.annotate);
      }
      await vf.check();
    });

    it(`${name}: default (fast) mode decompresses to the same records`, async () => {
      const m = manifest(name);
      const t = new MemoryTransport();
      const vf = await replay(m, t);
      const keys = m.keys.map((k) => k.key);
      const sha1s = await vf.getSha1s(keys);
      for (const k of m.keys) expect(sha1s.get(k.key)).toBe(k.sha1);
      // Same index apart from where records lie and, as the fulltext/delta choice
      // weighs compressed sizes, which records are deltas.
      const shape = (bytes: Uint8Array) =>
        [...parseKndx(bytes).entries.values()].map((e) => [e.versionId, e.options.includes('no-eol'), e.parents, e.index]);
      for (const f of m.files.filter((x) => x.endsWith('.kndx'))) {
        expect(shape(await t.get(f)), f).toEqual(shape(fixtureFile(name, f)));
      }
    });

    it(`${name}: a record stream from Breezy's store inserts into a fresh one with the same bytes`, async () => {
      const m = manifest(name);
      const source = makeFileFactory(m.annotated, mapperFor(m))(new LocalTransport(`${FIXTURES}${name}`));
      const t = new MemoryTransport();
      const target = makeFileFactory(m.annotated, mapperFor(m), { zlib: compatZlib })(t);
      const keys = m.inserts.map((i) => i.key);
      await target.insertRecordStream(source.getRecordStream(keys, 'topological', false));
      const sha1s = await target.getSha1s(keys);
      for (const k of m.keys) expect(sha1s.get(k.key)).toBe(k.sha1);
      expect((await target.getMissingCompressionParentKeys()).size).toBe(0);
      await target.check();
    });
  }

  it('a delta whose basis is missing is refused and leaves the index unchanged', async () => {
    const m = manifest('named-knit');
    const source = makeFileFactory(false, new ConstantMapper('revisions'))(new LocalTransport(`${FIXTURES}named-knit`));
    const t = new MemoryTransport();
    const target = makeFileFactory(false, new ConstantMapper('revisions'))(t);
    const records: ContentFactory[] = [];
    for await (const r of source.getRecordStream([['chain-5']], 'unordered', false)) records.push(r);
    expect(records[0]!.storageKind).toBe('knit-delta-gz');
    await expect(target.insertRecordStream(records)).rejects.toMatchObject({ code: 'RevisionNotPresent' });
    expect((await target.keys()).size).toBe(0);
    expect(m.keys.length).toBeGreaterThan(0);
  });

  it('corrupt stored records give KnitCorrupt naming the key', async () => {
    const t = new MemoryTransport();
    const vf = makeFileFactory(false, new ConstantMapper('revisions'))(t);
    await vf.addLines(['a'], [], splitLines(new TextEncoder().encode('hello\nworld\n')));
    const knit = await t.get('revisions.knit');
    const bad = knit.slice();
    bad[bad.length - 6] = (bad[bad.length - 6] as number) ^ 0xff;
    await t.put('revisions.knit', bad);
    const fresh = makeFileFactory(false, new ConstantMapper('revisions'))(t);
    const err = await (async () => {
      for await (const r of fresh.getRecordStream([['a']], 'unordered', true)) r.getBytesAs('fulltext');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KnitCorrupt);
    expect((err as KnitCorrupt).key).toEqual(['a']);
    expect(concatBytes([knit]).length).toBeGreaterThan(0);
  });
});

describe('listing keys', () => {
  it("names keys only from .kndx files: a crash's leftover temporary file or a lone .knit names none", async () => {
    const t = new MemoryTransport();
    const vf = makeFileFactory(false, new HashEscapedPrefixMapper())(t);
    await vf.addLines(['f', 'a'], [], splitLines(new TextEncoder().encode('hello\n')));
    const kndx = (await t.listRecursive()).find((f) => f.endsWith('.kndx')) as string;
    const dir = kndx.slice(0, kndx.lastIndexOf('/'));
    // What LocalTransport's put leaves when killed before its rename, and a .knit whose .kndx was never written.
    await t.put(`${dir}/.tmp-1234-abcdef`, new Uint8Array(3));
    await t.put(`${dir}/g.knit`, new Uint8Array(0));
    const fresh = makeFileFactory(false, new HashEscapedPrefixMapper())(t);
    expect([...(await fresh.keys())]).toEqual([['f', 'a']]);
  });
});

describe('delta chains', () => {
  it('a chain holds at most maxDeltaChain deltas, then starts again from a fulltext', async () => {
    const t = new MemoryTransport();
    const mapper = new ConstantMapper('revisions');
    const vf = new KnitVersionedFiles(new KndxIndex(t, mapper), new KnitFileAccess(t, mapper), { keyLength: 1, annotated: false, maxDeltaChain: 3 });
    const lines = Array.from({ length: 200 }, (_, i) => new TextEncoder().encode(`a long enough line number ${i}\n`));
    for (let i = 0; i < 10; i++) {
      lines.push(new TextEncoder().encode(`added ${i}\n`));
      await vf.addLines([`v${i}`], i === 0 ? [] : [[`v${i - 1}`]], lines);
    }
    const methods = [...parseKndx(await t.get('revisions.kndx')).entries.values()].map((e) => e.options.join(','));
    expect(methods).toEqual(['fulltext', 'line-delta', 'line-delta', 'line-delta', 'fulltext', 'line-delta', 'line-delta', 'line-delta', 'fulltext', 'line-delta']);
  });
});

describe('a delta whose basis is missing', () => {
  it('reads and checks as KnitCorrupt naming the key', async () => {
    const t = new MemoryTransport();
    const vf = makeFileFactory(false, new ConstantMapper('revisions'))(t);
    const enc = new TextEncoder();
    const base = Array.from({ length: 50 }, (_, i) => enc.encode(`line ${i}\n`));
    await vf.addLines(['a'], [], base);
    await vf.addLines(['b'], [['a']], [...base, enc.encode('more\n')]);
    // Point b's basis at a version the index does not hold.
    const kndx = new TextDecoder().decode(await t.get('revisions.kndx')).replace(/(\nb line-delta \d+ \d+ )0 :/, '$1.gone :');
    await t.put('revisions.kndx', enc.encode(kndx));
    const fresh = makeFileFactory(false, new ConstantMapper('revisions'))(t);
    const read = async () => {
      for await (const r of fresh.getRecordStream([['b']], 'unordered', true)) r.getBytesAs('fulltext');
    };
    await expect(read()).rejects.toMatchObject({ code: 'KnitCorrupt', key: ['b'] });
    await expect(fresh.check()).rejects.toMatchObject({ code: 'KnitCorrupt', key: ['b'] });
  });
});
