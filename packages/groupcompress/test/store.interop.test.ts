// Live, both directions, against Breezy 3.3.2's make_pack_factory:
// - compat mode: the same adds, then the same stream inserts (texts one by
//   one, recompressed into groups; then whole blocks, reused or rebuilt),
//   give the same pack bytes and the same B+Tree index bytes as Breezy.
//   (Streams in 'groupcompress' order are not compared byte for byte: where
//   the graph allows several orders, Breezy's follows Python's set order.)
// - Breezy opens the packs we write (compat, and default mode with either
//   zlib codec, and a default-mode pack of several groups compressed on
//   worker threads, and one whose block was deflated in pieces) and its
//   check() passes, every text with the sha1 and parents we gave.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DEFLATE_PIECE_BYTES, FulltextContentFactory, LocalTransport, bytesEqual, compatZlib, fastZlib, sha1OfChunks, splitLines, utf8 } from '@versionedfiles/core';
import type { ContentFactory, Key, ZlibCodec } from '@versionedfiles/core';
import { MemoryGroupIndex, makePackFactory } from '@versionedfiles/groupcompress';
import type { GroupCompressMode, GroupCompressVersionedFiles } from '@versionedfiles/groupcompress';
import { runPython } from '../../../test-fixtures/support/breezy.js';

interface Add {
  readonly key: Key;
  readonly parents: Key[] | null;
  readonly text: Uint8Array;
}

const BREEZY = String.raw`
import base64, json, sys
from breezy import transport as T, osutils
from breezy.bzr import groupcompress, btree_index
from breezy.bzr.pack_repo import _DirectPackAccess
job = json.load(sys.stdin)
k = lambda key: tuple(e.encode('utf-8') for e in key)
kl = lambda key: [e.decode('utf-8') for e in key]
graph = job['graph']
out = {}
if job['action'] == 'write':
    factory = groupcompress.make_pack_factory(graph, True, job['keyLength'])
    stores = []
    for name in ['a', 'b', 'c']:
        t = T.get_transport_from_path(job['dir']).clone(name)
        t.ensure_base()
        stores.append((t, factory(t)))
    a, b, c = [s for _, s in stores]
    keys = []
    for add in job['adds']:
        parents = None if add['parents'] is None else tuple(k(p) for p in add['parents'])
        a.add_lines(k(add['key']), parents, osutils.split_lines(base64.b64decode(add['text'])))
        keys.append(k(add['key']))
    # one record at a time, newest first: texts recompressed into groups
    b.insert_record_stream(r for key in reversed(keys) for r in a.get_record_stream([key], 'unordered', False))
    # in block order: well-used blocks reused, others rebuilt
    c.insert_record_stream(b.get_record_stream(keys, 'unordered', False))
    for t, s in stores:
        groupcompress.cleanup_pack_group(s)
        t.put_bytes('index', s._index._graph_index.finish().read())
else:
    t = T.get_transport_from_path(job['dir'])
    idx = btree_index.BTreeGraphIndex(t, 'index', t.stat('index').st_size)
    vf = groupcompress.GroupCompressVersionedFiles(groupcompress._GCGraphIndex(idx, lambda: True, parents=graph),
                                                   _DirectPackAccess({idx: (t, 'newpack')}))
    vf.check()
    keys = vf.keys()
    pm = vf.get_parent_map(keys)
    for rec in vf.get_record_stream(keys, 'unordered', True):
        p = pm[rec.key]
        out[json.dumps(kl(rec.key), separators=(',', ':'))] = [osutils.sha_string(rec.get_bytes_as('fulltext')).decode(),
                                        None if p is None else [kl(x) for x in p]]
print(json.dumps(out))
`;

function breezy(job: Record<string, unknown>): Record<string, [string, Key[] | null]> {
  const out = runPython(BREEZY, { input: JSON.stringify(job) });
  return JSON.parse(new TextDecoder().decode(out)) as Record<string, [string, Key[] | null]>;
}

