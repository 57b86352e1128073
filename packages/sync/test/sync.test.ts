// syncVersionedFiles across every pair of backends: texts, parents and sha1s
// kept; heads; delta reuse; abort at a random point and resume to the same result.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Aborted,
  ChunkedContentFactory,
  KeySet,
  MemoryVersionedFiles,
  collect,
  utf8,
  type ContentFactory,
  type Key,
  type VersionedFiles,
} from '@versionedfiles/core';
import { applyHistory, arbHistory, type History } from '@versionedfiles/conformance';
import { syncVersionedFiles } from '@versionedfiles/sync';
import { backends } from './backends.js';

/** Everything a store holds: key, parents, sha1 and text, in key order. */
async function contents(vf: VersionedFiles): Promise<[string, unknown, string | undefined, string][]> {
  const keys = [...(await vf.keys())];
  const parents = await vf.getParentMap(keys);
  const sha1s = await vf.getSha1s(keys);
  const out: [string, unknown, string | undefined, string][] = [];
  for await (const r of vf.getRecordStream(keys, 'unordered', true)) {
    out.push([r.key.join('/'), parents.get(r.key), sha1s.get(r.key), Buffer.from(r.getBytesAs('fulltext')).toString('latin1')]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Every key's present parents are present too (what a stopped sync must leave). */
async function expectClosed(vf: VersionedFiles, history: History): Promise<void> {
  const keys = await vf.keys();
  const historyKeys = new KeySet(history.entries.map((e) => e.key));
  for (const [key, parents] of await vf.getParentMap(keys)) {
    for (const p of parents ?? []) if (historyKeys.has(p)) expect(keys.has(p), `${key.join('/')} lacks parent ${p.join('/')}`).toBe(true);
  }
}

describe('syncVersionedFiles between every pair of backends', () => {
  for (const from of backends) {
    for (const to of backends) {
      it(`${from.name} -> ${to.name} keeps texts, parents and sha1s (property)`, async () => {
        const ghosts = from.ghosts && to.ghosts;
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(1 as const, 2 as const), fc.nat(), async (keyLength, seed) => {
            const history = fc.sample(arbHistory({ keyLength, ghosts, maxTexts: 10 }), { numRuns: 1, seed })[0] as History;
            const source = await from.open(keyLength);
            await applyHistory(source, history, { graph: true });
            const target = await to.open(keyLength);
            // The target already has an early part of the history.
            const preload = history.entries.slice(0, seed % 3);
            for (const e of preload) await target.addLines(e.key, e.parents, e.lines);
            const result = await syncVersionedFiles(source, target, { batchSize: 1 + (seed % 4) });
            expect(result).toEqual({ wanted: history.entries.length, copied: history.entries.length - preload.length });
            expect(await contents(target)).toEqual(await contents(source));
            await target.check();
            // A second sync has nothing to do.
            expect((await syncVersionedFiles(source, target)).copied).toBe(0);
          }),
          { numRuns: 4 },
        );
      });
    }
  }
});

describe('syncVersionedFiles', () => {
  const linear = async (vf: VersionedFiles, n: number): Promise<Key[]> => {
    const keys: Key[] = [];
    const text: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      text.push(utf8(`line ${i}\n`));
      keys.push([`r${i}`]);
      await vf.addLines([`r${i}`], i === 0 ? [] : [[`r${i - 1}`]], text);
    }
    return keys;
  };

  it('copies only the ancestry of the heads asked for', async () => {
    const source = new MemoryVersionedFiles({ keyLength: 1 });
    const keys = await linear(source, 5);
    await source.addLines(['side'], [['r1']], [utf8('side\n')]);
    const target = new MemoryVersionedFiles({ keyLength: 1 });
    const result = await syncVersionedFiles(source, target, { heads: [['r2']] });
    expect(result).toEqual({ wanted: 3, copied: 3 });
    expect([...(await target.keys())].sort()).toEqual(keys.slice(0, 3));
    await expect(syncVersionedFiles(source, target, { heads: [['nope']] })).rejects.toMatchObject({ code: 'RevisionNotPresent' });
  });

  it('reuses knit deltas between knit stores and converts them for other stores', async () => {
    const [memory, knit] = backends;
    const source = await knit!.open(1);
    await linear(source, 8);
    const target = await knit!.open(1);
    await syncVersionedFiles(source, target);
    const kinds = new Set<string>();
    for await (const r of target.getRecordStream(await source.keys(), 'unordered', false)) kinds.add(r.storageKind);
    expect([...kinds].sort()).toEqual(['knit-delta-gz', 'knit-ft-gz']);
    const plain = await memory!.open(1);
    await syncVersionedFiles(source, plain);
    expect((await plain.getSha1s(await source.keys())).size).toBe(8);
  });

  it('hands groupcompress blocks to a groupcompress target as they are', async () => {
    const gc = backends.find((b) => b.name === 'groupcompress')!;
    const source = await gc.open(1);
    await source.insertRecordStream(
      Array.from({ length: 6 }, (_, i) => new ChunkedContentFactory([`r${i}`], i === 0 ? [] : [[`r${i - 1}`]], null, [utf8(`line ${i}\n`)])),
    );
    const target = await gc.open(1);
    const kinds: string[] = [];
    const watching = {
      getParentMap: (keys: Iterable<Key>) => target.getParentMap(keys),
      insertRecordStream: async (stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>) =>
        target.insertRecordStream(
          (async function* () {
            for await (const r of stream) {
              kinds.push(r.storageKind);
              yield r;
            }
          })(),
        ),
    };
    await syncVersionedFiles(source, watching);
    expect(kinds[0]).toBe('groupcompress-block');
    expect(await contents(target)).toEqual(await contents(source));
  });

  it('syncs stores without a graph, and refuses a target of another key length', async () => {
    const source = new MemoryVersionedFiles({ keyLength: 1, graph: false });
    await source.addLines(['a'], null, [utf8('a\n')]);
    await source.addLines(['b'], null, [utf8('b\n')]);
    const target = new MemoryVersionedFiles({ keyLength: 1, graph: false });
    expect(await syncVersionedFiles(source, target)).toEqual({ wanted: 2, copied: 2 });
    expect(await contents(target)).toEqual(await contents(source));
    await expect(syncVersionedFiles(source, new MemoryVersionedFiles({ keyLength: 2 }))).rejects.toMatchObject({ code: 'InvalidKey' });
  });

  it('reports progress by phase', async () => {
    const source = new MemoryVersionedFiles({ keyLength: 1 });
    await linear(source, 4);
    const phases: string[] = [];
    await syncVersionedFiles(source, new MemoryVersionedFiles({ keyLength: 1 }), {
      progress: (e) => phases.push(`${e.phase} ${e.done}/${e.total}`),
    });
    expect(phases).toEqual(['graph 4/4', 'compare 4/4', 'copy 1/4', 'copy 2/4', 'copy 3/4', 'copy 4/4']);
  });

  it('syncs from a stacked store: the history below comes too', async () => {
    const base = new MemoryVersionedFiles({ keyLength: 1 });
    await linear(base, 3);
    const top = await backends[1]!.open(1);
    top.addFallbackVersionedFiles(base);
    await top.addLines(['r3'], [['r2']], [utf8('line 0\n'), utf8('new\n')]);
    const target = await backends[3]!.open(1);
    expect((await syncVersionedFiles(top, target)).copied).toBe(4);
    expect(await contents(target)).toEqual(await contents(await flatten(top)));
  });

  for (const from of backends.filter((b) => b.name !== 'weave')) {
    for (const to of backends) {
      it(`${from.name} -> ${to.name}: an abort at any point leaves the target closed, and a resume finishes it (property)`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 12 }), async (seed, stopAt) => {
            const history = fc.sample(arbHistory({ keyLength: 2, ghosts: false, maxTexts: 10 }), { numRuns: 1, seed })[0] as History;
            const source = await from.open(2);
            await applyHistory(source, history, { graph: true });
            const target = await to.open(2);
            const controller = new AbortController();
            const first = syncVersionedFiles(source, target, {
              signal: controller.signal,
              batchSize: 3,
              progress: (e) => {
                if (e.phase === 'copy' && e.done === stopAt) controller.abort(new Error('stop'));
              },
            });
            if (stopAt < history.entries.length) await expect(first).rejects.toBeInstanceOf(Aborted);
            // Aborted with the last record copied: a store that still has work
            // to do at the end of the stream (groupcompress flushing its
            // buffered groups) may stop there too; either way nothing is half-done.
            else await first.catch((err: unknown) => expect(err).toBeInstanceOf(Aborted));
            await expectClosed(target, history);
            await target.check();
            await syncVersionedFiles(source, target);
            expect(await contents(target)).toEqual(await contents(source));
          }),
          { numRuns: 3, examples: [[1596276419, 1]] },
        );
      });
    }
  }
});

/** A stacked store's whole history in one memory store (for comparisons). */
async function flatten(vf: VersionedFiles): Promise<VersionedFiles> {
  const out = new MemoryVersionedFiles({ keyLength: vf.keyLength });
  await syncVersionedFiles(vf, out);
  expect((await collect(out.getRecordStream(await out.keys(), 'unordered', false))).length).toBeGreaterThan(0);
  return out;
}
