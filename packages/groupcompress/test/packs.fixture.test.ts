// Packs Breezy 3.3.2's make_pack_factory wrote (test-fixtures/groupcompress/
// make-packs.py): we read every text with its sha1 and parents, and in compat
// mode the same inputs give the same pack and index bytes.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FulltextContentFactory, LocalTransport, MemoryTransport, bytesEqual, sha1OfChunks, splitLines } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import { MemoryGroupIndex, makePackFactory, openPackFile } from '@versionedfiles/groupcompress';
import { FIXTURES } from './support.js';

interface Inputs {
  readonly keyLength: 1 | 2;
  readonly graph: boolean;
  readonly how: 'adds' | 'stream';
  readonly adds: { key: Key; parents: Key[] | null; text: string; sha1: string }[];
}

const PACKS = join(FIXTURES, 'packs');

describe.each(readdirSync(PACKS))('Breezy pack %s', (name) => {
  const dir = join(PACKS, name);
  const inputs = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8')) as Inputs;
  const adds = inputs.adds.map((a) => ({ ...a, bytes: new Uint8Array(Buffer.from(a.text, 'base64')) }));

  it('we read every text, with its sha1 and parents', async () => {
    const vf = await openPackFile(new LocalTransport(dir), { index: 'index' });
    expect(vf.keyLength).toBe(inputs.keyLength);
    expect((await vf.keys()).size).toBe(adds.length);
    const parents = await vf.getParentMap(adds.map((a) => a.key));
    for await (const r of vf.getRecordStream(adds.map((a) => a.key), 'unordered', true)) {
      const add = adds.find((a) => a.key.join() === r.key.join());
      expect(sha1OfChunks(r.getBytesAs('chunked'))).toBe(add?.sha1);
      expect(parents.get(r.key)).toEqual(inputs.graph ? add?.parents : null);
    }
    await vf.check();
  });

  it('compat mode writes the same pack and index bytes', async () => {
    const transport = new MemoryTransport();
    const vf = makePackFactory(inputs.graph, true, inputs.keyLength, { mode: 'compat' })(transport);
    if (inputs.how === 'adds') {
      for (const a of adds) await vf.addLines(a.key, a.parents, splitLines(a.bytes));
    } else {
      await vf.insertRecordStream(adds.map((a) => new FulltextContentFactory(a.key, a.parents, null, a.bytes)));
    }
    await vf.close();
    expect(bytesEqual(await transport.get('newpack'), new Uint8Array(readFileSync(join(dir, 'newpack'))))).toBe(true);
    expect(bytesEqual((vf.index as MemoryGroupIndex).builder.finish(), new Uint8Array(readFileSync(join(dir, 'index'))))).toBe(true);
  });
});
