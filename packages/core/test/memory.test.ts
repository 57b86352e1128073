// MemoryVersionedFiles: the store-specific behaviour (the shared behaviour is
// the conformance suite's). Expected sha1s are Breezy's for the diamond.
import { describe, expect, it } from 'vitest';
import {
  ChunkedContentFactory,
  FulltextContentFactory,
  MemoryVersionedFiles,
  RevisionAlreadyPresent,
  collect,
  sha1Hex,
  type Key,
} from '@versionedfiles/core';
import { addDiamond, fulltext, lines, snapshot, text } from './vf-helpers.js';

describe('MemoryVersionedFiles', () => {
  it('returns Breezy\'s sha1 and size for each add of the diamond', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    const results = [];
    results.push(await vf.addLines(['origin'], [], lines('origin\n')));
    results.push(await vf.addLines(['base'], [['origin']], lines('base\n')));
    results.push(await vf.addLines(['left'], [['base']], lines('base\n', 'left\n')));
    results.push(await vf.addLines(['right'], [['base']], lines('base\n', 'right\n')));
    results.push(await vf.addLines(['merged'], [['left'], ['right']], lines('base\n', 'left\n', 'right\n', 'merged\n')));
    expect(results.map((r) => [r.sha1, r.size])).toEqual([
      ['00e364d235126be43292ab09cb4686cf703ddc17', 7],
      ['51c64a6f4fc375daf0d24aafbabe4d91b6f4bb44', 5],
      ['a8478686da38e370e32e42e8a0c220e33ee9132f', 10],
      ['9ef09dfa9d86780bdec9219a22560c6ece8e0ef1', 11],
      ['ed8bce375198ea62444dc71952b22cfc2b09226d', 23],
    ]);
    expect(vf.size).toBe(5);
  });

  it('names content-addressed texts sha1:<hex>, keeping the prefix, and re-adding is a no-op', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 2, graph: false });
    const a = await vf.addLines(['FileA', null], null, lines('origin\n'));
    expect(a.key).toEqual(['FileA', 'sha1:00e364d235126be43292ab09cb4686cf703ddc17']);
    const again = await vf.addLines(['FileA', null], null, lines('origin\n'));
    expect(again).toEqual(a);
    expect([...(await vf.keys())]).toEqual([a.key]);
  });

  it('keeps the empty text, a newline-only text and noeol texts', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    const empty = await vf.addLines(['empty'], [], []);
    expect(empty).toMatchObject({ sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', size: 0 });
    await vf.addLines(['nl'], [['empty']], lines('\n'));
    await vf.addLines(['noeol'], [['nl']], lines('a\n', 'b'));
    expect(await fulltext(vf, ['empty'])).toBe('');
    expect(await fulltext(vf, ['nl'])).toBe('\n');
    expect(await fulltext(vf, ['noeol'])).toBe('a\nb');
    const [record] = await collect(vf.getRecordStream([['noeol']], 'unordered', false));
    expect(record?.getBytesAs('lines').map((l) => new TextDecoder().decode(l))).toEqual(['a\n', 'b']);
  });

  it('keeps its own copy of the bytes it was given', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    const line = text('abc\n');
    await vf.addLines(['a'], [], [line]);
    line[0] = 0x78;
    expect(await fulltext(vf, ['a'])).toBe('abc\n');
  });

  it('adds chunks (sync and async) and content factories as the same text', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    await vf.addChunks(['sync'], [], [text('a'), text('\nb\n')]);
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield text('a\n');
      yield text('b\n');
    }
    await vf.addChunks(['async'], [], gen());
    await vf.addContent(new ChunkedContentFactory(['content'], [['sync']], sha1Hex(text('a\nb\n')), [text('a'), text('\nb\n')]));
    const shas = await vf.getSha1s([['sync'], ['async'], ['content']]);
    expect(new Set(shas.values())).toEqual(new Set([sha1Hex(text('a\nb\n'))]));
    expect((await vf.getParentMap([['content']])).get(['content'])).toEqual([['sync']]);
  });

  it('without a graph reads parents back as null and ignores orderings', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1, graph: false });
    await addDiamond(vf, { graph: false });
    const map = await vf.getParentMap([['merged'], ['base']]);
    expect([...map.values()]).toEqual([null, null]);
    const keys = (await collect(vf.getRecordStream([['merged'], ['base']], 'topological', false))).map((r) => r.key);
    expect(new Set(keys.map((k) => k[0]))).toEqual(new Set(['merged', 'base']));
  });

  it('withoutFallbacks shares the texts but not the fallbacks', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    const fb = new MemoryVersionedFiles({ keyLength: 1 });
    await fb.addLines(['a'], [], lines('\n'));
    vf.addFallbackVersionedFiles(fb);
    const bare = vf.withoutFallbacks();
    expect(bare.fallbacks).toEqual([]);
    expect((await vf.getParentMap([['a']])).has(['a'])).toBe(true);
    expect((await bare.getParentMap([['a']])).has(['a'])).toBe(false);
    await bare.addLines(['b'], [], lines('b\n'));
    expect((await vf.getParentMap([['b']])).has(['b'])).toBe(true);
  });

  it('inserts a stream from another store, skipping keys it already has', async () => {
    const source = new MemoryVersionedFiles({ keyLength: 2 });
    await addDiamond(source, { prefixes: [['FileA'], ['FileB']], eol: '' });
    const target = new MemoryVersionedFiles({ keyLength: 2 });
    await target.addLines(['FileA', 'origin'], [], lines('origin'));
    await target.insertRecordStream(source.getRecordStream(await source.keys(), 'topological', false));
    expect(await snapshot(target)).toEqual(await snapshot(source));
  });

  it('accepts records in any order (no compression parents in fulltexts)', async () => {
    const source = new MemoryVersionedFiles({ keyLength: 1 });
    await addDiamond(source);
    const target = new MemoryVersionedFiles({ keyLength: 1 });
    const keys: Key[] = [['merged'], ['left'], ['origin'], ['right'], ['base']];
    const records = [];
    for (const k of keys) records.push(...(await collect(source.getRecordStream([k], 'unordered', false))));
    await target.insertRecordStream(records);
    expect(await snapshot(target)).toEqual(await snapshot(source));
  });

  it('stores parents null given to a graph store as no parents', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    await vf.insertRecordStream([new FulltextContentFactory(['a'], null, null, text('a\n'))]);
    expect((await vf.getParentMap([['a']])).get(['a'])).toEqual([]);
  });

  it('never overwrites a text, even when told the key is random', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    await vf.addLines(['k'], [], lines('one\n'));
    await expect(vf.addLines(['k'], [], lines('two\n'), { randomId: true })).rejects.toBeInstanceOf(RevisionAlreadyPresent);
    expect(await fulltext(vf, ['k'])).toBe('one\n');
  });

  it('refuses concurrent adds of one key: exactly one wins', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    const results = await Promise.allSettled([
      vf.addLines(['k'], [], lines('one\n')),
      vf.addLines(['k'], [], lines('two\n')),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await vf.keys()).size).toBe(1);
  });
});
