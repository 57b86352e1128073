// getRecordStream: every ordering, with and without the delta closure; the
// record interface (kinds, sha1s, parents, text forms); absent records.

import { KeySet, collect, filterAbsent, sha1Hex } from '@versionedfiles/core';
import type { ContentFactory, Key, KeyMap, Ordering, Parents, VersionedFiles } from '@versionedfiles/core';
import { expectEqual, expectThrows, expectTrue, fail } from '../assert.js';
import { defineCheck } from '../check.js';
import type { CheckTable } from '../check.js';
import type { CheckContext } from '../context.js';
import { ORDERINGS, addDiamond, diamondKeys, diamondLines, groupcompressRank, topologicalRank } from '../fixtures.js';
import type { DiamondName } from '../fixtures.js';
import { expectRecordText } from '../inspect.js';
import { concatBytes } from '@versionedfiles/core';

/** Storage kinds a present record may carry (Breezy's assertValidStorageKind). */
export const PRESENT_KINDS: ReadonlySet<string> = new Set([
  'fulltext',
  'chunked',
  'lines',
  'file',
  'mpdiff',
  'knit-ft-gz',
  'knit-delta-gz',
  'knit-annotated-ft-gz',
  'knit-annotated-delta-gz',
  'knit-delta-closure',
  'knit-delta-closure-ref',
  'groupcompress-block',
  'groupcompress-block-ref',
]);

/**
 * Breezy's capture_stream: each record has a known kind, the sha1 the store
 * reports, the parents of the parent map, and bytes in its own kind.
 */
export async function captureStream(
  vf: VersionedFiles,
  stream: AsyncIterable<ContentFactory>,
  parentMap: KeyMap<Parents>,
  options: { readonly requireFulltext?: boolean; readonly onRecord?: (record: ContentFactory) => void } = {},
): Promise<Key[]> {
  const seen: Key[] = [];
  for await (const record of stream) {
    seen.push(record.key);
    const where = `record ${JSON.stringify(record.key)}`;
    expectTrue(PRESENT_KINDS.has(record.storageKind), `${where}: unexpected storage kind ${record.storageKind}`);
    if (record.sha1 !== null) {
      expectEqual(record.sha1, (await vf.getSha1s([record.key])).get(record.key), `${where}: sha1 agrees with getSha1s`);
    }
    expectEqual(record.parents, parentMap.get(record.key), `${where}: parents agree with getParentMap`);
    const own = record.getBytesAs(record.storageKind);
    expectTrue(own instanceof Uint8Array || Array.isArray(own), `${where}: getBytesAs(storageKind) gives bytes`);
    if (options.requireFulltext) record.getBytesAs('fulltext');
    options.onRecord?.(record);
  }
  return seen;
}

/** Within each prefix, ranks never go down along the stream (Breezy's assertStreamOrder). */
function expectOrder(ctx: CheckContext, seen: readonly Key[], keys: readonly Key[], rank: (key: Key) => number, what: string): void {
  expectEqual(new KeySet(seen), new KeySet(keys), `${what}: every key once`);
  expectEqual(seen.length, keys.length, `${what}: no key twice`);
  if (!ctx.caps.graph) return;
  const lows = new Map<string, number>();
  for (const key of seen) {
    const prefix = key.slice(0, -1).join('\u0000');
    const pos = rank(key);
    if (pos < (lows.get(prefix) ?? -Infinity)) fail(`${what}: out of order at ${JSON.stringify(key)} in ${JSON.stringify(seen)}`);
    lows.set(prefix, pos);
  }
}

async function diamondStore(ctx: CheckContext): Promise<VersionedFiles> {
  const vf = await ctx.store();
  await addDiamond(vf, ctx);
  return vf;
}

/** Streams the diamond in `ordering`: Breezy's record interface, then the order within each prefix. */
async function diamondStreamInOrder(
  ctx: CheckContext,
  ordering: Ordering,
  closure: boolean,
  rank: (key: Key) => number,
  onRecord?: (record: ContentFactory) => void,
): Promise<void> {
  const vf = await diamondStore(ctx);
  const keys = diamondKeys(ctx);
  const parentMap = await vf.getParentMap(keys);
  const seen = await captureStream(vf, vf.getRecordStream(keys, ordering, closure), parentMap, onRecord ? { onRecord } : {});
  expectOrder(ctx, seen, keys, rank, `${ordering} stream, delta closure ${closure}`);
}

