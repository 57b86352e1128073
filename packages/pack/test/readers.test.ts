// The readers against a model: whatever nodes went into a builder come back
// from iterAllEntries / iterEntries / iterEntriesPrefix / externalReferences,
// for both formats, on Breezy's fixtures and on generated indices.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyMap, ShortRead, compareKeys, fromUtf8, utf8 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import {
  BTreeBuilder,
  BTreeGraphIndex,
  BytesRangeReader,
  FileRangeReader,
  GraphIndex,
  GraphIndexBuilder,
  matchesPrefix,
} from '../src/index.js';
import type { GraphIndexReader, IndexEntry, IndexNode, PrefixKey } from '../src/index.js';
import { fixtureBytes, fixtureNodes, makeNodes, manifest } from './support/fixture-nodes.js';

async function collect(it: AsyncIterable<IndexEntry>): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

function plain(nodes: readonly IndexNode[]): unknown[] {
  return [...nodes]
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((n) => ({ key: [...n.key], value: fromUtf8(n.value), references: n.references.map((l) => l.map((k) => [...k])) }));
}

type Format = 'graph' | 'btree';

function build(format: Format, nodes: readonly IndexNode[], referenceLists: number, keyElements: number): Uint8Array {
  const b = format === 'graph' ? new GraphIndexBuilder({ referenceLists, keyElements }) : new BTreeBuilder({ referenceLists, keyElements });
  for (const n of nodes) b.addNode(n.key, n.value, n.references);
  return b.finish();
}

function open(format: Format, bytes: Uint8Array): { index: GraphIndexReader; reader: BytesRangeReader } {
  const reader = new BytesRangeReader(bytes, `test.${format}`);
  return { index: format === 'graph' ? new GraphIndex(reader) : new BTreeGraphIndex(reader), reader };
}

async function checkAgainstModel(index: GraphIndexReader, nodes: readonly IndexNode[], keyElements: number, probes: readonly Key[]): Promise<void> {
  const model = new KeyMap(nodes.map((n) => [n.key, n] as const));
  expect(await index.keyCount()).toBe(nodes.length);
  expect(plain(await collect(index.iterAllEntries()))).toEqual(plain(nodes));
  const hits = await collect(index.iterEntries(probes));
  expect(plain(hits)).toEqual(plain(probes.filter((k, i) => model.has(k) && probes.findIndex((p) => compareKeys(p, k) === 0) === i).map((k) => model.get(k) as IndexNode)));
  for (const h of hits) expect(h.index).toBe(index);
  if (nodes.length > 0) {
    const prefixes: PrefixKey[] = [];
    for (const n of nodes.slice(0, 3)) {
      for (let cut = 1; cut <= keyElements; cut++) prefixes.push(n.key.map((e, i) => (i < cut ? e : null)));
    }
    const usable = prefixes.filter((p) => keyElements > 1 || p[0] !== null);
    const got = await collect(index.iterEntriesPrefix(usable));
    expect(plain(got)).toEqual(plain(nodes.filter((n) => usable.some((p) => matchesPrefix(n.key, p)))));
  }
}

describe('readers on Breezy fixtures', () => {
  const m = manifest();
  for (const [format, list] of [['graph', m.graph], ['btree', m.btree]] as const) {
    for (const f of list) {
      it(`${format} ${f.file}`, async () => {
        const nodes = fixtureNodes(f);
        const { index } = open(format, fixtureBytes(f.file));
        const probes: Key[] = [...nodes.filter((_, i) => i % 3 === 0).map((n) => n.key), Array.from({ length: f.keyElements }, () => 'missing')];
        for (const n of nodes) for (const l of n.references) for (const r of l) probes.push(r);
        await checkAgainstModel(index, nodes, f.keyElements, probes);
        await index.validate();
        if (f.referenceLists > 0) {
          const ext = await index.externalReferences(0);
          const present = new KeyMap(nodes.map((n) => [n.key, true] as const));
          const expected = new Set<string>();
          for (const n of nodes) for (const r of n.references[0] ?? []) if (!present.has(r)) expected.add(r.join('/'));
          expect(new Set([...ext].map((k) => k.join('/')))).toEqual(expected);
        }
      });
    }
  }
});

