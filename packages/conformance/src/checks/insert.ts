// insertRecordStream: fulltext and chunked streams from anywhere, the store's
// own streams, keys already present, absent records, out-of-order streams,
// and deltas whose basis is missing (partial insertion).

import { ChunkedContentFactory, FulltextContentFactory, KeySet, collect, concatBytes, sha1Hex } from '@versionedfiles/core';
import type { ContentFactory, Key, VersionedFiles } from '@versionedfiles/core';
import { expectEqual, expectRejects, expectTrue, isCode } from '../assert.js';
import { defineCheck, needs } from '../check.js';
import type { CheckTable } from '../check.js';
import type { CheckContext } from '../context.js';
import { DIAMOND_NAMES, addDiamond, diamondLines } from '../fixtures.js';
import { bytes, expectSameContent } from '../inspect.js';

/** The diamond as a stream of plain records, as a weave (always fulltexts) would send it. */
function diamondRecords(ctx: CheckContext, kind: 'fulltext' | 'chunked', trailingEol: boolean): ContentFactory[] {
  const parents: Record<string, string[]> = { origin: [], base: ['origin'], left: ['base'], right: ['base'], merged: ['left', 'right'] };
  const records: ContentFactory[] = [];
  for (const prefix of ctx.prefixes) {
    for (const name of DIAMOND_NAMES) {
      const key = [...prefix, name];
      // Graphless stores refuse records with parents, as Breezy's do.
      const keyParents = ctx.caps.graph ? (parents[name] ?? []).map((p) => [...prefix, p]) : [];
      const textLines = diamondLines(name, trailingEol);
      const text = concatBytes(textLines);
      records.push(
        kind === 'fulltext'
          ? new FulltextContentFactory(key, keyParents, sha1Hex(text), text)
          : new ChunkedContentFactory(key, keyParents, sha1Hex(text), textLines, true),
      );
    }
  }
  return records;
}

/** What a store holding `records` holds: texts, graph parents, sha1s. */
async function expectHolds(ctx: CheckContext, vf: VersionedFiles, records: readonly ContentFactory[], what: string): Promise<void> {
  const keys = records.map((r) => r.key);
  expectEqual(await vf.keys(), new KeySet(keys), `${what}: keys`);
  const parents = await vf.getParentMap(keys);
  const sha1s = await vf.getSha1s(keys);
  const texts = new Map<string, Uint8Array>();
  for await (const record of vf.getRecordStream(keys, 'unordered', true)) texts.set(JSON.stringify(record.key), record.getBytesAs('fulltext'));
  for (const record of records) {
    const text = record.getBytesAs('fulltext');
    const where = `${what}: ${JSON.stringify(record.key)}`;
    expectEqual(texts.get(JSON.stringify(record.key)), text, `${where} text`);
    expectEqual(sha1s.get(record.key), sha1Hex(text), `${where} sha1`);
    expectEqual(parents.get(record.key), ctx.caps.graph ? record.parents : null, `${where} parents`);
  }
}

/** A store that threw while inserting must still pass its own check. */
async function insertOrKeepSound(vf: VersionedFiles, stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>): Promise<boolean> {
  try {
    await vf.insertRecordStream(stream);
    return true;
  } catch (err) {
    if (!isCode(err, 'RevisionNotPresent')) throw err;
    await vf.check();
    return false;
  }
}

async function* chain(...streams: AsyncIterable<ContentFactory>[]): AsyncGenerator<ContentFactory> {
  for (const stream of streams) yield* stream;
}

