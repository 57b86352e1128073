// Live: a real format 2a repository made by Breezy 3.3.2 in a temp dir
// (fresh seed each run, one pack per commit, and packed into one): we read
// every text, revision, inventory, CHK page and signature through the pack
// collection, with the sha1 and parents Breezy reports, and check() passes.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { KeyMap, LocalTransport, isAbsent, sha1OfChunks } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import type { IndexKind } from '@versionedfiles/pack';
import { openRepositoryStore } from '@versionedfiles/groupcompress';
import { runPythonScript } from '../../../test-fixtures/support/breezy.js';
import { FIXTURES } from './support.js';

type Row = [Key, string, Key[] | null];
const KINDS: IndexKind[] = ['text', 'revision', 'inventory', 'chk', 'signature'];
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function makeRepository(seed: number, revisions: number, pack: boolean): { path: string; rows: Record<string, Row[]> } {
  const path = mkdtempSync(join(tmpdir(), 'gc-repo-'));
  dirs.push(path);
  const script = fileURLToPath(new URL('make-repository.py', `file://${FIXTURES}`));
  const out = runPythonScript(script, { args: [join(path, 'tree'), String(seed), String(revisions), pack ? '1' : '0'] });
  return { path: join(path, 'tree'), rows: JSON.parse(new TextDecoder().decode(out)) as Record<string, Row[]> };
}

const seed = Math.floor(Math.random() * 2 ** 31);

describe.each([false, true])(`a 2a repository Breezy made (seed ${seed}, packed %s)`, (packed) => {
  const { path, rows } = makeRepository(seed, 25, packed);
  const transport = new LocalTransport(join(path, '.bzr', 'repository'));
  for (const kind of KINDS) {
    it(`every ${kind} record, sha1 and parents as Breezy`, async () => {
      const vf = await openRepositoryStore(transport, kind);
      const expected = rows[kind] as Row[];
      if (kind !== 'signature') expect(expected.length).toBeGreaterThan(0);
      const want = new KeyMap<Row>(expected.map((r) => [r[0], r] as const));
      expect((await vf.keys()).size).toBe(want.size);
      const seen = new KeyMap<string>();
      for await (const record of vf.getRecordStream(want.keys(), 'unordered', true)) {
        expect(isAbsent(record)).toBe(false);
        seen.set(record.key, sha1OfChunks(record.getBytesAs('chunked')));
        expect(record.parents).toEqual((want.get(record.key) as Row)[2]);
      }
      for (const [key, row] of want) expect(seen.get(key), key.join('/')).toBe(row[1]);
      await vf.check();
    });
  }
  it('streams texts in groupcompress order, each extracted once per block', async () => {
    const vf = await openRepositoryStore(transport, 'text');
    const keys = [...(await vf.keys())];
    let n = 0;
    for await (const record of vf.getRecordStream(keys, 'groupcompress', false)) {
      expect(record.storageKind).toMatch(/^groupcompress-block/);
      record.getBytesAs('fulltext');
      n++;
    }
    expect(n).toBe(keys.length);
  });
});
