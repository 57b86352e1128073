// The store beyond the conformance suite: buffered adds in default mode,
// Breezy's one-group-per-add in compat mode, record streams through the wire
// (blocks trimmed or rebuilt as Breezy would), batched and cached block
// reads, and corrupt packs reported with the key.
import { describe, expect, it } from 'vitest';
import {
  MemoryTransport,
  NetworkRecordStream,
  ReadOnlyError,
  VersionedFilesError,
  isAbsent,
  networkBytesOf,
  splitLines,
  utf8,
} from '@versionedfiles/core';
import type { ContentFactory, Key, Transport } from '@versionedfiles/core';
import {
  GroupCompressCorrupt,
  GroupCompressVersionedFiles,
  MemoryGroupIndex,
  PackFileAccess,
  makePackFactory,
} from '@versionedfiles/groupcompress';
import type { BlockMemo, GroupCompressMode } from '@versionedfiles/groupcompress';

const words = ['alpha', 'beta', 'gamma', 'delta', 'return x', 'def f():', '    pass', '# note'];

/** A history of one file: each version edits the previous one. */
function versions(count: number, seed = 1): Uint8Array[] {
  let s = seed;
  const rnd = (n: number): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const lines: string[] = [];
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    for (let e = 0; e < 3; e++) lines.splice(rnd(lines.length + 1), rnd(4) === 0 ? 1 : 0, `${words[rnd(8)]} ${i} ${words[rnd(8)]}\n`);
    out.push(utf8(lines.join('')));
  }
  return out;
}

async function fill(vf: GroupCompressVersionedFiles, texts: readonly Uint8Array[], prefix: readonly string[] = [], name = 'r'): Promise<Key[]> {
  const keys: Key[] = [];
  for (const [i, t] of texts.entries()) {
    const key = [...prefix, `${name}${i}`];
    await vf.addLines(key, i ? [keys[i - 1] as Key] : [], splitLines(t));
    keys.push(key);
  }
  return keys;
}

async function texts(vf: GroupCompressVersionedFiles, keys: readonly Key[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const r of vf.getRecordStream(keys, 'unordered', true)) {
    expect(isAbsent(r)).toBe(false);
    out.set(r.key.join('/'), r.getBytesAs('fulltext'));
  }
  return out;
}

/** The texts of `keys`, in that order (default mode lays a group out in its own order). */
function inKeyOrder(got: Map<string, Uint8Array>, keys: readonly Key[]): (Uint8Array | undefined)[] {
  return keys.map((k) => got.get(k.join('/')));
}

function open(mode: GroupCompressMode, transport: Transport = new MemoryTransport(), keyLength = 1) {
  return { transport, vf: makePackFactory(true, true, keyLength, { mode })(transport) };
}

describe('writing', () => {
  it('default mode buffers one-by-one adds into one group; compat writes a group per add', async () => {
    const history = versions(60);
    const def = open('default');
    const compat = open('compat');
    const keys = await fill(def.vf, history);
    await fill(compat.vf, history);
    // Nothing written yet in default mode, but every text readable.
    expect(await def.transport.exists('newpack')).toBe(false);
    expect(inKeyOrder(await texts(def.vf, keys), keys)).toEqual(history);
    await def.vf.close();
    await compat.vf.close();
    const defBytes = (await def.transport.get('newpack')).length;
    const compatBytes = (await compat.transport.get('newpack')).length;
    expect(defBytes * 3).toBeLessThan(compatBytes);
    def.vf.clearCache();
    expect(inKeyOrder(await texts(def.vf, keys), keys)).toEqual(history);
  });

  it('flush() writes the group; later adds start a new one', async () => {
    const { transport, vf } = open('default');
    await fill(vf, versions(5));
    await vf.flush();
    const after = (await transport.get('newpack')).length;
    expect(after).toBeGreaterThan(60);
    await fill(vf, versions(3, 9), [], 's');
    expect((await transport.get('newpack')).length).toBe(after);
  });

  it('texts stay readable while their group is being written', async () => {
    const transport = new MemoryTransport();
    const access = new PackFileAccess(transport, 'newpack');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = {
      writable: true,
      addRawRecord: async (c: readonly Uint8Array[]) => (await gate, access.addRawRecord(c)),
      getRawRecords: (m: readonly BlockMemo[]) => access.getRawRecords(m),
      finish: () => access.finish(),
    };
    const vf = new GroupCompressVersionedFiles({ keyLength: 1, index: new MemoryGroupIndex(true, 1), access: slow });
    const history = versions(5);
    const keys = await fill(vf, history);
    const flushing = vf.flush();
    expect(inKeyOrder(await texts(vf, keys), keys)).toEqual(history);
    release();
    await flushing;
    vf.clearCache();
    expect(inKeyOrder(await texts(vf, keys), keys)).toEqual(history);
  });

  it('a closed or read-only store refuses writes at once', async () => {
    const { vf } = open('default');
    await vf.addLines(['a'], [], [utf8('a\n')]);
    await vf.close();
    await expect(vf.addLines(['b'], [], [utf8('b\n')])).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(vf.insertRecordStream([])).rejects.toBeInstanceOf(ReadOnlyError);
    expect((await vf.keys()).size).toBe(1);
  });

  it('an empty text stores nothing in its group and reads back empty', async () => {
    const { vf } = open('compat');
    await vf.addLines(['empty'], [], []);
    const [r] = await collect(vf.getRecordStream([['empty']], 'unordered', true));
    expect(r?.getBytesAs('fulltext')).toEqual(new Uint8Array(0));
  });
});

