// Adding texts: addLines / addContent / addChunks, their results, the empty
// text, noeol texts, content-addressed keys, nostoreSha, randomId, ghosts and
// reopening. Facts from Breezy's per_versionedfile TestVersionedFiles and
// VersionedFileTestMixIn.

import { ChunkedContentFactory, FulltextContentFactory, KeySet, concatBytes, sha1Hex, sha1OfChunks } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { expectEqual, expectRejects, expectTrue } from '../assert.js';
import { defineCheck, needs } from '../check.js';
import type { CheckTable } from '../check.js';
import { DIAMOND_NAMES, DIAMOND_SHA1, DIAMOND_SIZE, addDiamond } from '../fixtures.js';
import { annotateOrGhost, bytes, fulltextOf, lines, recordOf } from '../inspect.js';

async function* trickle(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    await Promise.resolve();
    yield chunk;
  }
}

export const addChecks: CheckTable = {
  'addLines stores texts that read back as fulltexts': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const [k0, k1] = [ctx.key('r0'), ctx.key('r1')];
    await vf.addLines(k0, [], lines('a\n', 'b\n'));
    await vf.addLines(k1, ctx.parentsToAdd([k0]), lines('b\n', 'c\n'));
    const keys = await vf.keys();
    expectTrue(keys.has(k0) && keys.has(k1), 'keys() lists both added texts');
    expectEqual(await fulltextOf(vf, k0), bytes('a\nb\n'), 'text of r0');
    expectEqual(await fulltextOf(vf, k1), bytes('b\nc\n'), 'text of r1');
  }),

  'addContent and addChunks take chunks that are not lines': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const [k0, k1, k2] = [ctx.key('r0'), ctx.key('r1'), ctx.key('r2')];
    const c0 = lines('a', '\nb\n');
    const c1 = lines('b', '\n', 'c\n');
    await vf.addContent(new ChunkedContentFactory(k0, [], sha1OfChunks(c0), c0));
    await vf.addContent(new ChunkedContentFactory(k1, ctx.parentsToAdd([k0]), sha1OfChunks(c1), c1));
    const r2 = await vf.addChunks(k2, ctx.parentsToAdd([k1]), trickle(lines('x', 'y\nz', '\n', 'tail')));
    expectEqual(r2.sha1, sha1Hex(bytes('xy\nz\ntail')), 'addChunks result sha1');
    expectEqual(r2.size, 9, 'addChunks result size');
    expectEqual(await fulltextOf(vf, k0), bytes('a\nb\n'), 'text of r0');
    expectEqual(await fulltextOf(vf, k1), bytes('b\nc\n'), 'text of r1');
    expectEqual(await fulltextOf(vf, k2), bytes('xy\nz\ntail'), 'text of r2');
    const k3 = ctx.key('r3');
    await vf.addContent(new FulltextContentFactory(k3, ctx.parentsStored([k2]), null, bytes('full\ntext')));
    expectEqual(await fulltextOf(vf, k3), bytes('full\ntext'), 'text added from a fulltext factory');
    const keys = await vf.keys();
    expectTrue([k0, k1, k2, k3].every((k) => keys.has(k)), 'keys() lists every added text');
  }),

  'addLines returns the sha1 and size of the text': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const results = await addDiamond(vf, ctx);
    const expected = DIAMOND_NAMES.flatMap((name) =>
      ctx.prefixes.map(() => ({ sha1: DIAMOND_SHA1[name], size: DIAMOND_SIZE[name] })),
    );
    expectEqual(
      results.map((r) => ({ sha1: r.sha1, size: r.size })),
      expected,
      'add results of the diamond (Breezy test_add_lines_return)',
    );
    expectEqual(results.map((r) => r.key), DIAMOND_NAMES.flatMap((n) => ctx.prefixes.map((p) => [...p, n])), 'add results name the keys');
    for (const [name, text] of [['a', []], ['b', lines('foo\n', 'bar\n')], ['c', lines('foo\n', 'bar')]] as const) {
      const r = await vf.addLines(ctx.key(name), [], text);
      expectEqual({ sha1: r.sha1, size: r.size }, { sha1: sha1OfChunks(text), size: concatBytes([...text]).length }, `result for text ${name}`);
    }
    const withParents = await vf.addLines(ctx.key('d'), ctx.parentsToAdd([ctx.key('b'), ctx.key('c')]), lines('foo\n', 'bar\n'));
    expectEqual(withParents.sha1, sha1OfChunks(lines('foo\n', 'bar\n')), 'parents do not change the sha1');
  }),

  'a null last key element names the text by its sha1': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const results = await addDiamond(vf, ctx, { nokeys: true });
    expectEqual(
      results.map((r) => [r.sha1, r.size]),
      DIAMOND_NAMES.flatMap((name) => ctx.prefixes.map(() => [DIAMOND_SHA1[name], DIAMOND_SIZE[name]])),
      'add results with content-addressed keys',
    );
    const expectedKeys = ctx.prefixes.flatMap((p) => DIAMOND_NAMES.map((n) => [...p, `sha1:${DIAMOND_SHA1[n]}`]));
    expectEqual(await vf.keys(), new KeySet(expectedKeys), 'keys() holds sha1: keys');
    expectEqual(results.map((r) => r.key), DIAMOND_NAMES.flatMap((n) => ctx.prefixes.map((p) => [...p, `sha1:${DIAMOND_SHA1[n]}`])), 'results carry the filled-in keys');
  }),

  'the empty text and a newline-only text are stored': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => ctx.key(s)) as [Key, Key, Key, Key];
    const ra = await vf.addLines(a, [], []);
    expectEqual([ra.sha1, ra.size], ['da39a3ee5e6b4b0d3255bfef95601890afd80709', 0], 'result for the empty text');
    await vf.addLines(b, ctx.parentsToAdd([a]), []);
    await vf.addLines(c, [], lines('\n'));
    await vf.addLines(d, ctx.parentsToAdd([c]), lines('\n'));
    expectEqual(await fulltextOf(vf, a), bytes(''), 'empty text');
    expectEqual(await fulltextOf(vf, b), bytes(''), 'empty text with a parent');
    expectEqual(await fulltextOf(vf, c), bytes('\n'), 'newline-only text');
    expectEqual(await fulltextOf(vf, d), bytes('\n'), 'newline-only text with a parent');
    expectEqual((await recordOf(vf, a)).getBytesAs('lines'), [], 'the empty text has no lines');
  }),

  'texts without a final newline keep it missing': defineCheck(async (ctx) => {
    // Breezy: test_add_unchanged_last_line_noeol_snapshot, test_get_texts_eol_variation.
    for (let length = 0; length < 8; length++) {
      const vf = await ctx.store(`noeol-${length}`);
      const expected: [Key, Uint8Array][] = [];
      let parents: Key[] = [];
      for (let step = 0; step < length; step++) {
        const key = ctx.key(`step-${step}`);
        const text = [...Array.from({ length: step }, () => bytes('prelude \n')), bytes('line')];
        await vf.addLines(key, ctx.parentsToAdd(parents), text);
        expected.push([key, concatBytes(text)]);
        parents = [key];
      }
      const last = ctx.key('no-eol');
      await vf.addLines(last, ctx.parentsToAdd(parents), lines('line'));
      expected.push([last, bytes('line')]);
      for (const [key, text] of expected) expectEqual(await fulltextOf(vf, key), text, `noeol chain of ${length}: ${key.join('/')}`);
    }
    const vf = await ctx.store('eol-variation');
    let parents: Key[] = [];
    for (let i = 0; i < 4; i++) {
      const key = ctx.key(`v${i}`);
      await vf.addLines(key, ctx.parentsToAdd(parents), i % 2 ? lines('line\n') : lines('line'), {
        leftMatchingBlocks: parents.length ? [[0, 0, 1]] : [],
      });
      parents = [key];
    }
    await vf.check();
    for (let i = 3; i >= 0; i--) expectEqual(await fulltextOf(vf, ctx.key(`v${i}`)), bytes(i % 2 ? 'line\n' : 'line'), `eol variation v${i}`);
  }),

  'leftMatchingBlocks hints never change the text': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const [k1, k2, k3] = [ctx.key('1'), ctx.key('2'), ctx.key('3')];
    await vf.addLines(k1, [], lines('a\n'));
    await vf.addLines(k2, ctx.parentsToAdd([k1]), lines('a\n', 'a\n', 'a\n'), { leftMatchingBlocks: [[0, 0, 1], [1, 3, 0]] });
    await vf.addLines(k3, ctx.parentsToAdd([k1]), lines('a\n', 'a\n', 'a\n'), { leftMatchingBlocks: [[0, 2, 1], [1, 3, 0]] });
    expectEqual(await fulltextOf(vf, k2), bytes('a\na\na\n'), 'text added with blocks at the start');
    expectEqual(await fulltextOf(vf, k3), bytes('a\na\na\n'), 'text added with blocks at the end');
    const [n1, n2, base, n3, n4] = ['noeol', 'noeol2', 'base', 'noeol3', 'noeol4'].map((s) => ctx.key(s)) as [Key, Key, Key, Key, Key];
    await vf.addLines(n1, [], lines('line'));
    await vf.addLines(n2, ctx.parentsToAdd([n1]), lines('newline\n', 'line'), { leftMatchingBlocks: [[0, 1, 1]] });
    await vf.addLines(base, [], lines('line'));
    await vf.addLines(n3, ctx.parentsToAdd([base]), lines('prelude\n', 'line'));
    await vf.addLines(n4, ctx.parentsToAdd([n3]), lines('newline\n', 'line'), { leftMatchingBlocks: [[1, 1, 1]] });
    expectEqual(await fulltextOf(vf, n2), bytes('newline\nline'), 'noeol last line reused on a fulltext');
    expectEqual(await fulltextOf(vf, n4), bytes('newline\nline'), 'noeol last line reused on a delta');
  }),

  'carriage returns inside lines are allowed': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await vf.addLines(ctx.key('a'), [], lines('a\r\n', 'b\rc\n'));
    expectEqual(await fulltextOf(vf, ctx.key('a')), bytes('a\r\nb\rc\n'), 'text with CRs');
  }),

  'nostoreSha refuses content the caller already has': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const samples = [['a', []], ['b', lines('foo\n', 'bar\n')], ['c', lines('foo\n', 'bar')]] as const;
    const shas: string[] = [];
    for (const [name, text] of samples) shas.push((await vf.addLines(ctx.key(name), [], text)).sha1);
    for (const [i, [name, text]] of samples.entries()) {
      const fresh = ctx.key(`${name}2`);
      for (let attempt = 0; attempt < 2; attempt++) {
        await expectRejects(() => vf.addLines(fresh, [], text, { nostoreSha: shas[i] as string }), 'ExistingContent', `nostoreSha for ${name}`);
      }
      expectEqual((await recordOf(vf, fresh)).storageKind, 'absent', `no text was added for ${name}2`);
    }
    const other = await vf.addLines(ctx.key('d'), [], lines('other\n'), { nostoreSha: shas[1] as string });
    expectEqual(other.sha1, sha1OfChunks(lines('other\n')), 'a different text is stored despite nostoreSha');
  }),

  'randomId adds texts like any other': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const key = ctx.key('random-5f3a');
    await vf.addLines(key, [], lines('random\n'), { randomId: true });
    expectEqual(await fulltextOf(vf, key), bytes('random\n'), 'text added with randomId');
    expectEqual((await vf.keys()).size, 1, 'one key');
  }),

  'ghost parents are kept and do not appear as keys': defineCheck(async (ctx) => {
    // Breezy: test_add_lines_with_ghosts (a non-ASCII ghost id), ..._after_normal_revs.
    const vf = await ctx.store();
    const ghost = ctx.key('b\u00bfse');
    const child = ctx.key('notbxbfse');
    await vf.addLines(child, [ghost], []);
    expectEqual(await vf.getParentMap([child]), new Map([[child, [ghost]]]), 'parents include the ghost');
    expectEqual(await vf.getParentMap([ghost]), new Map(), 'the ghost itself is not present');
    expectTrue(!(await vf.keys()).has(ghost), 'keys() does not list the ghost');
    expectEqual((await recordOf(vf, ghost)).storageKind, 'absent', 'the ghost streams as absent');
    await vf.addLines(ghost, [], []);
    expectEqual(await vf.getParentMap([child, ghost]), new Map([[child, [ghost]], [ghost, []]]), 'filling the ghost');
    const base = ctx.key('base');
    const refs = ctx.key('references_ghost');
    await vf.addLines(base, [], lines('line\n', 'line_b\n'));
    await vf.addLines(refs, [base, ctx.key('a_ghost')], lines('line\n', 'line_b\n', 'line_c\n'));
    // Breezy's annotated knit files annotate past a ghost; its knit packs and
    // groupcompress stores throw RevisionNotPresent. Either, but nothing else.
    const annotated = await annotateOrGhost(vf, refs);
    expectTrue(annotated !== null || !ctx.caps.annotated, 'a store keeping annotations annotates past a ghost');
    if (annotated !== null) {
      expectEqual(annotated, [[base, bytes('line\n')], [base, bytes('line_b\n')], [refs, bytes('line_c\n')]], 'annotate past a ghost parent');
    }
  }, needs.ghosts),

  'a store without ghosts refuses absent parents': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await expectRejects(() => vf.addLines(ctx.key('r2'), [ctx.key('foo')], []), 'RevisionNotPresent', 'adding with an absent parent');
    expectEqual((await vf.keys()).size, 0, 'nothing was stored');
  }, needs.noGhosts),

  'a reopened store holds what was added': defineCheck(async (ctx) => {
    const opened = await ctx.open();
    const results = await addDiamond(opened.vf, ctx);
    const again = opened.reopen ? await opened.reopen() : opened.vf;
    for (const result of results) {
      expectEqual(await fulltextOf(again, result.key), await fulltextOf(opened.vf, result.key), `text of ${result.key.join('/')} after reopen`);
    }
    expectEqual(await again.getSha1s(results.map((r) => r.key)), new Map(results.map((r) => [r.key, r.sha1])), 'sha1s after reopen');
  }),
};
