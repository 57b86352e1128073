// The vf pack layouts as pack collections, in-process: a write session adds
// one new pack and leaves the packs already listed untouched (no rewrite);
// packs stay within the digit sum of the text count through autopack, with
// every text readable; a session that stores nothing adds nothing; and what
// a crashed writer left (upload files, unlisted packs) is dropped by the
// next writer, never listed.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RevisionAlreadyPresent, UnsupportedFormat, fromUtf8, utf8 } from '@versionedfiles/core';
import { maxPackCount } from '@versionedfiles/pack';
import { initStore, openStore, type StoreFormat } from '@versionedfiles/cli';

const PACK_FORMATS: readonly StoreFormat[] = ['groupcompress', 'knit-pack'];

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vf-pack-store-'));
  try {
    await f(join(dir, 's'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function text(i: number): Uint8Array[] {
  return [utf8('a header line shared by every version\n'), utf8(`version ${i}\n`), utf8(`tail ${i % 4}\n`)];
}

async function add(dir: string, i: number): Promise<void> {
  const handle = await openStore(dir, { write: true });
  try {
    await handle.vf.addLines([`t${i}`], i === 0 ? [] : [[`t${i - 1}`]], text(i));
  } finally {
    await handle.close();
  }
}

const packsOf = (dir: string): string[] => readdirSync(join(dir, 'data', 'packs')).sort();

describe.each(PACK_FORMATS)('a vf %s store as a pack collection', (format) => {
  it('adds one pack per session and never rewrites a listed pack', () =>
    withDir(async (dir) => {
      await (await initStore(dir, { format, keyLength: 1 })).close();
      expect(packsOf(dir)).toEqual([]);
      await add(dir, 0);
      const [first] = packsOf(dir);
      const firstBytes = readFileSync(join(dir, 'data', 'packs', first as string));
      await add(dir, 1);
      expect(packsOf(dir)).toHaveLength(2);
      expect(packsOf(dir)).toContain(first);
      expect(readFileSync(join(dir, 'data', 'packs', first as string)).equals(new Uint8Array(firstBytes))).toBe(true);
      expect(readdirSync(join(dir, 'data', 'upload'))).toEqual([]);
    }));

  it('keeps packs within the digit sum of the text count, every text readable and check() passing', () =>
    withDir(async (dir) => {
      await (await initStore(dir, { format, keyLength: 1 })).close();
      for (let i = 0; i < 23; i++) {
        await add(dir, i);
        expect(packsOf(dir).length).toBeLessThanOrEqual(maxPackCount(i + 1));
      }
      const reader = await openStore(dir);
      try {
        const keys = [...(await reader.vf.keys())];
        expect(keys).toHaveLength(23);
        for await (const record of reader.vf.getRecordStream(keys, 'unordered', true)) {
          const i = Number((record.key[0] as string).slice(1));
          expect(fromUtf8(record.getBytesAs('fulltext'))).toBe(text(i).map(fromUtf8).join(''));
        }
        await reader.vf.check();
      } finally {
        await reader.close();
      }
    }));

  it('a session that stores nothing adds no pack, and a refused add leaves the store as it was', () =>
    withDir(async (dir) => {
      await (await initStore(dir, { format, keyLength: 1 })).close();
      await add(dir, 0);
      const before = packsOf(dir);
      await (await openStore(dir, { write: true })).close();
      await expect(add(dir, 0)).rejects.toBeInstanceOf(RevisionAlreadyPresent);
      expect(packsOf(dir)).toEqual(before);
      expect(readdirSync(join(dir, 'data', 'upload'))).toEqual([]);
    }));

  it("drops a crashed writer's leftovers: upload files and packs pack-names does not list", () =>
    withDir(async (dir) => {
      await (await initStore(dir, { format, keyLength: 1 })).close();
      await add(dir, 0);
      const listed = packsOf(dir);
      writeFileSync(join(dir, 'data', 'upload', 'half-written.pack'), 'Bazaar pack format 1 (introduced in 0.18)\nB');
      writeFileSync(join(dir, 'data', 'packs', 'feedfacefeedfacefeedfacefeedface.pack'), 'unlisted');
      writeFileSync(join(dir, 'data', 'indices', 'feedfacefeedfacefeedfacefeedface.tix'), 'unlisted');
      const reader = await openStore(dir);
      expect((await reader.vf.keys()).size).toBe(1);
      await reader.close();
      await add(dir, 1);
      expect(readdirSync(join(dir, 'data', 'upload'))).toEqual([]);
      expect(packsOf(dir)).not.toContain('feedfacefeedfacefeedfacefeedface.pack');
      expect(readdirSync(join(dir, 'data', 'indices'))).not.toContain('feedfacefeedfacefeedfacefeedface.tix');
      expect(packsOf(dir)).toEqual(expect.arrayContaining(listed));
    }));

  it('refuses a store of the old one-pack layout (data/pack-name) instead of showing it empty', () =>
    withDir(async (dir) => {
      await (await initStore(dir, { format, keyLength: 1 })).close();
      writeFileSync(join(dir, 'data', 'pack-name'), 'pack-1\n');
      await expect(openStore(dir)).rejects.toBeInstanceOf(UnsupportedFormat);
      await expect(openStore(dir, { write: true })).rejects.toBeInstanceOf(UnsupportedFormat);
    }));
});