async function collect(stream: AsyncIterable<ContentFactory>): Promise<ContentFactory[]> {
  const out: ContentFactory[] = [];
  for await (const r of stream) out.push(r);
  return out;
}

describe('streams', () => {
  it('a block travels once on the wire with all its keys; the target gets every text', async () => {
    const history = versions(30);
    const source = open('default', new MemoryTransport(), 2).vf;
    const keys = await fill(source, history, ['f']);
    await source.flush();
    const records = await collect(source.getRecordStream(keys, 'groupcompress', false));
    expect(records[0]?.storageKind).toBe('groupcompress-block');
    expect(records.slice(1).every((r) => r.storageKind === 'groupcompress-block-ref')).toBe(true);
    const wire = await collect2(networkBytesOf(records));
    expect(wire.length).toBe(1);
    const target = open('default', new MemoryTransport(), 2).vf;
    await target.insertRecordStream(new NetworkRecordStream(wire));
    expect(await texts(target, keys)).toEqual(await texts(source, keys));
  });

  it('asking for the front of a big block trims it; a scattered few rebuild it', async () => {
    const history = versions(80);
    const source = open('default').vf;
    const keys = await fill(source, history);
    await source.flush();
    const full = (await collect2(networkBytesOf(source.getRecordStream(keys, 'unordered', false))))[0] as Uint8Array;
    // Default mode lays a file's texts out newest first: the front of the block is the last keys.
    const newest = keys.slice(-5);
    const front = (await collect2(networkBytesOf(source.getRecordStream(newest, 'unordered', false))))[0] as Uint8Array;
    const scattered = [keys[9], keys[4], keys[0]] as Key[];
    const few = (await collect2(networkBytesOf(source.getRecordStream(scattered, 'unordered', false))))[0] as Uint8Array;
    expect(front.length).toBeLessThan(full.length / 2);
    expect(few.length).toBeLessThan(full.length / 2);
    for (const [subset, bytes] of [
      [newest, front],
      [scattered, few],
    ] as const) {
      const got = await collect(new NetworkRecordStream([bytes]));
      expect(got.map((r) => r.key.join('/')).sort()).toEqual(subset.map((k) => k.join('/')).sort());
      for (const r of got) expect(r.getBytesAs('fulltext')).toEqual(history[Number((r.key[0] as string).slice(1))]);
    }
  });

  it('reads each block once per request, and from the cache afterwards', async () => {
    const transport = new MemoryTransport();
    const access = new PackFileAccess(transport, 'newpack');
    let reads = 0;
    const counting = {
      writable: true,
      addRawRecord: (c: readonly Uint8Array[]) => access.addRawRecord(c),
      getRawRecords: (m: readonly BlockMemo[]) => ((reads += m.length), access.getRawRecords(m)),
      finish: () => access.finish(),
    };
    const vf = new GroupCompressVersionedFiles({ keyLength: 1, index: new MemoryGroupIndex(true, 1), access: counting });
    const keys = await fill(vf, versions(40));
    await vf.flush();
    await texts(vf, keys);
    expect(reads).toBe(1);
    await texts(vf, keys);
    expect(reads).toBe(1);
    vf.clearCache();
    await texts(vf, keys);
    expect(reads).toBe(2);
  });
});

async function collect2<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('corruption', () => {
  it('a damaged block is a typed error naming a key it holds, from reads and from check()', async () => {
    const { transport, vf } = open('compat');
    const keys = await fill(vf, versions(4));
    await vf.close();
    const bytes = await transport.get('newpack');
    const bad = bytes.slice();
    bad[bad.length - 20] = (bad[bad.length - 20] as number) ^ 0xff;
    await transport.put('newpack', bad);
    vf.clearCache();
    const err = await texts(vf, keys).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GroupCompressCorrupt);
    expect(keys.map((k) => k.join())).toContain((err as GroupCompressCorrupt).key?.join());
    await expect(vf.check()).rejects.toBeInstanceOf(VersionedFilesError);
  });

  it('a block whose header is damaged names a key it holds', async () => {
    const { transport, vf } = open('compat');
    await vf.addLines(['a'], [], [utf8('some text\n')]);
    await vf.close();
    const bytes = (await transport.get('newpack')).slice();
    const at = Buffer.from(bytes).indexOf('gcb1z');
    bytes[at + 4] = 0x78;
    await transport.put('newpack', bytes);
    vf.clearCache();
    const err = await texts(vf, [['a']]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GroupCompressCorrupt);
    expect((err as GroupCompressCorrupt).key).toEqual(['a']);
  });

  it('an index range past its block is GroupCompressCorrupt with the key', async () => {
    const transport = new MemoryTransport();
    const access = new PackFileAccess(transport, 'newpack');
    const index = new MemoryGroupIndex(true, 1);
    const vf = new GroupCompressVersionedFiles({ keyLength: 1, index, access, mode: 'compat' });
    await vf.addLines(['a'], [], [utf8('some text\n')]);
    const entry = (await index.getEntries([['a']])).get(['a']);
    await index.addEntries([{ ...entry!, key: ['b'], end: entry!.end + 100 }], false);
    const err = await texts(vf, [['b']]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GroupCompressCorrupt);
    expect((err as GroupCompressCorrupt).key).toEqual(['b']);
  });
});
