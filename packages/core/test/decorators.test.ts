import { describe, expect, it } from 'vitest';
import {
  KeyMap,
  MemoryVersionedFiles,
  NoDupeAddLinesDecorator,
  OrderingVersionedFilesDecorator,
  RecordingVersionedFilesDecorator,
  UnsupportedOperation,
  VirtualVersionedFiles,
  collect,
  sha1OfChunks,
  type Key,
} from '@versionedfiles/core';
import { lines, text } from './vf-helpers.js';

async function abcd(): Promise<MemoryVersionedFiles> {
  const vf = new MemoryVersionedFiles({ keyLength: 1 });
  await vf.addLines(['A'], [], lines('a\n'));
  await vf.addLines(['B'], [['A']], lines('b\n'));
  await vf.addLines(['C'], [['B']], lines('c\n'));
  await vf.addLines(['D'], [['C']], lines('d\n'));
  return vf;
}

const keysOf = async (it: AsyncIterable<{ key: Key }>): Promise<string[]> =>
  (await collect(it)).map((r) => r.key[0] as string);

describe('RecordingVersionedFilesDecorator', () => {
  it('records Breezy\'s calls with their arguments, then answers from the store', async () => {
    const vf = new RecordingVersionedFilesDecorator(await abcd());
    const request: Key[] = [['B'], ['A']];
    expect(await keysOf(vf.getRecordStream(request, 'topological', false))).toEqual(['A', 'B']);
    await vf.getParentMap(new Set<Key>([['C']]));
    await vf.getSha1s([['D']]);
    await vf.keys();
    await collect(vf.iterLinesAddedOrPresentInKeys([['A']]));
    await vf.addLines(['E'], [['D']], lines('e\n'));
    expect(vf.calls).toEqual([
      ['getRecordStream', [['B'], ['A']], 'topological', false],
      ['getParentMap', [['C']]],
      ['getSha1s', [['D']]],
      ['keys'],
      ['iterLinesAddedOrPresentInKeys', [['A']]],
      ['addLines', ['E'], [['D']], lines('e\n'), {}],
    ]);
    expect((await vf.backing.keys()).size).toBe(5);
  });
});

describe('OrderingVersionedFilesDecorator (Breezy\'s three cases)', () => {
  const request: Key[] = [['B'], ['C'], ['D'], ['A']];

  it('keeps topological order', async () => {
    const priority = new KeyMap<number>([[['A'], 3], [['B'], 2], [['C'], 4], [['D'], 1]]);
    const vf = new OrderingVersionedFilesDecorator(await abcd(), priority);
    expect(await keysOf(vf.getRecordStream(request, 'topological', false))).toEqual(['A', 'B', 'C', 'D']);
    expect(vf.calls).toEqual([['getRecordStream', request, 'topological', false]]);
  });

  it('orders unordered streams by priority', async () => {
    const priority = new KeyMap<number>([[['A'], 3], [['B'], 2], [['C'], 4], [['D'], 1]]);
    const vf = new OrderingVersionedFilesDecorator(await abcd(), priority);
    expect(await keysOf(vf.getRecordStream(request, 'unordered', false))).toEqual(['D', 'B', 'A', 'C']);
    expect(vf.calls).toEqual([['getRecordStream', request, 'unordered', false]]);
  });

  it('puts keys without a priority first, by key', async () => {
    const vf = new OrderingVersionedFilesDecorator(await abcd(), new KeyMap<number>([[['B'], 2], [['D'], 1]]));
    expect(await keysOf(vf.getRecordStream(request, 'unordered', false))).toEqual(['A', 'C', 'D', 'B']);
  });
});

describe('VirtualVersionedFiles', () => {
  const texts = new Map<string, Uint8Array[]>([
    ['A', lines('FOO', 'BAR')],
    ['B', lines('HEY')],
    ['C', lines('Alberta')],
  ]);
  const parents = new Map<string, string[]>([['G', ['A', 'B']]]);
  const make = (): VirtualVersionedFiles =>
    new VirtualVersionedFiles(
      (ids) => new Map(ids.filter((id) => parents.has(id)).map((id) => [id, parents.get(id) as string[]])),
      (id) => texts.get(id) ?? null,
    );

  it('maps parents, sha1s and records from the two functions', async () => {
    const vf = make();
    expect([...(await vf.getParentMap([['G'], ['L']]))]).toEqual([[['G'], [['A'], ['B']]]]);
    expect([...(await vf.getSha1s([['A'], ['NONEXISTENT']]))]).toEqual([[['A'], sha1OfChunks(lines('FOO', 'BAR'))]]);
    const [a, absent] = await collect(vf.getRecordStream([['A'], ['Z']], 'unordered', true));
    expect(a?.storageKind).toBe('chunked');
    expect(a?.getBytesAs('fulltext')).toEqual(text('FOOBAR'));
    expect(a?.getBytesAs('chunked')).toEqual(lines('FOO', 'BAR'));
    expect(absent?.storageKind).toBe('absent');
    const got = await collect(vf.iterLinesAddedOrPresentInKeys([['A'], ['B']]));
    expect(got.map(([l, k]) => [new TextDecoder().decode(l), k[0]])).toEqual([
      ['FOO', 'A'],
      ['BAR', 'A'],
      ['HEY', 'B'],
    ]);
    await vf.check();
  });

  it('refuses writes', async () => {
    const vf = make();
    await expect(vf.addLines(['foo'], [], [])).rejects.toBeInstanceOf(UnsupportedOperation);
    await expect(vf.addMpdiffs([])).rejects.toBeInstanceOf(UnsupportedOperation);
    await expect(vf.insertRecordStream([])).rejects.toBeInstanceOf(UnsupportedOperation);
    expect(() => vf.addFallbackVersionedFiles(new MemoryVersionedFiles({ keyLength: 1 }))).toThrow(UnsupportedOperation);
  });
});

describe('NoDupeAddLinesDecorator', () => {
  it('skips keys already present and resolves pending keys first', async () => {
    const store = new MemoryVersionedFiles({ keyLength: 2, graph: false });
    const vf = new NoDupeAddLinesDecorator(store);
    const first = await vf.addLines(['F', null], null, lines('x\n'));
    const second = await vf.addLines(['F', null], null, lines('x\n'));
    expect(second).toEqual(first);
    const named = await vf.addLines(['F', 'n'], null, lines('y\n'));
    expect(await vf.addLines(['F', 'n'], null, lines('other\n'))).toEqual({ ...named, sha1: sha1OfChunks(lines('other\n')), size: 6 });
    expect((await store.keys()).size).toBe(2);
    await expect(vf.addLines(['F', 'z'], null, lines('z\n'), { nostoreSha: 'x' })).rejects.toBeInstanceOf(UnsupportedOperation);
  });
});
