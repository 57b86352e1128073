// Live Breezy: it reads what we write (indices, containers, pack-names and a
// whole repository we repacked), writes the same bytes for the same input,
// and we read what it writes, up to a three-level B+Tree and a real 2a
// repository made by `brz` in a temp dir.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport, concatBytes, fromUtf8, toHex, utf8 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import {
  BTreeBuilder,
  BTreeGraphIndex,
  BytesRangeReader,
  ContainerWriter,
  FORMAT_2A_LAYOUT,
  GraphIndexBuilder,
  KNIT_BTREE_PACK_LAYOUT,
  KNIT_PACK_LAYOUT,
  PackCollection,
  layoutKinds,
} from '../src/index.js';
import type { IndexEntry, IndexKind, IndexNode, IndexSpec, Pack } from '../src/index.js';
import { runPython } from '../../../test-fixtures/support/breezy.js';
import { FIXTURES, makeNodes } from './support/fixture-nodes.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'vf-pack-interop-'));
}

async function collect(it: AsyncIterable<IndexEntry>): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

function nodeJson(nodes: readonly IndexNode[]): unknown[] {
  return nodes.map((n) => ({ key: n.key, value: fromUtf8(n.value), references: n.references }));
}

const READ_AND_REBUILD = `
import json, sys
from breezy import transport
from breezy.bzr import index, btree_index
spec = json.load(sys.stdin)
t = transport.get_transport(spec['dir'])
out = []
for case in spec['cases']:
    enc = lambda k: tuple(e.encode() for e in k)
    builder = (index.GraphIndexBuilder if case['format'] == 'graph' else btree_index.BTreeBuilder)(
        reference_lists=case['referenceLists'], key_elements=case['keyElements'])
    if case['optimizeForSize']:
        builder.set_optimize(for_size=True)
    for n in case['nodes']:
        builder.add_node(enc(n['key']), n['value'].encode(), [[enc(r) for r in l] for l in n['references']])
    theirs = builder.finish().read()
    ours = t.get_bytes(case['file'])
    cls = index.GraphIndex if case['format'] == 'graph' else btree_index.BTreeGraphIndex
    idx = cls(t, case['file'], len(ours))
    entries = sorted((e[1], e[2], e[3] if len(e) > 3 else ()) for e in idx.iter_all_entries())
    probe = [enc(n['key']) for n in case['nodes'][::3]]
    found = sorted(e[1] for e in cls(t, case['file'], len(ours)).iter_entries(probe))
    out.append({
        'same': theirs == ours,
        'count': idx.key_count(),
        'entries': [{'key': [e.decode() for e in k], 'value': v.decode(),
                     'references': [[[e.decode() for e in r] for r in l] for l in refs]} for k, v, refs in entries],
        'found': [[e.decode() for e in k] for k in found],
    })
    idx.validate()
print(json.dumps(out))
`;

