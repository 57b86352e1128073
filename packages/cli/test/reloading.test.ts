// A reader of a vf pack store follows `pack-name` when a writer finishes a
// new pack and deletes the one the reader opened (Breezy's readers reload the
// pack list and retry): in-process, with the writer's sessions run between
// the reader's calls and in the middle of its record stream.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NoSuchFile, fromUtf8, sha1Hex, utf8, type Key, type KeyMap, type VersionedFiles } from '@versionedfiles/core';
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

async function fulltexts(vf: VersionedFiles, keys: readonly Key[], between?: () => Promise<void>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const record of vf.getRecordStream(keys, 'topological', true)) {
    if (out.has(record.key.join('/'))) throw new Error(`${record.key.join('/')} came twice`);
    out.set(record.key.join('/'), sha1Hex(record.getBytesAs('fulltext')));
    if (out.size === 1) await between?.();
  }
  return out;
}

describe('a pack store reader follows pack-name', () => {
  for (const format of PACK_FORMATS) {
    it(`${format}: calls after the reader's pack was deleted reopen the new one`, () =>
      withDir(async (dir) => {
        await (await initStore(dir, { format, keyLength: 1 })).close();
        await writeSession(dir, 0, 4);
        const reader = await openStore(dir);
        expect(reader.vf).toBeInstanceOf(ReloadingVersionedFiles);
        const keys = [...(await reader.vf.keys())];
        await writeSession(dir, 4, 6);
        // pack-1 is gone now; the reader still reads what it listed, from pack-2.
        expect(await reader.transport.clone(DATA_DIR).exists('pack-1')).toBe(false);
        const seen = await fulltexts(reader.vf, keys);
        expect(seen.size).toBe(4);
        for (let i = 0; i < 4; i++) expect(seen.get(`t${i}`)).toBe(sha1Hex(utf8(text(i).map((l) => new TextDecoder().decode(l)).join(''))));
        // After the reload it sees the new texts too.
        expect((await reader.vf.keys()).size).toBe(6);
        await reader.vf.check();
        await reader.close();
      }));

    it(`${format}: a record stream interrupted by a writer resumes without repeating or losing records`, () =>
      withDir(async (dir) => {
        await (await initStore(dir, { format, keyLength: 1 })).close();
        await writeSession(dir, 0, 6);
        const reader = await openStore(dir);
        const keys = [...(await reader.vf.keys())];
        const seen = await fulltexts(reader.vf, keys, () => writeSession(dir, 6, 7));
        expect([...seen.keys()].sort()).toEqual(keys.map((k) => k.join('/')).sort());
        const again = await openStore(dir);
        const sorted = (m: KeyMap<string>): string[] => [...m].map(([k, v]) => `${k.join('/')} ${v}`).sort();
        expect(sorted(await reader.vf.getSha1s(keys))).toEqual(sorted(await again.vf.getSha1s(keys)));
        expect(sorted(await reader.vf.getSha1s(keys))).toHaveLength(6);
        await again.close();
        await reader.close();
      }));

    it(`${format}: a pack that is gone while pack-name still names it is a real NoSuchFile`, () =>
      withDir(async (dir) => {
        await (await initStore(dir, { format, keyLength: 1 })).close();
        await writeSession(dir, 0, 3);
        const reader = await openStore(dir);
        const keys = [...(await reader.vf.keys())];
        const data = reader.transport.clone(DATA_DIR);
        await data.delete(fromUtf8(await data.get('pack-name')).trim());
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
