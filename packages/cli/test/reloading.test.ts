// A reader of a vf pack store follows `pack-names` when a writer's autopack
// combines away the packs the reader opened (Breezy's readers reload the
// pack list and retry): in-process, with the writer's sessions run between
// the reader's calls and in the middle of its record stream.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NoSuchFile, sha1Hex, utf8, type Key, type KeyMap, type VersionedFiles } from '@versionedfiles/core';
import { DATA_DIR, MAX_RELOADS, ReloadingVersionedFiles, initStore, openStore, type StoreFormat } from '@versionedfiles/cli';

const PACK_FORMATS: readonly StoreFormat[] = ['knit-pack', 'groupcompress'];

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vf-reloading-'));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function text(i: number): Uint8Array[] {
  return [utf8(`text ${i}\n`), utf8('shared line\n'), utf8(`tail ${i % 3}\n`)];
}

/** One writer session: adds texts `from..to-1` (each a child of the one before) and closes. */
async function writeSession(dir: string, from: number, to: number): Promise<void> {
  const handle = await openStore(dir, { write: true });
  for (let i = from; i < to; i++) await handle.vf.addLines([`t${i}`], i === 0 ? [] : [[`t${i - 1}`]], text(i));
  await handle.close();
}

/** One-text sessions from `from` until the store holds 10 texts: the last one's autopack combines every pack into one. */
async function combineAway(dir: string, from: number): Promise<void> {
  for (let i = from; i < 10; i++) await writeSession(dir, i, i + 1);
}

async function listedPacks(dir: string): Promise<string[]> {
  const handle = await openStore(dir);
  try {
    return await handle.transport.clone(DATA_DIR).list('packs');
  } finally {
    await handle.close();
  }
}

async function fulltexts(vf: VersionedFiles, keys: readonly Key[], between?: () => Promise<void>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const record of vf.getRecordStream(keys, 'topological', true)) {
    if (out.has(record.key.join('/'))) throw new Error(`${record.key.join('/')} came twice`);
    out.set(record.key.join('/'), sha1Hex(record.getBytesAs('fulltext')));
    if (out.size === 1) await between?.();
  }
  return out;
}

describe('a pack store reader follows pack-names', () => {
  for (const format of PACK_FORMATS) {
    it(`${format}: calls after the reader's packs were combined away reopen the new one`, () =>
      withDir(async (dir) => {
        await (await initStore(dir, { format, keyLength: 1 })).close();
        await writeSession(dir, 0, 4);
        const [first] = await listedPacks(dir);
        const reader = await openStore(dir);
        expect(reader.vf).toBeInstanceOf(ReloadingVersionedFiles);
        const keys = [...(await reader.vf.keys())];
        await combineAway(dir, 4);
        // The reader's pack is gone now; it still reads what it listed, from the combined pack.
        expect(await listedPacks(dir)).toHaveLength(1);
        expect(await listedPacks(dir)).not.toContain(first);
        const seen = await fulltexts(reader.vf, keys);
        expect(seen.size).toBe(4);
        for (let i = 0; i < 4; i++) expect(seen.get(`t${i}`)).toBe(sha1Hex(utf8(text(i).map((l) => new TextDecoder().decode(l)).join(''))));
        // After the reload it sees the new texts too.
        expect((await reader.vf.keys()).size).toBe(10);
        await reader.vf.check();
        await reader.close();
      }));

    it(`${format}: a record stream interrupted by a writer resumes without repeating or losing records`, () =>
      withDir(async (dir) => {
        await (await initStore(dir, { format, keyLength: 1 })).close();
        await writeSession(dir, 0, 6);
        const reader = await openStore(dir);
        const keys = [...(await reader.vf.keys())];
        const before = await listedPacks(dir);
        const seen = await fulltexts(reader.vf, keys, () => combineAway(dir, 6));
        expect((await listedPacks(dir)).filter((p) => before.includes(p))).toEqual([]);
        expect([...seen.keys()].sort()).toEqual(keys.map((k) => k.join('/')).sort());
        const again = await openStore(dir);
        const sorted = (m: KeyMap<string>): string[] => [...m].map(([k, v]) => `${k.join('/')} ${v}`).sort();
        expect(sorted(await reader.vf.getSha1s(keys))).toEqual(sorted(await again.vf.getSha1s(keys)));
        expect(sorted(await reader.vf.getSha1s(keys))).toHaveLength(6);
        await again.close();
        await reader.close();
      }));

    it(`${format}: a pack that is gone while pack-names still lists it is a real NoSuchFile`, () =>
      withDir(async (dir) => {
        await (await initStore(dir, { format, keyLength: 1 })).close();
        await writeSession(dir, 0, 3);
        const reader = await openStore(dir);
        const keys = [...(await reader.vf.keys())];
        const data = reader.transport.clone(DATA_DIR);
        const [pack] = await data.list('packs');
        await data.delete(`packs/${pack}`);
        await expect(fulltexts(reader.vf, keys)).rejects.toBeInstanceOf(NoSuchFile);
        await reader.close();
      }));
  }

  it('gives up after MAX_RELOADS reloads', async () => {
    let opened = 0;
    const failing = (): VersionedFiles =>
      ({
        keyLength: 1,
        keys: () => Promise.reject(new NoSuchFile('pack-x')),
      }) as unknown as VersionedFiles;
    const vf = new ReloadingVersionedFiles({ vf: failing(), name: 'pack-0' }, async () => ({ vf: failing(), name: `pack-${++opened}` }));
    await expect(vf.keys()).rejects.toBeInstanceOf(NoSuchFile);
    expect(opened).toBe(MAX_RELOADS);
  });
});
