// The shared text-size rule on knit stores: a text at the store's limit
// round-trips, a larger one (or a record a reader could not take) is refused
// with LimitExceeded before anything is written.
import { describe, expect, it } from 'vitest';
import {
  LimitExceeded,
  MAX_ENCODED_BYTES,
  MAX_TEXT_BYTES,
  MemoryTransport,
  MemoryVersionedFiles,
  PrefixMapper,
  readerLimitFor,
  utf8,
} from '@versionedfiles/core';
import type { Transport, VersionedFiles } from '@versionedfiles/core';
import { decodeRecord, encodeRecord, makeFileFactory, makePackFactory } from '../src/index.js';
import { snapshot, textOf, textOfKey } from '../../../test-fixtures/support/limits.js';

const LIMIT = 4096;

async function keyIds(vf: VersionedFiles): Promise<string[]> {
  return [...(await vf.keys())].map((k) => k.join('/')).sort();
}

const stores: Array<[string, (t: Transport) => Promise<VersionedFiles>]> = [
  ['plain knit files', async (t) => makeFileFactory(false, new PrefixMapper(), { maxTextBytes: LIMIT })(t)],
  ['annotated knit files', async (t) => makeFileFactory(true, new PrefixMapper(), { maxTextBytes: LIMIT })(t)],
  ['knit pack', (t) => makePackFactory(true, true, 2, { maxTextBytes: LIMIT })(t)],
];

describe.each(stores)('%s with maxTextBytes %#', (_name, open) => {
  it('round-trips a text at the limit, and a delta on it', async () => {
    const vf = await open(new MemoryTransport());
    const text = textOf(LIMIT);
    await vf.addChunks(['f', 'a'], [], [text]);
    const child = text.slice();
    child[100] = 0x79;
    await vf.addChunks(['f', 'b'], [['f', 'a']], [child]);
    expect(await textOfKey(vf, ['f', 'a'])).toEqual(text);
    expect(await textOfKey(vf, ['f', 'b'])).toEqual(child);
    expect(await vf.check()).toBeUndefined();
  });

  it('refuses a text one byte over the limit and leaves the store unchanged', async () => {
    const transport = new MemoryTransport();
    const vf = await open(transport);
    await vf.addChunks(['f', 'a'], [], [textOf(100)]);
    const before = await snapshot(transport);
    expect(before.size).toBeGreaterThan(0);
    const err = await vf.addChunks(['f', 'big'], [['f', 'a']], [textOf(LIMIT + 1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceeded);
    expect((err as LimitExceeded).data).toEqual({ what: 'text', limit: LIMIT, actual: LIMIT + 1 });
    expect(await snapshot(transport)).toEqual(before);
    expect(await keyIds(vf)).toEqual(['f/a']);
    // The store still takes and serves texts afterwards.
    await vf.addChunks(['f', 'c'], [['f', 'a']], [textOf(200)]);
    expect(await textOfKey(vf, ['f', 'c'])).toEqual(textOf(200));
  });

  it('refuses an over-limit text arriving in a record stream, store unchanged', async () => {
    const source = new MemoryVersionedFiles({ keyLength: 2 });
    await source.addChunks(['f', 'ok'], [], [textOf(LIMIT)]);
    await source.addChunks(['f', 'big'], [], [textOf(LIMIT + 1)]);
    const transport = new MemoryTransport();
    const vf = await open(transport);
    await vf.insertRecordStream(source.getRecordStream([['f', 'ok']], 'unordered', true));
    const before = await snapshot(transport);
    await expect(vf.insertRecordStream(source.getRecordStream([['f', 'big']], 'unordered', true))).rejects.toBeInstanceOf(LimitExceeded);
    expect(await snapshot(transport)).toEqual(before);
    expect(await keyIds(vf)).toEqual(['f/ok']);
  });
});

describe('knit records and the reader limit', () => {
  it('refuses knit records from another store that a reader with this limit could not take', async () => {
    const wide = makeFileFactory(false, new PrefixMapper())(new MemoryTransport());
    const size = readerLimitFor(LIMIT) + 1;
    await wide.addChunks(['f', 'big'], [], [textOf(size)]);
    const transport = new MemoryTransport();
    const narrow = makeFileFactory(false, new PrefixMapper(), { maxTextBytes: LIMIT })(transport);
    await narrow.addChunks(['f', 'a'], [], [textOf(10)]);
    const before = await snapshot(transport);
    // Native knit records are stored as they are; the limit still holds.
    await expect(narrow.insertRecordStream(wide.getRecordStream([['f', 'big']], 'unordered', false))).rejects.toBeInstanceOf(LimitExceeded);
    expect(await snapshot(transport)).toEqual(before);
  });

  it('refuses annotations that would take a record past the reader limit', async () => {
    const transport = new MemoryTransport();
    const vf = makeFileFactory(true, new PrefixMapper(), { maxTextBytes: 40_000 })(transport);
    // 40,000 one-byte lines: each stored line carries its 1,000-byte origin.
    const id = 'v'.repeat(1000);
    const err = await vf.addChunks(['f', id], [], [new Uint8Array(40_000).fill(0x0a)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceeded);
    expect((err as LimitExceeded).data.what).toBe('knit record');
    expect((err as LimitExceeded).data.limit).toBe(readerLimitFor(40_000));
    expect(await snapshot(transport)).toEqual(new Map());
  });

  it('writers and readers share the default: a record over MAX_ENCODED_BYTES is refused before compressing', () => {
    // 33 views of one 64 MiB buffer: over 2 GiB of record without 2 GiB of memory.
    const piece = new Uint8Array(64 * 1024 * 1024).fill(0x0a);
    const dense = new Array<Uint8Array>(33).fill(piece);
    const err = (() => {
      try {
        encodeRecord('v', 'a'.repeat(40), [utf8('x\n')], { dense });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(LimitExceeded);
    expect((err as LimitExceeded).data.limit).toBe(MAX_ENCODED_BYTES);
    expect(MAX_ENCODED_BYTES).toBe(readerLimitFor(MAX_TEXT_BYTES));
  });

  it('decodeRecord honours a size limit and takes what encodeRecord accepted under it', () => {
    const body = [utf8('a\n'), utf8('b\n')];
    const raw = encodeRecord('v', 'a'.repeat(40), body, { maxSize: 1000 });
    expect(decodeRecord(raw, {}, { maxSize: 1000 }).body.map((l) => Buffer.from(l).toString())).toEqual(['a\n', 'b\n']);
    expect(() => decodeRecord(raw, {}, { maxSize: 10 })).toThrow(LimitExceeded);
    expect(() => encodeRecord('v', 'a'.repeat(40), body, { maxSize: 10 })).toThrow(LimitExceeded);
  });
});
