import { describe, expect, it } from 'vitest';
import {
  ChunkedContentFactory,
  ConstantMapper,
  InvalidChecksum,
  MemoryTransport,
  MultiParent,
  PrefixMapper,
  ReservedId,
  RevisionNotPresent,
  collect,
  utf8,
} from '@versionedfiles/core';
import { WeaveFile, WeaveFormatError, WeaveVersionedFiles, makeWeaveVersionedFilesFactory } from '@versionedfiles/weave';
import { lines, texts, weaveBytes, weaveFixtures } from './fixtures.js';

const merges = weaveFixtures().find((f) => f.name === 'merges');
if (!merges) throw new Error('merges fixture missing');

describe('WeaveFile', () => {
  it('writes Breezy\'s bytes after each add and reads them back', async () => {
    const t = new MemoryTransport();
    const file = await WeaveFile.open(t, 'merges', { create: true });
    for (const v of merges.versions) await file.addLines(v.name, v.parents, lines(v.lines));
    expect(await t.get('merges.weave')).toEqual(weaveBytes('merges'));
    const again = await WeaveFile.open(t, 'merges');
    expect(again.weave.versions()).toEqual(merges.versions.map((v) => v.name));
    expect(await again.isCurrent()).toBe(true);
  });

  it('a missing file is NoSuchFile unless created', async () => {
    await expect(WeaveFile.open(new MemoryTransport(), 'nope')).rejects.toMatchObject({ code: 'NoSuchFile' });
  });

  it('refuses reserved names and ghosts, leaving the file unchanged', async () => {
    const t = new MemoryTransport();
    const file = await WeaveFile.open(t, 'w', { create: true });
    await file.addLines('a', [], lines(['x\n']));
    const before = await t.get('w.weave');
    await expect(file.addLines('b:', ['a'], lines(['y\n']))).rejects.toBeInstanceOf(ReservedId);
    await expect(file.addLines('b', ['ghost'], lines(['y\n']))).rejects.toBeInstanceOf(RevisionNotPresent);
    expect(await t.get('w.weave')).toEqual(before);
    expect(file.weave.versions()).toEqual(['a']);
  });

  it('streams records in topological order and inserts them elsewhere', async () => {
    const t = new MemoryTransport();
    const file = await WeaveFile.open(t, 'merges', { create: true });
    for (const v of merges.versions) await file.addLines(v.name, v.parents, lines(v.lines));
    const names = [...merges.versions.map((v) => v.name)].reverse();
    const records = await collect(file.getRecordStream([...names, 'absent'], 'topological'));
    expect(records.map((r) => r.key[0])).toEqual([...merges.versions.map((v) => v.name), 'absent']);
    expect(records.at(-1)?.storageKind).toBe('absent');
    const copy = await WeaveFile.open(t, 'copy', { create: true });
    await copy.insertRecordStream(records.slice(0, -1));
    expect(copy.weave.toBytes()).toEqual(file.weave.toBytes());
    await expect(copy.insertRecordStream(records.slice(-1))).rejects.toBeInstanceOf(RevisionNotPresent);
    await file.copyTo('sub/dir/copied', t);
    expect(await t.get('sub/dir/copied.weave')).toEqual(weaveBytes('merges'));
  });

  it('multi-parent diffs round-trip through the weave; a bad sha1 adds nothing', async () => {
    const t = new MemoryTransport();
    const source = await WeaveFile.open(t, 'src', { create: true });
    for (const v of merges.versions) await source.addLines(v.name, v.parents, lines(v.lines));
    const names = merges.versions.map((v) => v.name);
    const diffs = source.weave.makeMpdiffs(names);
    const records = merges.versions.map((v, i) => ({
      name: v.name,
      parents: v.parents,
      sha1: v.sha1,
      diff: MultiParent.fromPatch(utf8(texts((diffs[i] as MultiParent).toPatch()).join(''))),
    }));
    const target = await WeaveFile.open(t, 'dst', { create: true });
    const broken = records.map((r, i) => (i === 3 ? { ...r, sha1: '0'.repeat(40) } : r));
    await expect(target.addMpdiffs(broken)).rejects.toBeInstanceOf(InvalidChecksum);
    expect(target.weave.numVersions).toBe(0);
    await target.addMpdiffs(records);
    expect(target.weave.toBytes()).toEqual(source.weave.toBytes());
  });
});

