import { describe, expect, it } from 'vitest';
import { NoSuchFile, fromUtf8, utf8 } from '@versionedfiles/core';
import { BTreeBuilder, BTreeGraphIndex, BytesRangeReader, CombinedGraphIndex, GraphIndex, GraphIndexBuilder, MemoryGraphIndex, findAncestry } from '../src/index.js';
import type { GraphIndexReader, IndexEntry } from '../src/index.js';

async function collect(it: AsyncIterable<IndexEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(`${e.key.join('/')}=${fromUtf8(e.value)}`);
  return out;
}

function graph(entries: [string, string][]): GraphIndex {
  const b = new GraphIndexBuilder({ referenceLists: 1 });
  for (const [k, v] of entries) b.addNode([k], utf8(v), [[['ghost']]]);
  return new GraphIndex(new BytesRangeReader(b.finish()));
}

function btree(entries: [string, string][]): BTreeGraphIndex {
  const b = new BTreeBuilder({ referenceLists: 1 });
  for (const [k, v] of entries) b.addNode([k], utf8(v), [[['a']]]);
  return new BTreeGraphIndex(new BytesRangeReader(b.finish()));
}

describe('CombinedGraphIndex', () => {
  it('reports each key once, first child wins, and moves hit children to the front', async () => {
    const first = graph([['a', '1'], ['b', '1']]);
    const second = btree([['b', '2'], ['c', '2']]);
    const third = graph([['d', '3']]);
    const combined = new CombinedGraphIndex([first, second]);
    combined.insertIndex(2, third, 'third');
    expect(await collect(combined.iterAllEntries())).toEqual(['a=1', 'b=1', 'b=2', 'c=2', 'd=3'].filter((s) => s !== 'b=2'));
    expect(await combined.keyCount()).toBe(5);
    expect((await collect(combined.iterEntries([['c'], ['d'], ['zz']]))).sort()).toEqual(['c=2', 'd=3']);
    expect(combined.indices).toEqual([second, third, first]);
    expect(combined.names).toEqual([null, 'third', null]);
    expect(await collect(combined.iterEntriesPrefix([['b']]))).toEqual(['b=2']);
    expect([...(await combined.externalReferences(0))]).toEqual([['ghost']]);
    await combined.validate();
  });

  it('a builder queried before it is written, through MemoryGraphIndex', async () => {
    const builder = new BTreeBuilder({ referenceLists: 1, keyElements: 2 });
    const live = new MemoryGraphIndex(builder);
    builder.addNode(['f', 'r1'], utf8('1'), [[]]);
    expect(await collect(live.iterEntries([['f', 'r1'], ['f', 'r2']]))).toEqual(['f/r1=1']);
    builder.addNode(['f', 'r2'], utf8('2'), [[['f', 'r1'], ['g', 'x']]]);
    const combined = new CombinedGraphIndex([live, graph([['k', 'v']])]);
    expect(await combined.keyCount()).toBe(3);
    expect(await collect(live.iterEntriesPrefix([['f', null]]))).toEqual(['f/r1=1', 'f/r2=2']);
    expect([...(await live.externalReferences(0))]).toEqual([['g', 'x']]);
  });

  it('findAncestry walks parents across children, reporting keys no child has', async () => {
    const older = new BTreeBuilder({ referenceLists: 1 });
    older.addNode(['r1'], utf8(''), [[]]);
    older.addNode(['r2'], utf8(''), [[['r1'], ['ghost']]]);
    const newer = new GraphIndexBuilder({ referenceLists: 1 });
    newer.addNode(['r3'], utf8(''), [[['r2']]]);
    newer.addNode(['r4'], utf8(''), [[['r3'], ['r2']]]);
    const combined = new CombinedGraphIndex([
      new GraphIndex(new BytesRangeReader(newer.finish())),
      new BTreeGraphIndex(new BytesRangeReader(older.finish())),
    ]);
    const { parentMap, missing } = await findAncestry(combined, [['r4'], ['nope']], 0);
    expect([...parentMap.keys()].map((k) => k[0]).sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(parentMap.get(['r4'])).toEqual([['r3'], ['r2']]);
    expect([...missing].map((k) => k[0]).sort()).toEqual(['ghost', 'nope']);
  });

  it('reloads its children when a file has vanished, then retries', async () => {
    const gone: GraphIndexReader = {
      iterAllEntries: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new NoSuchFile('x.tix')) }) }),
      iterEntries: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new NoSuchFile('x.tix')) }) }),
      iterEntriesPrefix: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new NoSuchFile('x.tix')) }) }),
      keyCount: () => Promise.reject(new NoSuchFile('x.tix')),
      externalReferences: () => Promise.reject(new NoSuchFile('x.tix')),
      validate: () => Promise.reject(new NoSuchFile('x.tix')),
    };
    const fresh = graph([['k', 'v']]);
    let reloads = 0;
    const combined: CombinedGraphIndex = new CombinedGraphIndex([gone], {
      reload: async () => {
        reloads += 1;
        combined.setIndices([fresh]);
        return true;
      },
    });
    expect(await collect(combined.iterEntries([['k']]))).toEqual(['k=v']);
    expect(await combined.keyCount()).toBe(1);
    expect(reloads).toBe(1);
    const noReload = new CombinedGraphIndex([gone]);
    await expect(noReload.keyCount()).rejects.toBeInstanceOf(NoSuchFile);
  });
});