/** A random history: keys under one or two prefixes, parents among earlier keys, edited texts. */
function history(seed: number, keyLength: 1 | 2, graph: boolean, count: number): Add[] {
  let s = seed >>> 0;
  const rnd = (n: number): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const words = ['alpha', 'beta', 'gamma', 'delta', 'return x', 'def f():', '    pass', '# note'];
  const adds: Add[] = [];
  const texts = new Map<string, string[]>();
  for (let i = 0; i < count; i++) {
    const prefix = keyLength === 2 ? [`file${rnd(2)}`] : [];
    const key = [...prefix, `rev-${i}`];
    const same = adds.filter((a) => a.key.length === 1 || a.key[0] === prefix[0]);
    const parents = same.length ? [same[rnd(same.length)] as Add] : [];
    if (same.length > 2 && rnd(3) === 0) parents.push(same[rnd(same.length)] as Add);
    let lines = [...(parents[0] ? (texts.get(parents[0].key.join('/')) ?? []) : [])];
    for (let e = rnd(8); e >= 0; e--) {
      const at = rnd(lines.length + 1);
      if (lines.length && rnd(3) === 0) lines.splice(at, 2);
      else lines.splice(at, 0, `${Array.from({ length: 1 + rnd(8) }, () => words[rnd(words.length)]).join(' ')}\n`);
    }
    if (rnd(12) === 0) lines = [];
    texts.set(key.join('/'), lines);
    let text = lines.join('');
    if (text.length && rnd(8) === 0) text = text.slice(0, -1);
    const uniqueParents = [...new Set(parents.map((p) => p.key.join('/')))].map((id) => id.split('/'));
    adds.push({ key, parents: graph ? uniqueParents : null, text: utf8(text) });
  }
  return adds;
}

function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gc-store-'));
  dirs.push(d);
  return d;
}

async function writeOurs(dir: string, adds: readonly Add[], keyLength: number, graph: boolean, mode: GroupCompressMode, zlib: ZlibCodec) {
  const factory = makePackFactory(graph, true, keyLength, { mode, zlib });
  const stores: GroupCompressVersionedFiles[] = [];
  for (const name of ['a', 'b', 'c']) {
    mkdirSync(join(dir, name));
    stores.push(factory(new LocalTransport(join(dir, name))));
  }
  const [a, b, c] = stores as [GroupCompressVersionedFiles, GroupCompressVersionedFiles, GroupCompressVersionedFiles];
  for (const add of adds) await a.addLines(add.key, add.parents, splitLines(add.text));
  const keys = adds.map((x) => x.key);
  await b.insertRecordStream(oneByOne(a, [...keys].reverse()));
  await c.insertRecordStream(b.getRecordStream(keys, 'unordered', false));
  for (const [i, s] of stores.entries()) {
    await s.close();
    writeFileSync(join(dir, ['a', 'b', 'c'][i] as string, 'index'), (s.index as MemoryGroupIndex).builder.finish());
  }
}

async function* oneByOne(vf: GroupCompressVersionedFiles, keys: readonly Key[]): AsyncGenerator<ContentFactory> {
  for (const key of keys) yield* vf.getRecordStream([key], 'unordered', false);
}

const seed = Math.floor(Math.random() * 2 ** 31);

describe.each([
  [1, true],
  [2, true],
  [1, false],
  [2, false],
] as const)(`Breezy's make_pack_factory, key length %i, graph %s (seed ${seed})`, (keyLength, graph) => {
  const adds = history(seed + keyLength + (graph ? 10 : 0), keyLength, graph, 40);

  it('compat mode: the same pack and index bytes for adds, a recompressing insert and a block-reusing one', async () => {
    const ours = tempDir();
    const theirs = tempDir();
    await writeOurs(ours, adds, keyLength, graph, 'compat', compatZlib);
    breezy({ action: 'write', dir: theirs, keyLength, graph, adds: adds.map((a) => ({ ...a, text: Buffer.from(a.text).toString('base64') })) });
    for (const name of ['a', 'b', 'c']) {
      for (const file of ['newpack', 'index']) {
        const same = bytesEqual(readBytes(join(ours, name, file)), readBytes(join(theirs, name, file)));
        expect(same, `${name}/${file}`).toBe(true);
      }
    }
  });

  it.each([
    ['compat', 'compat'],
    ['default', 'compat'],
    ['default', 'fast'],
  ] as const)('Breezy reads and checks what we write (%s mode, %s zlib)', async (mode, codec) => {
    const zlib = codec === 'fast' ? fastZlib : compatZlib;
    const ours = tempDir();
    await writeOurs(ours, adds, keyLength, graph, mode, zlib);
    for (const name of ['a', 'b', 'c']) {
      const seen = breezy({ action: 'read', dir: join(ours, name), graph });
      expect(Object.keys(seen).length).toBe(adds.length);
      for (const add of adds) {
        const [sha1, parents] = seen[JSON.stringify(add.key)] as [string, Key[] | null];
        expect(sha1).toBe(sha1OfChunks([add.text]));
        expect(parents).toEqual(graph ? add.parents : null);
      }
    }
  });
});