describe('WeaveVersionedFiles', () => {
  it('keeps one weave per file id, named by the mapper', async () => {
    const t = new MemoryTransport();
    const vf = makeWeaveVersionedFilesFactory(new PrefixMapper())(t);
    for (const v of merges.versions) {
      await vf.addLines(['merges', v.name], v.parents.map((p) => ['merges', p]), lines(v.lines));
    }
    await vf.addLines(['other', 'r1'], [], lines(['z\n']));
    expect(await t.get('merges.weave')).toEqual(weaveBytes('merges'));
    expect([...(await vf.keys())].length).toBe(merges.versions.length + 1);
    await vf.check();
  });

  it('annotates the way weaves do, and lists the lines each version inserted', async () => {
    const vf = new WeaveVersionedFiles(new MemoryTransport(), new ConstantMapper('inventory'));
    for (const v of merges.versions) await vf.addLines([v.name], v.parents.map((p) => [p]), lines(v.lines));
    for (const v of merges.versions) {
      const annotated = await vf.annotate([v.name]);
      expect(annotated.map(([k, l]) => [k[0], texts([l])[0]])).toEqual(v.annotate);
    }
    const seen: [string, string][] = [];
    for await (const [line, key] of vf.iterLinesAddedOrPresentInKeys(merges.versions.map((v) => [v.name]))) {
      seen.push([texts([line])[0] as string, key[0] as string]);
    }
    expect(seen).toEqual(merges.linesAdded);
  });

  it('refuses parents in another weave or absent, as ghosts', async () => {
    const vf = new WeaveVersionedFiles(new MemoryTransport(), new PrefixMapper());
    await vf.addLines(['f', 'a'], [], lines(['x\n']));
    await expect(vf.addLines(['g', 'b'], [['f', 'a']], lines(['y\n']))).rejects.toBeInstanceOf(RevisionNotPresent);
    await expect(vf.addLines(['f', 'b'], [['f', 'ghost']], lines(['y\n']))).rejects.toBeInstanceOf(RevisionNotPresent);
    expect([...(await vf.keys())]).toEqual([['f', 'a']]);
  });

  it('sees writes another store object made to the same files', async () => {
    const t = new MemoryTransport();
    const one = new WeaveVersionedFiles(t, new PrefixMapper());
    const two = new WeaveVersionedFiles(t, new PrefixMapper());
    await one.addLines(['f', 'a'], [], lines(['x\n']));
    expect((await two.getParentMap([['f', 'a']])).size).toBe(1);
    await two.addLines(['f', 'b'], [['f', 'a']], lines(['x\n', 'y\n']));
    expect((await one.getSha1s([['f', 'b']])).size).toBe(1);
  });

  it('a write picks up what another store object wrote since its last one', async () => {
    const t = new MemoryTransport();
    const one = new WeaveVersionedFiles(t, new PrefixMapper());
    const two = new WeaveVersionedFiles(t, new PrefixMapper());
    await one.addLines(['f', 'a'], [], lines(['x\n']));
    await two.addLines(['f', 'b'], [['f', 'a']], lines(['x\n', 'y\n']));
    await one.addLines(['f', 'c'], [['f', 'b']], lines(['y\n']));
    const fresh = new WeaveVersionedFiles(t, new PrefixMapper());
    expect([...(await fresh.keys())].map((k) => k[1]).sort()).toEqual(['a', 'b', 'c']);
    await fresh.check();
  });

  it('a failed write leaves no file (not even an empty weave) and changes nothing', async () => {
    let failPuts = 1;
    class FlakyTransport extends MemoryTransport {
      override async put(...args: Parameters<MemoryTransport['put']>): Promise<void> {
        if (failPuts-- > 0) throw new Error('disk full');
        return super.put(...args);
      }
    }
    const t = new FlakyTransport();
    const vf = new WeaveVersionedFiles(t, new PrefixMapper());
    await expect(vf.addLines(['f', 'a'], [], lines(['x\n']))).rejects.toThrow('disk full');
    expect(await t.exists('f.weave')).toBe(false);
    expect((await vf.keys()).size).toBe(0);
    await vf.addLines(['f', 'a'], [], lines(['x\n']));
    failPuts = 1;
    await expect(vf.addLines(['f', 'b'], [['f', 'a']], lines(['y\n']))).rejects.toThrow('disk full');
    expect([...(await vf.keys())]).toEqual([['f', 'a']]);
    await vf.addLines(['f', 'b'], [['f', 'a']], lines(['y\n']));
    expect((await vf.keys()).size).toBe(2);
    await vf.check();
  });

  it('reports corrupt files with typed errors', async () => {
    const t = new MemoryTransport();
    const vf = new WeaveVersionedFiles(t, new PrefixMapper());
    await vf.addLines(['f', 'a'], [], lines(['hello\n']));
    const bytes = texts([await t.get('f.weave')])[0] as string;
    await t.put('f.weave', utf8(bytes.replace('. hello', '. jello')));
    vf.clearCache();
    await expect(vf.check()).rejects.toBeInstanceOf(InvalidChecksum);
    await t.put('f.weave', utf8(bytes.replace('W\n', '')));
    vf.clearCache();
    await expect(vf.getParentMap([['f', 'a']])).rejects.toBeInstanceOf(WeaveFormatError);
  });

  it('stores records of any text kind from a stream', async () => {
    const vf = new WeaveVersionedFiles(new MemoryTransport(), new ConstantMapper('inventory'));
    await vf.insertRecordStream([
      new ChunkedContentFactory(['a'], [], null, lines(['one\n', 'two\n'])),
      new ChunkedContentFactory(['b'], [['a']], null, lines(['one\n', 'three\n'])),
    ]);
    const [record] = await collect(vf.getRecordStream([['b']], 'unordered', true));
    expect(texts([record?.getBytesAs('fulltext') as Uint8Array])).toEqual(['one\nthree\n']);
  });
});