describe('lookups read part of the file', () => {
  for (const format of ['graph', 'btree'] as const) {
    it(`${format}: a few keys in a large index`, async () => {
      const nodes = makeNodes(6000, 2, 1, 'big');
      const { index, reader } = open(format, build(format, nodes, 1, 2));
      const probes = [nodes[17] as IndexNode, nodes[4000] as IndexNode, nodes[5999] as IndexNode].map((n) => n.key);
      const got = await collect(index.iterEntries([...probes, ['nope', 'nope']]));
      expect(plain(got)).toEqual(plain([nodes[17], nodes[4000], nodes[5999]] as IndexNode[]));
      expect(reader.bytesRead).toBeLessThan(reader.size / 4);
    });
  }
});

describe('GraphIndex bisection', () => {
  it('finds exactly the present keys, with resolved references', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9\u00e9-]{1,30}$/), { minLength: 100, maxLength: 600 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 2 }),
        async (names, picks, referenceLists) => {
          const keys = names.map((n) => [n]);
          const nodes: IndexNode[] = keys.map((key, i) => ({
            key,
            value: utf8(`v${i}`),
            references: Array.from({ length: referenceLists }, (_, r) => [keys[(i * 31 + r) % keys.length] as Key, [`ghost${i % 7}`]]),
          }));
          const bytes = build('graph', nodes, referenceLists, 1);
          const model = new KeyMap(nodes.map((n) => [n.key, n] as const));
          for (const pick of picks) {
            for (const probe of [keys[pick % keys.length] as Key, [`${names[pick % names.length]}~`], [`ghost${pick % 7}`]]) {
              const reader = new BytesRangeReader(bytes);
              const got = await collect(new GraphIndex(reader).iterEntries([probe]));
              const want = model.get(probe);
              expect(plain(got)).toEqual(want === undefined ? [] : plain([want]));
              // Never more than the file plus the first blocks read before buffering it.
              expect(reader.bytesRead).toBeLessThanOrEqual(2 * bytes.length);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

const element = fc.stringMatching(/^[a-z0-9\u00e9\u4e2d._:-]{1,8}$/);

describe('round trip property', () => {
  for (const format of ['graph', 'btree'] as const) {
    it(`${format}: any node set reads back`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 0, max: 2 }),
          fc.array(fc.array(element, { minLength: 3, maxLength: 3 }), { maxLength: 60 }),
          fc.array(element, { maxLength: 60 }),
          async (keyElements, referenceLists, rawKeys, values) => {
            const keys = new KeyMap<Key>(rawKeys.map((k) => [k.slice(0, keyElements), k.slice(0, keyElements)] as const));
            const list = [...keys.values()];
            const nodes: IndexNode[] = list.map((key, i) => ({
              key,
              value: utf8(values[i % Math.max(1, values.length)] ?? ''),
              references: Array.from({ length: referenceLists }, (_, r) => list.filter((_, j) => (i + j + r) % 7 === 0).slice(0, 3)),
            }));
            const { index } = open(format, build(format, nodes, referenceLists, keyElements));
            await checkAgainstModel(index, nodes, keyElements, [...list.slice(0, 5), list.map((k) => k.map((e) => `${e}x`))[0] ?? ['q', 'q', 'q'].slice(0, keyElements)]);
            await index.validate();
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});

describe('FileRangeReader', () => {
  it('reads runs of ranges and single ranges exactly, and refuses ranges past the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-range-'));
    try {
      const data = Uint8Array.from({ length: 10000 }, (_, i) => (i * 7) % 251);
      writeFileSync(join(dir, 'f'), data);
      const reader = await FileRangeReader.open(join(dir, 'f'));
      const ranges = [
        { offset: 0, length: 10 },
        { offset: 10, length: 4086 },
        { offset: 4096, length: 4096 },
        { offset: 9000, length: 1000 },
        { offset: 5, length: 0 },
      ];
      const got = await reader.read(ranges);
      ranges.forEach((r, i) => expect(Array.from(got[i] as Uint8Array)).toEqual(Array.from(data.subarray(r.offset, r.offset + r.length))));
      await expect(reader.read([{ offset: 9990, length: 11 }])).rejects.toBeInstanceOf(ShortRead);
      await reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
