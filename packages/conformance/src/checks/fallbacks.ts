// Stacked stores: addFallbackVersionedFiles, withoutFallbacks, lookups that
// cascade through the chain in order, absent records where nothing has the
// key, and cycles refused with FallbackCycle.

import { KeyMap, KeySet } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { expectEqual, expectThrows, expectTrue } from '../assert.js';
import { defineCheck, needs } from '../check.js';
import type { CheckTable } from '../check.js';
import { bytes, fulltextOf, lines, recordOf } from '../inspect.js';

export const fallbackChecks: CheckTable = {
  'a fallback is consulted, and withoutFallbacks ignores it': defineCheck(async (ctx) => {
    const f = await ctx.store('files');
    const g = await ctx.store('fallback');
    const a = ctx.key('a');
    await g.addLines(a, [], lines('\n'));
    f.addFallbackVersionedFiles(g);
    expectEqual(f.fallbacks.length, 1, 'one fallback listed');
    expectTrue(f.fallbacks[0] === g, 'the fallback listed is the one added');
    expectTrue((await f.getParentMap([a])).has(a), 'the fallback key is visible');
    expectTrue(!(await f.withoutFallbacks().getParentMap([a])).has(a), 'withoutFallbacks does not see it');
    expectEqual(f.withoutFallbacks().fallbacks.length, 0, 'withoutFallbacks has no fallbacks');
    expectEqual(await f.keys(), new KeySet(), 'keys() lists only the store itself');
    expectEqual(await fulltextOf(f, a), bytes('\n'), 'text read through the fallback');
    expectEqual(await f.getSha1s([a]), new KeyMap([[a, 'adc83b19e793491b1c6ea0fd8b46cd9f32e592fc']]), 'sha1 through the fallback');
    expectEqual((await recordOf(f.withoutFallbacks(), a)).storageKind, 'absent', 'absent without fallbacks');
    const own = ctx.key('own');
    await f.withoutFallbacks().addLines(own, [], lines('own\n'));
    expectEqual(await fulltextOf(f, own), bytes('own\n'), 'withoutFallbacks is a view of the same store');
    expectEqual(await f.keys(), new KeySet([own]), 'a text added through the view is the store\'s own');
  }, needs.fallbacks),

  'lookups cascade through the chain in order': defineCheck(async (ctx) => {
    const top = await ctx.store('top');
    const first = await ctx.store('first');
    const second = await ctx.store('second');
    const deep = await ctx.store('deep');
    const [x, y, z, w, nowhere] = ['x', 'y', 'z', 'w', 'nowhere'].map((s) => ctx.key(s)) as [Key, Key, Key, Key, Key];
    await top.addLines(x, [], lines('x from top\n'));
    await first.addLines(x, [], lines('x from first\n'));
    await first.addLines(y, [], lines('y from first\n'));
    await second.addLines(y, [], lines('y from second\n'));
    await second.addLines(z, [], lines('z from second\n'));
    await deep.addLines(w, [], lines('w from deep\n'));
    second.addFallbackVersionedFiles(deep);
    top.addFallbackVersionedFiles(first);
    top.addFallbackVersionedFiles(second);
    expectTrue(top.fallbacks[0] === first && top.fallbacks[1] === second, 'fallbacks in the order added');
    const want: [Key, string][] = [[x, 'x from top\n'], [y, 'y from first\n'], [z, 'z from second\n'], [w, 'w from deep\n']];
    for (const [key, text] of want) expectEqual(await fulltextOf(top, key), bytes(text), `text of ${key.join('/')}`);
    const seen = new KeyMap<Uint8Array | null>();
    for await (const record of top.getRecordStream([x, y, z, w, nowhere], 'unordered', true)) {
      seen.set(record.key, record.storageKind === 'absent' ? null : record.getBytesAs('fulltext'));
    }
    expectEqual(seen, new KeyMap<Uint8Array | null>([...want.map(([k, t]): [Key, Uint8Array] => [k, bytes(t)]), [nowhere, null]]), 'one stream over the chain');
    expectEqual(new KeySet((await top.getParentMap([x, y, z, w, nowhere])).keys()), new KeySet([x, y, z, w]), 'parent map over the chain');
    const sha1s = await top.getSha1s([y, w, nowhere]);
    expectEqual(new KeySet(sha1s.keys()), new KeySet([y, w]), 'sha1s over the chain');
    expectEqual(await top.keys(), new KeySet([x]), 'keys() is the store itself');
  }, needs.fallbacks),

  'a fallback cycle is FallbackCycle': defineCheck(async (ctx) => {
    const f = await ctx.store('files');
    const g = await ctx.store('fallback');
    const h = await ctx.store('deeper');
    expectThrows(() => f.addFallbackVersionedFiles(f), 'FallbackCycle', 'a store as its own fallback');
    f.addFallbackVersionedFiles(g);
    g.addFallbackVersionedFiles(h);
    expectThrows(() => g.addFallbackVersionedFiles(f), 'FallbackCycle', 'a two-store cycle');
    expectThrows(() => h.addFallbackVersionedFiles(f), 'FallbackCycle', 'a three-store cycle');
    expectEqual([f.fallbacks.length, g.fallbacks.length, h.fallbacks.length], [1, 1, 0], 'refused fallbacks were not added');
    await h.addLines(ctx.key('deep'), [], lines('deep\n'));
    expectEqual(await fulltextOf(f, ctx.key('deep')), bytes('deep\n'), 'the chain still works');
  }, needs.fallbacks),

  'ancestry, annotation and adds see through fallbacks': defineCheck(async (ctx) => {
    // Breezy: test_known_graph_with_fallbacks; a child stored above its parent.
    const f = await ctx.store('files');
    const g = await ctx.store('fallback');
    const [a, b, c] = [ctx.key('a'), ctx.key('b'), ctx.key('c')];
    await g.addLines(a, [], lines('a\n'));
    f.addFallbackVersionedFiles(g);
    await f.addLines(b, [a], lines('a\n', 'b\n'));
    await f.addLines(c, [a, b], lines('a\n', 'b\n', 'c\n'));
    expectEqual((await f.getKnownGraphAncestry([c])).topoSort(), [a, b, c], 'known graph across the chain');
    const computed = await f.getAnnotator().annotate(c);
    expectEqual(computed, { annotations: [[a], [b], [c]], lines: lines('a\n', 'b\n', 'c\n') }, 'the annotator across the chain');
    const flat = await f.annotate(c);
    if (ctx.caps.annotated) {
      // Breezy's annotated knits store b's annotations without a's (a is not
      // local), so they credit 'a\n' to b: the lines must agree, the origins
      // stay within the ancestry.
      expectEqual(flat.map(([, line]) => line), lines('a\n', 'b\n', 'c\n'), 'stored annotation lines');
      expectTrue(flat.every(([origin]) => [a, b, c].some((k) => k.join() === origin.join())), 'stored origins in the ancestry');
    } else {
      expectEqual(flat, [[a, bytes('a\n')], [b, bytes('b\n')], [c, bytes('c\n')]], 'annotate across the chain');
    }
    expectEqual(await f.keys(), new KeySet([b, c]), 'the child went to the top store');
    expectEqual(await g.keys(), new KeySet([a]), 'the fallback is untouched');
  }, needs.graphFallbacksAndGhosts),
};
