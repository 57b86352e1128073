// Questions about what a store holds: getParentMap, getSha1s, keys,
// getKnownGraphAncestry, iterLinesAddedOrPresentInKeys, check and clearCache.

import { KeyMap, KeySet, keyToId, latin1, splitLines } from '@versionedfiles/core';
import type { Key, Parents, ProgressEvent } from '@versionedfiles/core';
import { expectEqual, expectTrue } from '../assert.js';
import { defineCheck, needs } from '../check.js';
import type { CheckTable } from '../check.js';
import { addDiamond, DIAMOND_SHA1 } from '../fixtures.js';
import { bytes, fulltextOf, lines } from '../inspect.js';

export const queryChecks: CheckTable = {
  'getParentMap answers for present keys only': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const [r0, r1, r2, r3, m] = ['r0', 'r1', 'r2', 'r3', 'm'].map((s) => ctx.key(s)) as [Key, Key, Key, Key, Key];
    const details: [Key, Key[]][] = [[r0, []], [r1, [r0]], [r2, []], [r3, []], [m, [r0, r1, r2, r3]]];
    const all = new KeyMap<Parents>();
    for (const [key, parents] of details) {
      await vf.addLines(key, ctx.parentsToAdd(parents), []);
      expectEqual(await vf.getParentMap([key]), new KeyMap([[key, ctx.parentsStored(parents)]]), `parents of ${key.join('/')} right after adding`);
      all.set(key, ctx.parentsStored(parents));
    }
    expectEqual(await vf.getParentMap([]), new KeyMap(), 'no keys asked');
    expectEqual(await vf.getParentMap(all.keys()), all, 'every key asked');
    const withMissing = [...all.keys()];
    withMissing.splice(1, 0, ctx.key('missing', 'missing'));
    expectEqual(await vf.getParentMap(withMissing), all, 'a missing key is left out');
    expectEqual(await vf.getParentMap([r1, r1]), new KeyMap([[r1, ctx.parentsStored([r0])]]), 'a key asked twice');
  }),

  'parents keep their order': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => ctx.key(s)) as [Key, Key, Key, Key];
    await vf.addLines(a, [], lines('a\n'));
    await vf.addLines(b, [], lines('b\n'));
    await vf.addLines(c, [], lines('c\n'));
    await vf.addLines(d, [c, a, b], lines('d\n'));
    expectEqual((await vf.getParentMap([d])).get(d), [c, a, b], 'merge parents in the order given');
  }, needs.graph),

  'getSha1s gives the sha1 of each text': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await addDiamond(vf, ctx);
    const keys =
      ctx.keyLength === 1
        ? [['base'], ['origin'], ['left'], ['merged'], ['right']]
        : [['FileA', 'base'], ['FileB', 'origin'], ['FileA', 'left'], ['FileA', 'merged'], ['FileB', 'right']];
    const names = ['base', 'origin', 'left', 'merged', 'right'] as const;
    expectEqual(await vf.getSha1s(keys), new KeyMap(keys.map((k, i) => [k, DIAMOND_SHA1[names[i] as (typeof names)[number]]])), 'diamond sha1s');
    const small = await ctx.store('small');
    await small.addLines(ctx.key('a'), [], lines('a\n'));
    await small.addLines(ctx.key('b'), ctx.parentsToAdd([ctx.key('a')]), lines('a\n'));
    await small.addLines(ctx.key('c'), [], lines('a'));
    expectEqual(
      await small.getSha1s([ctx.key('a'), ctx.key('c'), ctx.key('b'), ctx.key('zz')]),
      new KeyMap([
        [ctx.key('a'), '3f786850e387550fdab836ed7e6dc881de23001b'],
        [ctx.key('c'), '86f7e437faa5a7fce15d1ddcb9eaeaea377667b8'],
        [ctx.key('b'), '3f786850e387550fdab836ed7e6dc881de23001b'],
      ]),
      'same text, other metadata, and a text differing only in its last newline',
    );
  }),

  'keys lists exactly the texts added': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    expectEqual(await vf.keys(), new KeySet(), 'a fresh store has no keys');
    const key = ctx.keyLength === 1 ? ['foo'] : ['foo', 'bar'];
    await vf.addLines(key, [], []);
    expectEqual(await vf.keys(), new KeySet([key]), 'one key');
  }),

  'getKnownGraphAncestry covers the ancestry': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => ctx.key(s)) as [Key, Key, Key, Key];
    await vf.addLines(a, [], lines('\n'));
    await vf.addLines(b, [a], lines('\n'));
    await vf.addLines(c, [a, b], lines('\n'));
    await vf.addLines(d, [], lines('\n'));
    const kg = await vf.getKnownGraphAncestry([c]);
    expectEqual(kg.topoSort(), [a, b, c], 'topological order of the ancestry of c');
    expectEqual(kg.heads([a, b, c]), new KeySet([c]), 'heads of the ancestry');
  }, needs.graph),

  'iterLinesAddedOrPresentInKeys yields every line of the texts asked': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const k = (s: string): Key => ctx.key(s);
    await vf.addLines(k('base'), [], lines('base\n'));
    await vf.addLines(k('lancestor'), [], lines('lancestor\n'));
    await vf.addLines(k('rancestor'), ctx.parentsToAdd([k('base')]), lines('rancestor\n'));
    await vf.addLines(k('child'), ctx.parentsToAdd([k('rancestor')]), lines('base\n', 'child\n'));
    await vf.addLines(k('otherchild'), ctx.parentsToAdd([k('lancestor'), k('base')]), lines('base\n', 'lancestor\n', 'otherchild\n'));
    const walk = async (keys: Key[]): Promise<Set<string>> => {
      const seen = new Set<string>();
      const events: ProgressEvent[] = [];
      for await (const [line, key] of vf.iterLinesAddedOrPresentInKeys(keys, { progress: (e) => events.push(e) })) {
        const text = await fulltextOf(vf, key);
        // Stores may add the newline a last line lacks (Breezy normalises them).
        const present = splitLines(text).map((l) => (l[l.length - 1] === 0x0a ? latin1(l) : `${latin1(l)}\n`));
        const wanted = line[line.length - 1] === 0x0a ? latin1(line) : `${latin1(line)}\n`;
        expectTrue(present.includes(wanted), `line ${JSON.stringify(latin1(line))} is present in ${key.join('/')}`);
        seen.add(`${latin1(line)}@${keyToId(key)}`);
      }
      let done = -1;
      for (const event of events) {
        expectTrue(event.done >= done, 'progress never goes back');
        expectTrue(event.total === null || event.done <= event.total, 'progress stays within its total');
        done = event.done;
      }
      return seen;
    };
    const some = await walk([k('child'), k('otherchild')]);
    expectTrue(some.has(`child\n@${keyToId(k('child'))}`), 'child\\n from child');
    expectTrue(some.has(`otherchild\n@${keyToId(k('otherchild'))}`), 'otherchild\\n from otherchild');
    const every = await walk([...(await vf.keys())]);
    for (const name of ['base', 'lancestor', 'rancestor', 'child', 'otherchild']) {
      expectTrue(every.has(`${name}\n@${keyToId(k(name))}`), `${name}\\n from ${name}`);
    }
  }),

  'check passes on a sound store, for all keys or some': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await vf.check();
    await addDiamond(vf, ctx);
    await vf.check();
    const events: ProgressEvent[] = [];
    await vf.check({ keys: [ctx.key('merged'), ctx.key('base')], progress: (e) => events.push(e) });
    expectTrue(events.every((e) => typeof e.phase === 'string'), 'progress events name their phase');
  }),

  'clearCache keeps the data': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await addDiamond(vf, ctx);
    vf.clearCache();
    expectEqual(await fulltextOf(vf, ctx.key('merged')), bytes('base\nleft\nright\nmerged\n'), 'text after clearCache');
  }),
};
