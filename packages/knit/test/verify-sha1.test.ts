// The `verifySha1` store option: by default a text whose record claims another
// sha1 is refused; with `verifySha1: false` (trusted bulk reads) it is served
// as stored, and `check()` still finds it. Annotation checks the texts whose
// lines it reads, not those it only walks through (docs/formats/knit.md §7).
import { describe, expect, it } from 'vitest';
import { ConstantMapper, MemoryTransport, fastZlib, fromUtf8, gunzip, gzipChunks, utf8 } from '@versionedfiles/core';
import type { ZlibCodec } from '@versionedfiles/core';
import { KnitCorrupt, makeFileFactory } from '../src/index.js';

// Stored (level 0) deflate: a record's length depends only on its content's.
const stored: ZlibCodec = { ...fastZlib, deflate: (data, options = {}) => fastZlib.deflate(data, { ...options, level: 0 }) };

/** A one-text store whose record is intact as gzip but holds another text than its sha1 says. */
async function damagedStore(): Promise<MemoryTransport> {
  const t = new MemoryTransport();
  const vf = makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1, zlib: stored })(t);
  await vf.addLines(['a'], [], [utf8('hello\n'), utf8('world\n')]);
  const raw = await t.get('texts.knit');
  const content = gunzip(raw).data.slice();
  const at = fromUtf8(content).indexOf('hello');
  content[at] = 'j'.charCodeAt(0);
  const damaged = gzipChunks([content], stored);
  expect(damaged.length).toBe(raw.length);
  await t.put('texts.knit', damaged);
  return t;
}

async function textsOf(t: MemoryTransport, verifySha1: boolean | undefined, closure: boolean): Promise<string[]> {
  const vf = makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1, ...(verifySha1 === undefined ? {} : { verifySha1 }) })(t);
  const out: string[] = [];
  for await (const r of vf.getRecordStream([['a']], 'unordered', closure)) out.push(fromUtf8(r.getBytesAs('fulltext')));
  return out;
}

describe('verifySha1', () => {
  for (const closure of [true, false]) {
    it(`a text that does not match its sha1 is KnitCorrupt by default, served with verifySha1: false (closure ${closure})`, async () => {
      const t = await damagedStore();
      await expect(textsOf(t, undefined, closure)).rejects.toThrow(KnitCorrupt);
      await expect(textsOf(t, true, closure)).rejects.toThrow(KnitCorrupt);
      expect(await textsOf(t, false, closure)).toEqual(['jello\nworld\n']);
    });
  }

  it('check() verifies whatever the option says; annotate verifies by default', async () => {
    const t = await damagedStore();
    const trusting = makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1, verifySha1: false })(t);
    await expect(trusting.check()).rejects.toMatchObject({ code: 'InvalidChecksum' });
    const strict = makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 })(t);
    await expect(strict.annotate(['a'])).rejects.toThrow(KnitCorrupt);
  });
});

/**
 * A plain knit of one -> two -> three (deltas), where two's record is intact
 * as gzip but holds "jello" for the "hello" it stored; three replaces that
 * line, so its own text is right.
 */
async function damagedMiddle(): Promise<MemoryTransport> {
  const t = new MemoryTransport();
  const vf = makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1, zlib: stored })(t);
  // Enough lines that each delta is smaller than its text, so it is stored as a delta.
  const lines = (middle: string): Uint8Array[] => ['a', middle, ...'cdefghijklmnop'].map((l) => utf8(`${l}\n`));
  await vf.addLines(['one'], [], lines('b'));
  await vf.addLines(['two'], [['one']], lines('hello'));
  await vf.addLines(['three'], [['two']], lines('three'));
  const raw = await t.get('texts.knit');
  // Stored deflate keeps the text as it is: find the member holding "hello".
  const at = fromUtf8(raw).indexOf('hello');
  const isMemberStart = (i: number): boolean => raw[i] === 0x1f && raw[i + 1] === 0x8b && raw[i + 2] === 8;
  let start = at;
  while (!isMemberStart(start)) start--;
  let end = at;
  while (end < raw.length && !isMemberStart(end)) end++;
  const content = gunzip(raw.subarray(start, end)).data.slice();
  content[fromUtf8(content).indexOf('hello')] = 'j'.charCodeAt(0);
  const member = gzipChunks([content], stored);
  expect(member.length).toBe(end - start);
  const damaged = raw.slice();
  damaged.set(member, start);
  await t.put('texts.knit', damaged);
  return t;
}

describe('annotate on a plain knit', () => {
  it('checks the asked-for text, and walks the texts before it through their deltas only', async () => {
    const t = await damagedMiddle();
    const vf = makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 })(t);
    // two is wrong, and asking for it says so; three is right, and annotating it reads two's delta only.
    await expect(vf.annotate(['two'])).rejects.toThrow(KnitCorrupt);
    const three = await vf.annotate(['three']);
    expect(three.map(([key, line]) => [key[0], fromUtf8(line)])).toEqual([
      ['one', 'a\n'],
      ['three', 'three\n'],
      ...[...'cdefghijklmnop'].map((l) => ['one', `${l}\n`]),
    ]);
  });
});
