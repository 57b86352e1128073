// Multi-parent diffs and annotation through VersionedFilesBase, on the memory store.
import { describe, expect, it } from 'vitest';
import { InvalidChecksum, MemoryVersionedFiles, MultiParent, RevisionAlreadyPresent, collect, sha1Hex, type Key } from '@versionedfiles/core';
import { addDiamond, fulltext, lines, snapshot, text } from './vf-helpers.js';
import { mpdiffHistory } from './vf-history.js';

async function historyStore(graph = true): Promise<MemoryVersionedFiles> {
  const vf = new MemoryVersionedFiles({ keyLength: 1, graph });
  for (const [key, parents, body] of mpdiffHistory()) {
    await vf.addLines([key], graph ? parents.map((p) => [p]) : null, lines(...body));
  }
  return vf;
}

describe('makeMpdiffs / addMpdiffs', () => {
  for (const graph of [true, false]) {
    it(`round-trip every text one at a time, parents first (graph: ${graph})`, async () => {
      const source = await historyStore(graph);
      const target = new MemoryVersionedFiles({ keyLength: 1, graph });
      const order = (await collect(source.getRecordStream(await source.keys(), 'topological', false))).map((r) => r.key);
      for (const key of order) {
        const [diff] = await source.makeMpdiffs([key]);
        const parents = (await source.getParentMap([key])).get(key) ?? [];
        const sha1 = (await source.getSha1s([key])).get(key) as string;
        await target.addMpdiffs([{ key, parents, sha1, diff: diff as MultiParent }]);
        expect(await fulltext(target, key)).toBe(await fulltext(source, key));
      }
      expect(await snapshot(target)).toEqual(await snapshot(source));
    });
  }

  it('round-trip a whole batch at once, children before parents', async () => {
    const source = await historyStore();
    const keys = [...(await source.keys())].reverse();
    const diffs = await source.makeMpdiffs(keys);
    const parents = await source.getParentMap(keys);
    const sha1s = await source.getSha1s(keys);
    const target = new MemoryVersionedFiles({ keyLength: 1 });
    await target.addMpdiffs(
      keys.map((key, i) => ({ key, parents: parents.get(key) ?? [], sha1: sha1s.get(key) as string, diff: diffs[i] as MultiParent })),
    );
    expect(await snapshot(target)).toEqual(await snapshot(source));
  });

  it('refuse a batch with a key already present or repeated, storing none of it', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    await vf.addLines(['a'], [], lines('a\n'));
    const before = await snapshot(vf);
    const diff = MultiParent.fromLines(lines('x\n'));
    const rec = (k: string) => ({ key: [k], parents: [], sha1: sha1Hex(text('x\n')), diff });
    await expect(vf.addMpdiffs([rec('b'), rec('a')])).rejects.toBeInstanceOf(RevisionAlreadyPresent);
    await expect(vf.addMpdiffs([rec('b'), rec('b')])).rejects.toBeInstanceOf(RevisionAlreadyPresent);
    expect(await snapshot(vf)).toEqual(before);
  });

  it('diff against present parents only (a ghost takes no slot)', async () => {
    const source = await historyStore();
    const [right] = await source.makeMpdiffs([['right']]);
    const [base] = await source.makeMpdiffs([['base']]);
    expect(base?.isSnapshot()).toBe(true);
    expect(right?.toLines([lines('line\n')])).toEqual(lines('start\n', 'line\n', 'right\n'));
  });

  it('refuse a record whose sha1 does not match, storing none of the batch', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    await vf.addLines(['a'], [], lines('a\n'));
    const before = await snapshot(vf);
    const good = MultiParent.fromLines(lines('a\n', 'b\n'), [lines('a\n')]);
    await expect(
      vf.addMpdiffs([
        { key: ['b'], parents: [['a']], sha1: sha1Hex(text('a\nb\n')), diff: good },
        { key: ['c'], parents: [['b']], sha1: '0'.repeat(40), diff: good },
      ]),
    ).rejects.toBeInstanceOf(InvalidChecksum);
    expect(await snapshot(vf)).toEqual(before);
  });
});

describe('annotate (per_versionedfile test_annotate / test_get_annotator)', () => {
  for (const [graph, keyLength] of [
    [true, 1],
    [true, 2],
    [false, 1],
  ] as const) {
    it(`graph ${graph}, key length ${keyLength}`, async () => {
      const vf = new MemoryVersionedFiles({ keyLength, graph });
      const prefix = keyLength === 2 ? ['FileA'] : [];
      await addDiamond(vf, { prefixes: keyLength === 2 ? [['FileA'], ['FileB']] : [[]], graph });
      const k = (s: string): Key => [...prefix, s];
      const decode = (xs: readonly (readonly [Key, Uint8Array])[]): [string, string][] =>
        xs.map(([o, l]) => [o[o.length - 1] as string, new TextDecoder().decode(l)]);
      expect(decode(await vf.annotate(k('origin')))).toEqual([['origin', 'origin\n']]);
      expect(decode(await vf.annotate(k('base')))).toEqual([['base', 'base\n']]);
      const merged = decode(await vf.annotate(k('merged')));
      expect(merged.map(([o]) => o)).toEqual(graph ? ['base', 'left', 'right', 'merged'] : ['merged', 'merged', 'merged', 'merged']);
      const { annotations } = await vf.getAnnotator().annotate(k('merged'));
      expect(annotations.map((a) => a.map((o) => o[o.length - 1]))).toEqual(
        graph ? [['base'], ['left'], ['right'], ['merged']] : [['merged'], ['merged'], ['merged'], ['merged']],
      );
    });
  }

  it('annotates through a fallback', async () => {
    const bottom = new MemoryVersionedFiles({ keyLength: 1 });
    await bottom.addLines(['a'], [], lines('one\n'));
    const top = new MemoryVersionedFiles({ keyLength: 1 });
    top.addFallbackVersionedFiles(bottom);
    await top.addLines(['b'], [['a']], lines('one\n', 'two\n'));
    expect((await top.annotate(['b'])).map(([o]) => o[0])).toEqual(['a', 'b']);
  });
});