export const streamChecks: CheckTable = {
  'an empty request streams nothing': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    for (const ordering of ORDERINGS) {
      expectEqual(await collect(vf.getRecordStream([], ordering, false)), [], `empty ${ordering} stream`);
    }
  }),

  'records have a known kind, the store sha1 and the store parents': defineCheck((ctx) =>
    diamondStreamInOrder(ctx, 'unordered', false, () => 0),
  ),

  'topological streams put parents first': defineCheck((ctx) => diamondStreamInOrder(ctx, 'topological', false, topologicalRank)),

  'topological streams with the delta closure give every text form': defineCheck((ctx) =>
    diamondStreamInOrder(ctx, 'topological', true, topologicalRank, (record) => {
      const name = record.key[record.key.length - 1] as DiamondName;
      expectRecordText(record, concatBytes(diamondLines(name)), `record ${JSON.stringify(record.key)}`);
    }),
  ),

  'groupcompress streams are reverse topological per prefix': defineCheck((ctx) =>
    diamondStreamInOrder(ctx, 'groupcompress', false, groupcompressRank),
  ),

  'every ordering gives every text and its sha1': defineCheck(async (ctx) => {
    const vf = await diamondStore(ctx);
    const keys = diamondKeys(ctx, ['origin', 'base', 'left', 'right', 'merged']);
    const sha1s = await vf.getSha1s(keys);
    for (const ordering of ORDERINGS) {
      for (const closure of ctx.caps.deltaClosure ? [true] : [false, true]) {
        const what = `${ordering} stream, delta closure ${closure}`;
        const seen: Key[] = [];
        for await (const record of vf.getRecordStream(keys, ordering, closure)) {
          seen.push(record.key);
          const text = concatBytes(diamondLines(record.key[record.key.length - 1] as DiamondName));
          expectRecordText(record, text, `${what}: ${JSON.stringify(record.key)}`);
          expectEqual(sha1s.get(record.key), sha1Hex(text), `${what}: getSha1s of ${JSON.stringify(record.key)}`);
          if (record.sha1 !== null) expectEqual(record.sha1, sha1Hex(text), `${what}: record sha1`);
          if (record.size !== null) expectEqual(record.size, text.length, `${what}: record size`);
        }
        expectOrder(ctx, seen, keys, () => 0, what);
      }
    }
  }),

  'asking a record for a kind it cannot give is UnavailableRepresentation': defineCheck(async (ctx) => {
    const vf = await diamondStore(ctx);
    const keys = diamondKeys(ctx);
    const parentMap = await vf.getParentMap(keys);
    const seen: Key[] = [];
    for await (const record of vf.getRecordStream(keys, 'unordered', false)) {
      seen.push(record.key);
      if (record.storageKind !== 'mpdiff') {
        expectThrows(() => record.getBytesAs('mpdiff'), 'UnavailableRepresentation', `mpdiff of ${JSON.stringify(record.key)}`);
      }
      expectEqual(record.parents, parentMap.get(record.key), 'parents after a failed conversion');
      record.getBytesAs(record.storageKind);
    }
    expectOrder(ctx, seen, keys, () => 0, 'stream after failed conversions');
  }),

  'filterAbsent keeps what surrounds an absent record': defineCheck(async (ctx) => {
    const vf = await diamondStore(ctx);
    const present = diamondKeys(ctx);
    const keys = [...present];
    keys.splice(2, 0, ctx.key('extra', 'extra'));
    const parentMap = await vf.getParentMap(keys);
    const seen = await captureStream(vf, filterAbsent(vf.getRecordStream(keys, 'unordered', false)), parentMap);
    expectOrder(ctx, seen, present, () => 0, 'filtered stream');
  }),

  'missing keys stream as absent records among the present ones': defineCheck(async (ctx) => {
    const vf = await diamondStore(ctx);
    const present = diamondKeys(ctx);
    const keys = [...present];
    keys.splice(3, 0, ctx.key('absent'));
    if (ctx.keyLength === 2) keys.push(ctx.key('absent', 'FileB'), ['absent', 'absent']);
    const parentMap = await vf.getParentMap(keys);
    for (const ordering of ORDERINGS) {
      const seen: Key[] = [];
      for await (const record of vf.getRecordStream(keys, ordering, false)) {
        seen.push(record.key);
        if (record.key[record.key.length - 1] === 'absent') {
          expectEqual([record.storageKind, record.sha1, record.parents], ['absent', null, null], `${ordering}: absent record`);
        } else {
          expectTrue(PRESENT_KINDS.has(record.storageKind), `${ordering}: kind of ${JSON.stringify(record.key)}`);
          expectEqual(record.parents, parentMap.get(record.key), `${ordering}: parents of ${JSON.stringify(record.key)}`);
          record.getBytesAs(record.storageKind);
        }
      }
      expectOrder(ctx, seen, keys, () => 0, `${ordering} stream with absent keys`);
    }
  }),
};