describe('Breezy reads our indices, and writes the same bytes', () => {
  it('random node sets, both formats, 0-2 reference lists, key lengths 1-3', () => {
    const dir = tempDir();
    try {
      const element = fc.stringMatching(/^[a-z0-9\u00e9._:-]{1,12}$/);
      const samples = fc.sample(
        fc.record({
          format: fc.constantFrom('graph', 'btree'),
          keyElements: fc.integer({ min: 1, max: 3 }),
          referenceLists: fc.integer({ min: 0, max: 2 }),
          keys: fc.uniqueArray(fc.array(element, { minLength: 3, maxLength: 3 }), { maxLength: 1500, selector: (k) => k.join('/') }),
        }),
        { numRuns: 24, seed: 20261121 },
      );
      const cases = samples.map((s, i) => {
        const seen = new Set<string>();
        const keys = s.keys.map((k) => k.slice(0, s.keyElements)).filter((k) => !seen.has(k.join('\0')) && seen.add(k.join('\0')));
        const nodes: IndexNode[] = keys.map((key, n) => ({
          key,
          value: utf8(`value ${n} ${key.join('|')}`),
          references: Array.from({ length: s.referenceLists }, (_, r) => [
            ...keys.filter((_, j) => (n * 7 + j + r) % 11 === 0).slice(0, 4),
            ...(n % 4 === r ? [Array.from({ length: s.keyElements }, () => `ghost${n}`) as Key] : []),
          ]),
        }));
        // Every third B+Tree packs its pages for size (Breezy's set_optimize(for_size=True)).
        const optimizeForSize = s.format === 'btree' && i % 3 === 0;
        const b = s.format === 'graph' ? new GraphIndexBuilder(s) : new BTreeBuilder({ ...s, optimizeForSize });
        for (const n of nodes) b.addNode(n.key, n.value, n.references);
        const file = `case${i}.${s.format}`;
        writeFileSync(join(dir, file), b.finish());
        return { file, format: s.format, keyElements: s.keyElements, referenceLists: s.referenceLists, optimizeForSize, nodes };
      });
      const input = JSON.stringify({ dir, cases: cases.map((c) => ({ ...c, nodes: nodeJson(c.nodes) })) });
      const results = JSON.parse(fromUtf8(runPython(READ_AND_REBUILD, { input }))) as {
        same: boolean;
        count: number;
        entries: unknown[];
        found: string[][];
      }[];
      cases.forEach((c, i) => {
        const r = results[i] as (typeof results)[number];
        expect(r.same, c.file).toBe(true);
        expect(r.count).toBe(c.nodes.length);
        const sorted = [...c.nodes].sort((a, b) => (a.key.join('\0') < b.key.join('\0') ? -1 : 1));
        expect(r.entries.length).toBe(sorted.length);
        expect(new Set(r.entries.map((e) => JSON.stringify(e)))).toEqual(new Set(nodeJson(sorted).map((e) => JSON.stringify(e))));
        expect(r.found.length).toBe(c.nodes.filter((_, j) => j % 3 === 0).length);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a three-level B+Tree: same bytes, and our reader walks Breezy\'s', async () => {
    const dir = tempDir();
    try {
      const count = 40000;
      const path = join(dir, 'deep.bix');
      runPython(
        `
import importlib.util, sys
from breezy.bzr import btree_index
spec = importlib.util.spec_from_file_location('mf', sys.argv[1] + 'make-fixtures.py')
mf = importlib.util.module_from_spec(spec); spec.loader.exec_module(mf)
b = btree_index.BTreeBuilder(reference_lists=1, key_elements=2)
for k, v, r in mf.make_nodes(${count}, 2, 1, b'deep'):
    b.add_node(k, v, r)
open(sys.argv[2], 'wb').write(b.finish().read())
`,
        { args: [FIXTURES, path] },
      );
      const theirs = new Uint8Array(readFileSync(path));
      const nodes = makeNodes(count, 2, 1, 'deep');
      const builder = new BTreeBuilder({ referenceLists: 1, keyElements: 2 });
      for (const n of nodes) builder.addNode(n.key, n.value, n.references);
      const ours = builder.finish();
      expect(ours.length).toBe(theirs.length);
      expect(toHex(ours) === toHex(theirs)).toBe(true);
      const index = new BTreeGraphIndex(new BytesRangeReader(theirs));
      const options = await index.options();
      expect(options.rowLengths?.length).toBe(3);
      const probes = [0, 1, 12345, 29999, 39999].map((i) => (nodes[i] as IndexNode).key);
      const hits = await collect(index.iterEntries([...probes, ['nope', 'nope']]));
      expect(hits.map((h) => h.key).sort()).toEqual([...probes].sort());
      expect(index.pagesRead).toBeLessThan(20);
      expect((await collect(index.iterAllEntries())).length).toBe(count);
      await index.validate();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('containers: Breezy validates ours and reads the same records', () => {
    const records = fc.sample(
      fc.record({
        names: fc.array(fc.array(fc.stringMatching(/^[a-z0-9\u00e9._-]{1,10}$/), { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
        body: fc.uint8Array({ maxLength: 2000 }),
      }),
      { numRuns: 40, seed: 7 },
    );
    // Breezy's validate rejects a name used twice; keep names unique.
    const used = new Set<string>();
    const unique = records.map((r) => ({ ...r, names: r.names.filter((n) => !used.has(n.join('\0')) && used.add(n.join('\0'))) }));
    const chunks: Uint8Array[] = [];
    const w = new ContainerWriter((c) => chunks.push(c));
    w.begin();
    const spans = unique.map((r) => w.addBytesRecord(r.body, r.names));
    w.end();
    const out = JSON.parse(
      fromUtf8(
        runPython(
          `
import json, sys
from io import BytesIO
from breezy.bzr import pack
data = sys.stdin.buffer.read()
pack.ContainerReader(BytesIO(data)).validate()
recs = [([[e.decode() for e in n] for n in names], read(None).hex()) for names, read in pack.ContainerReader(BytesIO(data)).iter_records()]
spans = json.loads(sys.argv[1])
class T:
    def readv(self, name, ranges):
        for o, l in ranges: yield o, data[o:o + l]
one = [([[e.decode() for e in n] for n in names], read(None).hex()) for names, read in pack.make_readv_reader(T(), 'x', [tuple(s) for s in spans]).iter_records()]
print(json.dumps({'all': recs, 'one': [[n, b] for n, b in one]}))
`,
          { input: concatBytes(chunks), args: [JSON.stringify(spans.map((s) => [s.offset, s.length]))] },
        ),
      ),
    ) as { all: [string[][], string][]; one: [string[][], string][] };
    const expected = unique.map((r) => [r.names, toHex(r.body)]);
    expect(out.all).toEqual(expected);
    expect(out.one).toEqual(expected);
  });
});

const BRZ_ENV = `
import os, sys
os.environ['BRZ_EMAIL'] = 'Test <test@example.com>'
os.environ['HOME'] = sys.argv[1]
`;

function brz(dir: string, ...args: string[]): string {
  return fromUtf8(
    runPython(`${BRZ_ENV}\nsys.stderr = sys.stdout\nfrom breezy.__main__ import main\nos.chdir(sys.argv[2])\nsys.argv = ['brz'] + sys.argv[3:]\nmain()`, {
      args: [dir, join(dir, 'tree'), ...args],
    }),
  );
}

/** A repository (2a unless a format option is given) with a few commits, made by brz in a temp dir. */
function makeRepository(format = '--2a'): string {
  const dir = tempDir();
  runPython(`${BRZ_ENV}\nimport os\nos.makedirs(os.path.join(sys.argv[1], 'tree'))`, { args: [dir] });
  brz(dir, 'init', '-q', format, '.');
  writeFileSync(join(dir, 'tree', 'a.txt'), 'hello\n');
  writeFileSync(join(dir, 'tree', 'b.txt'), 'b\n'.repeat(100));
  brz(dir, 'add', '-q', '.');
  brz(dir, 'commit', '-q', '-m', 'one');
  writeFileSync(join(dir, 'tree', 'a.txt'), 'hello\nworld\n');
  brz(dir, 'commit', '-q', '-m', 'two');
  writeFileSync(join(dir, 'tree', 'c.txt'), 'c\n');
  brz(dir, 'add', '-q', 'c.txt');
  brz(dir, 'commit', '-q', '-m', 'three');
  return dir;
}

const LIST_INDEX = `
import json, sys
from breezy import transport
from breezy.bzr import btree_index, index
t = transport.get_transport(sys.argv[1])
suffix, position = sys.argv[2], int(sys.argv[3])
cls = btree_index.BTreeGraphIndex if sys.argv[4] == 'btree' else index.GraphIndex
out = []
for _, key, value in cls(t, 'pack-names', None).iter_all_entries():
    name = key[0].decode()
    size = int(value.split(b' ')[position])
    for e in cls(t.clone('indices'), name + suffix, size).iter_all_entries():
        refs = e[3] if len(e) > 3 else ()
        out.append([name, [k.decode() for k in e[1]], e[2].decode(), [[[x.decode() for x in r] for r in l] for l in refs]])
print(json.dumps(sorted(out)))
`;

/** Breezy's listing of every pack's index of one kind: [pack, key, value, references]. */
function breezyListing(repo: string, spec: IndexSpec, format: 'btree' | 'graph'): unknown[] {
  return JSON.parse(fromUtf8(runPython(LIST_INDEX, { args: [repo, spec.suffix, String(spec.position), format] }))) as unknown[];
}

async function ourListing(collection: PackCollection, kind: IndexKind): Promise<unknown[]> {
  return (await collect(collection.index(kind).iterAllEntries())).map((e) => [
    (collection.packFor(e.index) as { name: string }).name,
    e.key,
    fromUtf8(e.value),
    e.references,
  ]);
}

describe('a real 2a repository', () => {
  it('we list its text keys and index values as Breezy does', async () => {
    const dir = makeRepository();
    try {
      const repo = join(dir, 'tree', '.bzr', 'repository');
      const collection = await PackCollection.open(new LocalTransport(repo), FORMAT_2A_LAYOUT);
      expect(collection.packs().length).toBe(3);
      for (const kind of layoutKinds(FORMAT_2A_LAYOUT)) {
        const ours = await ourListing(collection, kind);
        const theirs = breezyListing(repo, FORMAT_2A_LAYOUT.indices[kind] as IndexSpec, 'btree');
        expect(ours.length, kind).toBe(theirs.length);
        expect(new Set(ours.map((e) => JSON.stringify(e)))).toEqual(new Set(theirs.map((e) => JSON.stringify(e))));
        if (kind === 'text') expect(ours.some((e) => ((e as unknown[])[1] as Key)[0]?.startsWith('a.txt-'))).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('we repack it into one pack of our own; brz check and cat still work', async () => {
    const dir = makeRepository();
    try {
      const repo = join(dir, 'tree', '.bzr', 'repository');
      const collection = await PackCollection.open(new LocalTransport(repo), FORMAT_2A_LAYOUT);
      const old = collection.packs();
      const target = collection.newPack();
      // Copy every record any index points at; 2a index values start "offset length".
      for (const pack of old) {
        const moved = new Map<string, string>();
        for (const kind of layoutKinds(FORMAT_2A_LAYOUT)) {
          const index = pack.index(kind);
          if (index === null) continue;
          for (const entry of await collect(index.iterAllEntries())) {
            const [offset, length, ...rest] = fromUtf8(entry.value).split(' ');
            const span = `${offset} ${length}`;
            if (!moved.has(span)) {
              const [record] = await pack.readRecords([{ offset: Number(offset), length: Number(length) }]);
              if (record === undefined) throw new Error(`no record at ${span}`);
              const at = target.addRecord(record.body, record.names);
              moved.set(span, `${at.offset} ${at.length}`);
            }
            target.indexBuilder(kind).addNode(entry.key, utf8([moved.get(span), ...rest].join(' ')), entry.references);
          }
        }
      }
      await collection.addPacks([target], { obsolete: old.map((p) => p.name) });
      expect(collection.packs().length).toBe(1);
      const check = brz(dir, 'check');
      expect(check).toMatch(/checked repository .* format RepositoryFormat2a/);
      expect(check).toMatch(/3 revisions/);
      expect(check).not.toMatch(/error|inconsistent|missing|corrupt/i);
      expect(brz(dir, 'cat', 'a.txt')).toBe('hello\nworld\n');
      expect(brz(dir, 'cat', '-r', '1', 'a.txt')).toBe('hello\n');
      expect(brz(dir, 'log', '--line').trim().split('\n').length).toBe(3);
      const theirs = breezyListing(repo, FORMAT_2A_LAYOUT.indices.text as IndexSpec, 'btree') as [string, ...unknown[]][];
      expect(new Set(theirs.map((e) => e[0]))).toEqual(new Set(collection.packs().map((p) => p.name)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('real knit pack repositories', () => {
  for (const [format, layout] of [
    ['--pack-0.92', KNIT_PACK_LAYOUT],
    ['--1.9', KNIT_BTREE_PACK_LAYOUT],
  ] as const) {
    it(`${format}: every index lists as Breezy lists it, and text records are knit hunks`, async () => {
      const dir = makeRepository(format);
      try {
        const repo = join(dir, 'tree', '.bzr', 'repository');
        const collection = await PackCollection.open(new LocalTransport(repo), layout);
        expect(collection.packs().length).toBe(3);
        for (const kind of layoutKinds(layout)) {
          const ours = await ourListing(collection, kind);
          const theirs = breezyListing(repo, layout.indices[kind] as IndexSpec, layout.indexFormat);
          expect(new Set(ours.map((e) => JSON.stringify(e))), kind).toEqual(new Set(theirs.map((e) => JSON.stringify(e))));
        }
        // Knit-pack values: a flag byte, then "offset length" of the record.
        for (const entry of await collect(collection.index('text').iterAllEntries())) {
          const [offset, length] = fromUtf8(entry.value.subarray(1)).split(' ').map(Number) as [number, number];
          const [record] = await (collection.packFor(entry.index) as Pack).readRecords([{ offset, length }]);
          expect(Array.from(record?.body.subarray(0, 2) ?? [])).toEqual([0x1f, 0x8b]);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