export const insertChecks: CheckTable = {
  'inserting an empty stream changes nothing': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    await vf.insertRecordStream([]);
    await vf.insertRecordStream(chain());
    expectEqual((await vf.keys()).size, 0, 'no keys');
    expectEqual(await vf.getMissingCompressionParentKeys(), new KeySet(), 'no missing compression parents');
  }),

  'any store takes a stream of fulltexts': defineCheck(async (ctx) => {
    for (const trailingEol of [true, false]) {
      const vf = await ctx.store(`fulltexts-${trailingEol}`);
      const records = diamondRecords(ctx, 'fulltext', trailingEol);
      await vf.insertRecordStream(records);
      await expectHolds(ctx, vf, records, `fulltext stream, trailing newlines ${trailingEol}`);
      await vf.check();
    }
  }),

  'any store takes a stream of chunked records': defineCheck(async (ctx) => {
    for (const trailingEol of [true, false]) {
      const vf = await ctx.store(`chunked-${trailingEol}`);
      const records = diamondRecords(ctx, 'chunked', trailingEol);
      await vf.insertRecordStream(chain((async function* () { yield* records; })()));
      await expectHolds(ctx, vf, records, `chunked stream, trailing newlines ${trailingEol}`);
    }
  }),

  "a store takes its own streams in every ordering": defineCheck(async (ctx) => {
    for (const trailingEol of [true, false]) {
      const source = await ctx.store('source');
      await addDiamond(source, ctx, { trailingEol });
      // A store without ghosts (a weave) needs parents before children.
      const streams = ctx.caps.ghosts
        ? ([['topological', false], ['unordered', true], ['groupcompress', true], ['topological', true]] as const)
        : ([['topological', false], ['topological', true]] as const);
      for (const [ordering, closure] of streams) {
        const target = await ctx.store('target');
        await target.insertRecordStream(source.getRecordStream(await source.keys(), ordering, closure));
        await expectSameContent(source, target, { graph: ctx.caps.graph, what: `own ${ordering} stream (closure ${closure}, eol ${trailingEol})` });
        expectEqual(await target.getMissingCompressionParentKeys(), new KeySet(), 'nothing missing after a complete stream');
        await target.check();
      }
    }
  }),

  'inserting keys already present is not an error': defineCheck(async (ctx) => {
    const source = await ctx.store('source');
    await addDiamond(source, ctx);
    const vf = await ctx.store();
    await addDiamond(vf, ctx, { leftOnly: true });
    await vf.insertRecordStream(source.getRecordStream(await source.keys(), 'topological', false));
    await expectSameContent(source, vf, { graph: ctx.caps.graph, what: 'after inserting over present keys' });
  }),

  'inserting an absent record is RevisionNotPresent': defineCheck(async (ctx) => {
    const source = await ctx.store('source');
    const vf = await ctx.store();
    await expectRejects(
      () => vf.insertRecordStream(source.getRecordStream([ctx.key('missing', 'missing')], 'topological', false)),
      'RevisionNotPresent',
      'inserting a stream of a missing key',
    );
    expectEqual((await vf.keys()).size, 0, 'nothing stored');
  }),

  'an out-of-order stream either works or fails cleanly': defineCheck(async (ctx) => {
    const source = await ctx.store('source');
    await addDiamond(source, ctx);
    const keys = (names: string[]): Key[] => ctx.prefixes.flatMap((p) => names.map((n) => [...p, n]));
    const vf = await ctx.store();
    const inserted = await insertOrKeepSound(
      vf,
      chain(
        source.getRecordStream(keys(['origin']), 'unordered', false),
        source.getRecordStream(keys(['merged', 'left']), 'topological', false),
        source.getRecordStream(keys(['right', 'base']), 'topological', false),
      ),
    );
    if (inserted) await expectSameContent(source, vf, { graph: ctx.caps.graph, what: 'after an out-of-order stream' });
  }),

  'a long chain inserted newest first misses at most its root': defineCheck(async (ctx) => {
    const source = await ctx.store('source');
    const keys: Key[] = [];
    const content = Array.from({ length: 200 }, (_, n) => bytes(`same same ${n}\n`));
    let parents: Key[] = [];
    for (const letter of 'abcdefghijklmnopqrstuvwxyz') {
      const key = ctx.key(`key-${letter}`, 'prefix');
      content.push(bytes(`content for ${letter}\n`));
      await source.addLines(key, parents, content);
      keys.push(key);
      parents = [key];
    }
    const streams = [...keys].reverse().slice(0, -1).map((key) => source.getRecordStream([key], 'unordered', false));
    const vf = await ctx.store();
    if (await insertOrKeepSound(vf, chain(...streams))) {
      const missing = await vf.getMissingCompressionParentKeys();
      missing.delete(keys[0] as Key);
      expectEqual(missing, new KeySet(), 'missing compression parents other than the root');
    }
  }, needs.graph),

  'a delta whose basis is missing is kept aside or refused': defineCheck(async (ctx) => {
    // Breezy's test_insert_record_stream_delta_missing_basis_*: the store's own
    // stream of origin and merged, without left, right and base.
    const source = await ctx.store('source');
    await addDiamond(source, ctx);
    const wanted = [ctx.key('origin'), ctx.key('merged')];
    const vf = await ctx.store();
    expectEqual(await vf.getMissingCompressionParentKeys(), new KeySet(), 'nothing missing in a fresh store');
    const inserted = await insertOrKeepSound(vf, source.getRecordStream(wanted, 'unordered', false));
    const missing = await vf.getMissingCompressionParentKeys();
    if (!inserted) {
      expectTrue(!ctx.caps.partialInsertion || missing.size === 0, 'a store with partial insertion keeps deltas instead of refusing');
      return;
    }
    expectEqual(new KeySet(await vf.getParentMap(wanted).then((m) => m.keys())), new KeySet(wanted), 'both records are in the graph');
    if (missing.size === 0) {
      await expectSameContentFor(vf, source, wanted, 'after a complete insert');
      return;
    }
    expectTrue(ctx.caps.partialInsertion, `a store without partial insertion reported missing bases ${JSON.stringify([...missing])}`);
    for (const key of missing) expectTrue(!wanted.some((w) => w.join() === key.join()), 'a missing basis is not one of the inserted keys');
    await vf.insertRecordStream(source.getRecordStream([...missing], 'unordered', true));
    expectEqual(await vf.getMissingCompressionParentKeys(), new KeySet(), 'nothing missing once the bases arrived');
    await expectSameContentFor(vf, source, wanted, 'after the bases arrived');
    await vf.check();
  }),
};

async function expectSameContentFor(vf: VersionedFiles, source: VersionedFiles, keys: readonly Key[], what: string): Promise<void> {
  const got = await collect(vf.getRecordStream(keys, 'unordered', true));
  const want = await collect(source.getRecordStream(keys, 'unordered', true));
  const text = (records: ContentFactory[], key: Key): Uint8Array | undefined =>
    records.find((r) => r.key.join('\u0000') === key.join('\u0000'))?.getBytesAs('fulltext');
  for (const key of keys) expectEqual(text(got, key), text(want, key), `${what}: text of ${JSON.stringify(key)}`);
}
