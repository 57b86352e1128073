// Records are wire-ready: a store's stream, turned into network bytes
// (`networkBytesOf`) and read back (`NetworkRecordStream`), gives records with
// the same keys, kinds and parents, and inserting them rebuilds the texts.
// Breezy's test_get_record_stream_native_formats_are_wire_ready_*.

import { NetworkRecordStream, concatBytes, networkBytesOf } from '@versionedfiles/core';
import type { ContentFactory, Key, VersionedFiles } from '@versionedfiles/core';
import { expectEqual, expectTrue, fail } from '../assert.js';
import { defineCheck } from '../check.js';
import type { CheckTable } from '../check.js';
import type { CheckContext } from '../context.js';
import { bytes, expectRecordText, expectSameContent, lines } from '../inspect.js';

const TEXT_KINDS = new Set(['fulltext', 'chunked', 'lines']);

/** A store with a text `ft` and `delta`, a child of `ft` where there is a graph. */
async function ftAndDelta(ctx: CheckContext, label: string): Promise<{ vf: VersionedFiles; ft: Key; delta: Key }> {
  const vf = await ctx.store(label);
  const [ft, delta] = [ctx.key('ft'), ctx.key('delta')];
  await vf.addLines(ft, [], lines('my text\n', 'content'));
  await vf.addLines(delta, ctx.parentsToAdd([ft]), lines('different\n', 'content\n'));
  return { vf, ft, delta };
}

const TEXTS: Readonly<Record<string, string>> = { ft: 'my text\ncontent', delta: 'different\ncontent\n' };

function textOf(key: Key): Uint8Array {
  return bytes(TEXTS[key[key.length - 1] as string] ?? '');
}

interface SentRecord {
  readonly key: Key;
  readonly kind: string;
  readonly parents: ContentFactory['parents'];
  /** The record's own bytes, for kinds that are not plain text. */
  readonly native: Uint8Array | null;
}

function nativeBytes(record: ContentFactory): Uint8Array {
  const own = record.getBytesAs(record.storageKind);
  return own instanceof Uint8Array ? own : concatBytes([...own]);
}

/**
 * Sends `keys` over the wire and yields the records read back, each checked
 * against the one sent as it passes (decoded records may be valid only until
 * the stream moves on, as Breezy's groupcompress records are).
 */
async function* overTheWire(vf: VersionedFiles, keys: readonly Key[], closure: boolean): AsyncGenerator<ContentFactory> {
  const sent: SentRecord[] = [];
  for await (const record of vf.getRecordStream(keys, 'unordered', closure)) {
    const text = TEXT_KINDS.has(record.storageKind);
    sent.push({ key: record.key, kind: record.storageKind, parents: record.parents, native: text ? null : nativeBytes(record) });
  }
  let count = 0;
  for await (const record of new NetworkRecordStream(networkBytesOf(vf.getRecordStream(keys, 'unordered', closure)))) {
    const ref = sent[count++];
    const where = `wire record ${JSON.stringify(record.key)}`;
    if (ref === undefined) fail(`${where}: more records came back than were sent`);
    expectEqual(record.key, ref.key, `${where}: key`);
    expectEqual(record.parents, ref.parents, `${where}: parents`);
    if (ref.native === null) {
      expectTrue(TEXT_KINDS.has(record.storageKind), `${where}: a text record comes back as a text record`);
    } else {
      expectEqual(record.storageKind, ref.kind, `${where}: storage kind`);
      expectEqual(nativeBytes(record), ref.native, `${where}: wire bytes`);
    }
    yield record;
  }
  expectEqual(count, sent.length, 'one record back per record sent (no duplicates on the wire)');
}

export const wireChecks: CheckTable = {
  'a record read back from the wire keeps kind, parents and text': defineCheck(async (ctx) => {
    const vf = await ctx.store();
    const key = ctx.key('foo');
    await vf.addLines(key, [], lines('my text\n', 'content'));
    let seen = 0;
    for await (const record of overTheWire(vf, [key], false)) {
      seen += 1;
      // A lone first text is no delta: every store can give its text.
      expectRecordText(record, bytes('my text\ncontent'), 'wire record');
    }
    expectEqual(seen, 1, 'one record');
  }),

  'a fulltext and a delta sent over the wire rebuild the store': defineCheck(async (ctx) => {
    const { vf, ft, delta } = await ftAndDelta(ctx, 'source');
    const target = await ctx.store('target');
    await target.insertRecordStream(overTheWire(vf, [ft, delta], false));
    await expectSameContent(vf, target, { graph: ctx.caps.graph, what: 'store rebuilt from the wire' });
  }),

  'a delta sent over the wire lands on a basis sent before': defineCheck(async (ctx) => {
    const { vf, ft, delta } = await ftAndDelta(ctx, 'source');
    const target = await ctx.store('target');
    await target.insertRecordStream(vf.getRecordStream([ft], 'unordered', false));
    await target.insertRecordStream(overTheWire(vf, [delta], false));
    await expectSameContent(vf, target, { graph: ctx.caps.graph, what: 'delta rebuilt from the wire' });
  }),

  'a record with its delta closure gives its text after the wire': defineCheck(async (ctx) => {
    const { vf, delta } = await ftAndDelta(ctx, 'source');
    const keys: Key[] = [];
    for await (const record of overTheWire(vf, [delta], true)) {
      keys.push(record.key);
      expectRecordText(record, textOf(record.key), 'delta with its closure');
    }
    expectEqual(keys, [delta], 'the one record asked for');
  }),
};
