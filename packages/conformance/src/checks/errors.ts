// Bad input gets Breezy's errors, as typed errors with a stable `code`, and
// leaves the store exactly as it was: an embedded newline, content that is
// not bytes, a reserved id, an existing key, a missing key, a key or parent
// of the wrong length, a malformed key asked for.

import type { Key, VersionedFiles } from '@versionedfiles/core';
import { AbsentContentFactory, collect } from '@versionedfiles/core';
import { expectEqual, expectRejects, expectThrows, fail } from '../assert.js';
import { defineCheck, needs } from '../check.js';
import type { CheckTable } from '../check.js';
import type { CheckContext } from '../context.js';
import { addDiamond } from '../fixtures.js';
import { bytes, lines, recordOf, snapshot } from '../inspect.js';

/** Runs `attempt` on a store holding the diamond and expects `code`, with the store unchanged. */
async function refusesAndKeeps(
  ctx: CheckContext,
  code: string,
  what: string,
  attempt: (vf: VersionedFiles) => Promise<unknown>,
): Promise<void> {
  const vf = await ctx.store();
  await addDiamond(vf, ctx);
  const before = await snapshot(vf);
  await expectRejects(() => attempt(vf), code, what);
  expectEqual(await snapshot(vf), before, `${what}: the store is unchanged`);
  await vf.check();
}

const notBytes = 'b\n' as unknown as Uint8Array;

export const errorChecks: CheckTable = {
  'a line with an embedded newline is BadParameterContainsNewline': defineCheck(async (ctx) => {
    await refusesAndKeeps(ctx, 'BadParameterContainsNewline', 'addLines with "a\\n\\n"', (vf) =>
      vf.addLines(ctx.key('a'), [], lines('a\n\n')),
    );
    await refusesAndKeeps(ctx, 'BadParameterContainsNewline', 'addLines with a newline mid-line', (vf) =>
      vf.addLines(ctx.key('b'), [], lines('ok\n', 'x\ny\n', 'z\n')),
    );
  }),

  'content that is not bytes is BadParameterNotBytes': defineCheck(async (ctx) => {
    await refusesAndKeeps(ctx, 'BadParameterNotBytes', 'addLines with a string line', (vf) =>
      vf.addLines(ctx.key('a'), [], [bytes('a\n'), notBytes, bytes('c\n')]),
    );
  }),

  'a reserved id is ReservedId': defineCheck(async (ctx) => {
    await refusesAndKeeps(ctx, 'ReservedId', 'addLines with key "a:"', (vf) =>
      vf.addLines(ctx.key('a:'), [], lines('a\n', 'b\n', 'c\n')),
    );
  }),

  'an existing key is RevisionAlreadyPresent': defineCheck(async (ctx) => {
    await refusesAndKeeps(ctx, 'RevisionAlreadyPresent', 'adding base again with other text', (vf) =>
      vf.addLines(ctx.key('base'), [], lines('other\n')),
    );
    await refusesAndKeeps(ctx, 'RevisionAlreadyPresent', 'adding origin again with the same text', (vf) =>
      vf.addLines(ctx.key('origin'), [], lines('origin\n')),
    );
  }),

  'a key of the wrong length is InvalidKey': defineCheck(async (ctx) => {
    const tooLong: Key = [...ctx.key('x'), 'extra'];
    await refusesAndKeeps(ctx, 'InvalidKey', 'addLines with a key one element too long', (vf) =>
      vf.addLines(tooLong, [], lines('x\n')),
    );
    if (ctx.keyLength === 2) {
      await refusesAndKeeps(ctx, 'InvalidKey', 'addLines with a key one element too short', (vf) =>
        vf.addLines(['x'], [], lines('x\n')),
      );
    }
  }),

  'a malformed key asked for is InvalidKey, as a rejection': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await addDiamond(vf, ctx);
    const malformed = [[], [''], [1], 'base', null] as unknown as Key[];
    for (const bad of malformed) {
      for (const keys of [[bad], [ctx.key('base'), bad]]) {
        const what = `a lookup of ${JSON.stringify(keys)}`;
        for (const [name, lookup] of [
          ['getParentMap', () => vf.getParentMap(keys)],
          ['getSha1s', () => vf.getSha1s(keys)],
        ] as const) {
          // A caller awaiting the promise sees the error; one that only chains on it must too.
          let promise: Promise<unknown>;
          try {
            promise = lookup();
          } catch (err) {
            fail(`${name}, ${what}: threw at the call instead of rejecting (${String(err)})`);
          }
          await expectRejects(() => promise, 'InvalidKey', `${name}, ${what}`);
        }
      }
    }
  }),

  'a parent of the wrong length is InvalidKey': defineCheck(async (ctx) => {
    const wrong: Key = [...ctx.key('base'), 'extra'];
    await refusesAndKeeps(ctx, 'InvalidKey', 'addLines with a parent one element too long', (vf) =>
      vf.addLines(ctx.key('x'), [ctx.key('base'), wrong], lines('x\n')),
    );
  }, needs.graph),

  'a missing key is RevisionNotPresent or absent': defineCheck(async (ctx) => {
    await refusesAndKeeps(ctx, 'RevisionNotPresent', 'annotate of a missing key', (vf) => vf.annotate(ctx.key('missing-key')));
    await refusesAndKeeps(ctx, 'RevisionNotPresent', 'getAnnotator().annotate of a missing key', (vf) =>
      vf.getAnnotator().annotate(ctx.key('missing-key')),
    );
    await refusesAndKeeps(ctx, 'RevisionNotPresent', 'inserting an absent record', (vf) =>
      vf.insertRecordStream([new AbsentContentFactory(ctx.key('missing'))]),
    );
    const vf = await ctx.store('missing');
    await addDiamond(vf, ctx);
    const record = await recordOf(vf, ctx.key('missing'));
    expectEqual([record.storageKind, record.sha1, record.parents], ['absent', null, null], 'a missing key streams as absent');
    expectThrows(() => record.getBytesAs('fulltext'), 'AbsentContent', 'text of an absent record');
    expectEqual(await vf.getParentMap([ctx.key('missing')]), new Map(), 'getParentMap leaves a missing key out');
    expectEqual(await vf.getSha1s([ctx.key('missing')]), new Map(), 'getSha1s leaves a missing key out');
    expectEqual(await collect(vf.getRecordStream([], 'unordered', false)), [], 'an empty request streams nothing');
  }),

  'an mpdiff of a ghost is RevisionNotPresent': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await vf.addLines(ctx.key('text'), [ctx.key('ghost')], lines('line\n'));
    await expectRejects(() => vf.makeMpdiffs([ctx.key('ghost')]), 'RevisionNotPresent', 'makeMpdiffs of a ghost');
  }, needs.ghosts),
};
