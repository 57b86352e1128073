// Annotation (annotate, getAnnotator) and multi-parent diffs (makeMpdiffs,
// addMpdiffs), on the histories Breezy's tests use.

import { KeySet, keyToId } from '@versionedfiles/core';
import type { Key, VersionedFiles } from '@versionedfiles/core';
import { expectEqual } from '../assert.js';
import { defineCheck } from '../check.js';
import type { CheckTable } from '../check.js';
import type { CheckContext } from '../context.js';
import { addDiamond } from '../fixtures.js';
import { bytes, fulltextOf, lines } from '../inspect.js';

/** The mixin's _setup_for_deltas: noeol corner cases and two 26-long chains. */
async function addDeltaHistory(vf: VersionedFiles, ctx: CheckContext): Promise<void> {
  const k = (s: string): Key => ctx.key(s);
  const add = (name: string, parents: string[], text: Uint8Array[]): Promise<unknown> =>
    vf.addLines(k(name), ctx.parentsToAdd(parents.map(k)), text);
  await add('base', [], lines('line\n'));
  await add('noeol', ['base'], lines('line'));
  await add('noeolsecond', ['noeol'], lines('line\n', 'line'));
  await add('noeolnotshared', ['noeolsecond'], lines('line\n', 'phone'));
  await add('eol', ['noeol'], lines('phone\n'));
  await add('eolline', ['noeol'], lines('line\n'));
  await add('noeolbase', [], lines('line'));
  await add('eolbeforefirstparent', ['noeolbase', 'noeol'], lines('line'));
  await add('noeoldup', ['noeol'], lines('line'));
  for (const chain of ['chain1-', 'chain2-']) {
    let parent = 'base';
    const text = lines('line\n');
    for (let depth = 0; depth < 26; depth++) {
      text.push(bytes('line\n'));
      await add(`${chain}${depth}`, [parent], [...text]);
      parent = `${chain}${depth}`;
    }
  }
}

/** Keys ordered so that every present parent comes before its child. */
async function parentsFirst(vf: VersionedFiles): Promise<Key[]> {
  const keys = [...(await vf.keys())];
  const parents = await vf.getParentMap(keys);
  const done = new KeySet();
  const out: Key[] = [];
  const visit = (key: Key): void => {
    if (done.has(key) || !parents.has(key)) return;
    done.add(key);
    for (const parent of parents.get(key) ?? []) visit(parent);
    out.push(key);
  };
  keys.forEach(visit);
  return out;
}

export const annotateChecks: CheckTable = {
  'annotate attributes diamond lines as Breezy does': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await addDiamond(vf, ctx);
    const k = (s: string): Key => ctx.key(s);
    expectEqual(await vf.annotate(k('origin')), [[k('origin'), bytes('origin\n')]], 'annotate origin');
    expectEqual(await vf.annotate(k('base')), [[k('base'), bytes('base\n')]], 'annotate base');
    const merged = ctx.caps.graph
      ? [[k('base'), bytes('base\n')], [k('left'), bytes('left\n')], [k('right'), bytes('right\n')], [k('merged'), bytes('merged\n')]]
      : ['base\n', 'left\n', 'right\n', 'merged\n'].map((line) => [k('merged'), bytes(line)]);
    expectEqual(await vf.annotate(k('merged')), merged, 'annotate merged');
  }),

  'getAnnotator gives origins and lines': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await addDiamond(vf, ctx);
    const k = (s: string): Key => ctx.key(s);
    const origin = await vf.getAnnotator().annotate(k('origin'));
    expectEqual(origin, { annotations: [[k('origin')]], lines: lines('origin\n') }, 'annotator on origin');
    expectEqual((await vf.getAnnotator().annotate(k('base'))).annotations, [[k('base')]], 'annotator on base');
    const merged = await vf.getAnnotator().annotate(k('merged'));
    const expected = ctx.caps.graph ? [[k('base')], [k('left')], [k('right')], [k('merged')]] : Array.from({ length: 4 }, () => [k('merged')]);
    expectEqual(merged.annotations, expected, 'annotator on merged');
    expectEqual(merged.lines, lines('base\n', 'left\n', 'right\n', 'merged\n'), 'annotator lines of merged');
  }),

  'annotate follows a single parent': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const [r0, r1, r2] = [ctx.key('r0'), ctx.key('r1'), ctx.key('r2')];
    await vf.addLines(r0, [], lines('a\n', 'b\n'));
    await vf.addLines(r1, ctx.parentsToAdd([r0]), lines('c\n', 'b\n'));
    await vf.addLines(r2, ctx.parentsToAdd([r1]), lines('c\n', 'd\n'));
    const ann = await vf.annotate(r1);
    expectEqual(ann.map(([key]) => key), ctx.caps.graph ? [r1, r0] : [r1, r1], 'origins of r1');
    expectEqual((await vf.annotate(r2)).map(([key]) => key), ctx.caps.graph ? [r1, r2] : [r2, r2], 'origins of r2');
  }),

  'makeMpdiffs and addMpdiffs round-trip every text': defineCheck(async (ctx) => {
    const source = await ctx.store('source');
    await addDeltaHistory(source, ctx);
    const target = await ctx.store('target');
    const order = await parentsFirst(source);
    for (const key of order) {
      const [diff] = await source.makeMpdiffs([key]);
      const parents = (await source.getParentMap([key])).get(key) ?? [];
      const sha1 = (await source.getSha1s([key])).get(key) as string;
      await target.addMpdiffs([{ key, parents: parents ?? [], sha1, diff: diff as NonNullable<typeof diff> }]);
      expectEqual(await fulltextOf(target, key), await fulltextOf(source, key), `text of ${keyToId(key)} rebuilt from its mpdiff`);
    }
    const all = await source.makeMpdiffs(order);
    expectEqual(all.length, order.length, 'one mpdiff per key');
    const batch = await ctx.store('batch');
    await batch.addMpdiffs(
      await Promise.all(
        order.map(async (key, i) => ({
          key,
          parents: (await source.getParentMap([key])).get(key) ?? [],
          sha1: (await source.getSha1s([key])).get(key) as string,
          diff: all[i] as NonNullable<(typeof all)[number]>,
        })),
      ),
    );
    for (const key of order) expectEqual(await fulltextOf(batch, key), await fulltextOf(source, key), `text of ${keyToId(key)} from a batch of mpdiffs`);
  }),
};