/** `adds` inserted as one stream in default mode with `workers`; Breezy then reads and checks the pack. */
async function streamInAndCheck(adds: readonly Add[], workers: number): Promise<void> {
  const dir = tempDir();
  const vf = makePackFactory(true, true, 2, { workers })(new LocalTransport(dir));
  await vf.insertRecordStream(adds.map((a) => new FulltextContentFactory(a.key, a.parents, sha1OfChunks([a.text]), a.text)));
  await vf.close();
  writeFileSync(join(dir, 'index'), (vf.index as MemoryGroupIndex).builder.finish());
  const seen = breezy({ action: 'read', dir, graph: true });
  expect(Object.keys(seen).length).toBe(adds.length);
  for (const add of adds) expect(seen[JSON.stringify(add.key)]).toEqual([sha1OfChunks([add.text]), add.parents]);
}

describe('default mode with workers', () => {
  it('Breezy reads and checks a pack of several groups compressed on worker threads', async () => {
    // 8 files of 40 versions of about 40 KiB: 13 MB, so batches of 3+ groups go to the workers.
    const adds: Add[] = [];
    for (let f = 0; f < 8; f++) {
      const lines = Array.from({ length: 1000 }, (_, i) => `file ${f} line ${i} ${String((i * 7919 + f) % 10007).padStart(6, '0')}\n`);
      for (let v = 0; v < 40; v++) {
        lines.splice((v * 37) % lines.length, 1, `file ${f} version ${v}\n`);
        adds.push({ key: [`file${f}`, `v${v}`], parents: v ? [[`file${f}`, `v${v - 1}`]] : [], text: utf8(lines.join('')) });
      }
    }
    await streamInAndCheck(adds, 1);
  });
});

describe('default mode: a block deflated in pieces', () => {
  it('Breezy reads and checks a text longer than a native deflate piece, in its block of its own', async () => {
    const big = utf8(Array.from({ length: 400_000 }, (_, i) => `a long log line, entry ${String((i * 7919) % 100_003).padStart(6, '0')}\n`).join(''));
    expect(big.length).toBeGreaterThan(DEFLATE_PIECE_BYTES);
    const adds: Add[] = [
      { key: ['log', 'v1'], parents: [], text: big },
      { key: ['small', 'v1'], parents: [], text: utf8('a small text\n') },
      { key: ['small', 'v2'], parents: [['small', 'v1']], text: utf8('a small text\nand more\n') },
    ];
    for (const workers of [0, 1]) await streamInAndCheck(adds, workers);
  });
});

describe('block reuse on insert, as Breezy decides', () => {
  it('well-used mixed blocks over 1.5 MiB are copied as they are; the pack bytes equal Breezy', async () => {
    let s = seed >>> 0;
    const byte = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    const adds: Add[] = Array.from({ length: 14 }, (_, i) => ({
      key: [`file${i % 2}`, `rev-${i}`],
      parents: [],
      text: new Uint8Array(200_000 + i).map(byte),
    }));
    const ours = tempDir();
    const theirs = tempDir();
    await writeOurs(ours, adds, 2, true, 'compat', compatZlib);
    breezy({ action: 'write', dir: theirs, keyLength: 2, graph: true, adds: adds.map((a) => ({ ...a, text: Buffer.from(a.text).toString('base64') })) });
    for (const name of ['a', 'b', 'c']) {
      for (const file of ['newpack', 'index']) {
        expect(bytesEqual(readBytes(join(ours, name, file)), readBytes(join(theirs, name, file))), `${name}/${file}`).toBe(true);
      }
    }
    // b holds mixed groups of about 2 MiB; c copied them verbatim.
    const b = readBytes(join(ours, 'b', 'newpack'));
    const c = readBytes(join(ours, 'c', 'newpack'));
    expect(c.length).toBe(b.length);
    expect(bytesEqual(b, c)).toBe(true);
  });
});
