// The shared text-size rule on groupcompress stores: a text at the store's
// limit round-trips, a larger one is refused with LimitExceeded before
// anything is written, and no group grows past what a reader takes.
import { describe, expect, it } from 'vitest';
import {
  LimitExceeded,
  MAX_ENCODED_BYTES,
  MAX_TEXT_BYTES,
  MemoryTransport,
  MemoryVersionedFiles,
  concatBytes,
  readerLimitFor,
  utf8,
} from '@versionedfiles/core';
import type { Transport, VersionedFiles } from '@versionedfiles/core';
import { DEFAULT_SETTINGS, GroupWriter, makePackFactory, parseBlock } from '@versionedfiles/groupcompress';
import type { GroupCompressMode, GroupCompressVersionedFiles, BlockText } from '@versionedfiles/groupcompress';
import { snapshot, textOf, textOfKey } from '../../../test-fixtures/support/limits.js';

const LIMIT = 4096;

/** Bytes that do not compress or delta against each other (a seeded xorshift). */
function noise(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

async function keyIds(vf: VersionedFiles): Promise<string[]> {
  return [...(await vf.keys())].map((k) => k.join('/')).sort();
}

const modes: GroupCompressMode[] = ['default', 'compat'];

describe.each(modes)('groupcompress store (%s mode) with maxTextBytes', (mode) => {
  const open = (t: Transport): GroupCompressVersionedFiles => makePackFactory(true, true, 2, { mode, maxTextBytes: LIMIT })(t);

  it('round-trips a text at the limit, and a delta on it', async () => {
    const vf = open(new MemoryTransport());
    const text = textOf(LIMIT);
    await vf.addChunks(['f', 'a'], [], [text]);
    const child = text.slice();
    child[100] = 0x79;
    await vf.addChunks(['f', 'b'], [['f', 'a']], [child]);
    await vf.flush();
    expect(await textOfKey(vf, ['f', 'a'])).toEqual(text);
    expect(await textOfKey(vf, ['f', 'b'])).toEqual(child);
  });

  it('refuses a text one byte over the limit and leaves the store unchanged', async () => {
    const transport = new MemoryTransport();
    const vf = open(transport);
    await vf.addChunks(['f', 'a'], [], [textOf(100)]);
    await vf.flush();
    const before = await snapshot(transport);
    expect(before.size).toBeGreaterThan(0);
    const err = await vf.addChunks(['f', 'big'], [['f', 'a']], [textOf(LIMIT + 1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceeded);
    expect((err as LimitExceeded).data).toEqual({ what: 'text', limit: LIMIT, actual: LIMIT + 1 });
    await vf.flush();
    expect(await snapshot(transport)).toEqual(before);
    expect(await keyIds(vf)).toEqual(['f/a']);
    await vf.addChunks(['f', 'c'], [['f', 'a']], [textOf(200)]);
    expect(await textOfKey(vf, ['f', 'c'])).toEqual(textOf(200));
  });

  it('refuses an over-limit text in a record stream; a text buffered before it is not lost', async () => {
    const source = new MemoryVersionedFiles({ keyLength: 2 });
    await source.addChunks(['f', 'ok'], [], [textOf(LIMIT)]);
    await source.addChunks(['f', 'big'], [], [textOf(LIMIT + 1)]);
    const transport = new MemoryTransport();
    const vf = open(transport);
    await vf.insertRecordStream(source.getRecordStream([['f', 'ok']], 'unordered', true));
    await vf.flush();
    const before = await snapshot(transport);
    await expect(vf.insertRecordStream(source.getRecordStream([['f', 'big']], 'unordered', true))).rejects.toBeInstanceOf(LimitExceeded);
    await vf.flush();
    expect(await snapshot(transport)).toEqual(before);
    expect(await keyIds(vf)).toEqual(['f/ok']);
    expect(await textOfKey(vf, ['f', 'ok'])).toEqual(textOf(LIMIT));
  });
});

describe('groups and the reader limit', () => {
  it('starts a new group before one grows past readerLimitFor(maxTextBytes)', async () => {
    const maxTextBytes = 96 * 1024;
    const blocks: Array<{ bytes: Uint8Array; texts: readonly BlockText[] }> = [];
    const writer = new GroupWriter({ ...DEFAULT_SETTINGS, maxTextBytes }, async (chunks, texts) => {
      blocks.push({ bytes: concatBytes(chunks), texts });
    });
    // Breezy's rule alone keeps these in one group (one prefix, under 4 MiB): 400 KiB of content.
    const texts = [0, 1, 2, 3, 4].map((i) => noise(80 * 1024, i + 1));
    for (const [i, t] of texts.entries()) await writer.add([`t${i}`], [], [t], t.length, null);
    await writer.flush();
    expect(blocks.length).toBeGreaterThan(1);
    const limit = readerLimitFor(maxTextBytes);
    for (const { bytes, texts: inBlock } of blocks) {
      const block = parseBlock(bytes, { maxContent: limit });
      expect(block.contentLength).toBeLessThanOrEqual(limit);
      for (const t of inBlock) expect(block.extract(t.key, t.start, t.end)).toEqual(texts[Number((t.key[0] as string).slice(1))]);
    }
    expect(blocks.flatMap((b) => b.texts).length).toBe(texts.length);
  });

  it('refuses an over-limit text before it touches the group', async () => {
    const written: number[] = [];
    const writer = new GroupWriter({ ...DEFAULT_SETTINGS, maxTextBytes: 100 }, async (chunks) => {
      written.push(concatBytes(chunks).length);
    });
    await writer.add(['a'], [], [textOf(100)], 100, null);
    await expect(writer.add(['b'], [], [textOf(101)], 101, null)).rejects.toBeInstanceOf(LimitExceeded);
    expect([...writer.pending.keys()].map((k) => k.join('/'))).toEqual(['a']);
    await writer.flush();
    expect(written.length).toBe(1);
  });

  it('readers take by default every block a writer may make', () => {
    expect(MAX_ENCODED_BYTES).toBe(readerLimitFor(MAX_TEXT_BYTES));
    expect(DEFAULT_SETTINGS.maxTextBytes).toBe(MAX_TEXT_BYTES);
    // A block claiming the largest content a writer makes passes the length check (the
    // deflate-ratio check then wants real compressed bytes); one byte more is refused.
    const header = (length: number, z: number): Uint8Array => concatBytes([utf8(`gcb1z\n${z}\n${length}\n`), new Uint8Array(z)]);
    const z = Math.ceil(MAX_ENCODED_BYTES / 1000);
    expect(parseBlock(header(MAX_ENCODED_BYTES, z)).contentLength).toBe(MAX_ENCODED_BYTES);
    expect(() => parseBlock(header(MAX_ENCODED_BYTES + 1, z))).toThrow(/exceeds the limit/);
    // And the block of one largest text is within it: the text plus a kind byte and a length of at most 5 bytes.
    expect(MAX_TEXT_BYTES + 6).toBeLessThanOrEqual(MAX_ENCODED_BYTES);
  });
});