describe('WeaveVersionedFiles with keys no file can hold', () => {
  it('reads them as absent and refuses to store them', async () => {
    const vf = new WeaveVersionedFiles(new MemoryTransport(), new PrefixMapper());
    await vf.addLines(['f', 'a'], [], lines(['x\n']));
    const odd = ['..', 'a'];
    expect((await vf.getParentMap([odd, ['f', 'a']])).size).toBe(1);
    const [record] = await collect(vf.getRecordStream([odd], 'unordered', true));
    expect(record?.storageKind).toBe('absent');
    await expect(vf.addLines(odd, [], lines(['y\n']))).rejects.toMatchObject({ code: 'InvalidKey' });
    const walk = async (): Promise<void> => {
      for await (const _ of vf.iterLinesAddedOrPresentInKeys([odd])) expect.unreachable();
    };
    await expect(walk()).rejects.toBeInstanceOf(RevisionNotPresent);
  });
});

describe('verifySha1: trusted bulk reads', () => {
  /** A store whose weave holds one text changed behind its sha1's back (the file still parses). */
  async function corrupted(): Promise<MemoryTransport> {
    const t = new MemoryTransport();
    const vf = new WeaveVersionedFiles(t, new PrefixMapper());
    await vf.addLines(['f', 'a'], [], lines(['hello\n', 'world\n']));
    const bytes = await t.get('f.weave');
    const at = Buffer.from(bytes).indexOf('hello');
    const bad = bytes.slice();
    bad[at] = 'j'.charCodeAt(0);
    await t.put('f.weave', bad);
    return t;
  }

  it('a corrupted text is InvalidChecksum by default', async () => {
    const t = await corrupted();
    const vf = new WeaveVersionedFiles(t, new PrefixMapper());
    await expect(collect(vf.getRecordStream([['f', 'a']], 'unordered', true))).rejects.toBeInstanceOf(InvalidChecksum);
    const file = await WeaveFile.open(t, 'f');
    await expect(collect(file.getRecordStream(['a'], 'unordered'))).rejects.toBeInstanceOf(InvalidChecksum);
    expect(() => file.weave.getLines('a')).toThrow(InvalidChecksum);
  });

  it('streams out unchecked with verifySha1: false (check() still finds it)', async () => {
    const t = await corrupted();
    const vf = new WeaveVersionedFiles(t, new PrefixMapper(), { verifySha1: false });
    const [record] = await collect(vf.getRecordStream([['f', 'a']], 'unordered', true));
    expect(texts([record?.getBytesAs('fulltext') as Uint8Array])).toEqual(['jello\nworld\n']);
    const [viaView] = await collect(vf.withoutFallbacks().getRecordStream([['f', 'a']], 'topological', true));
    expect(texts([viaView?.getBytesAs('fulltext') as Uint8Array])).toEqual(['jello\nworld\n']);
    const file = await WeaveFile.open(t, 'f', { verifySha1: false });
    const [fromFile] = await collect(file.getRecordStream(['a'], 'unordered'));
    expect(texts([fromFile?.getBytesAs('fulltext') as Uint8Array])).toEqual(['jello\nworld\n']);
    expect(texts(file.weave.getLines('a', { verifySha1: false }))).toEqual(['jello\n', 'world\n']);
    await expect(vf.check()).rejects.toBeInstanceOf(InvalidChecksum);
  });
});
