// What Breezy wrote (test-fixtures/pack): our builders write the same bytes
// for the same nodes, and our parsers read back exactly those nodes.
import { describe, expect, it } from 'vitest';
import { fromUtf8, toHex } from '@versionedfiles/core';
import {
  BTreeBuilder,
  GraphIndexBuilder,
  PAGE_SIZE,
  parseBTreeHeader,
  parseBytesRecord,
  parseContainer,
  parseGraphIndex,
  ContainerWriter,
} from '../src/index.js';
import type { IndexNode } from '../src/index.js';
import { fixtureBytes, fixtureNodes, manifest } from './support/fixture-nodes.js';

const m = manifest();

function plain(nodes: readonly IndexNode[]): unknown[] {
  return nodes.map((n) => ({ key: [...n.key], value: fromUtf8(n.value), references: n.references.map((l) => l.map((k) => [...k])) }));
}

describe('GraphIndex fixtures', () => {
  for (const f of m.graph) {
    it(`${f.file}: same bytes, same nodes`, () => {
      const nodes = fixtureNodes(f);
      expect(plain(nodes.slice(0, 3))).toEqual(f.sample);
      const builder = new GraphIndexBuilder({ referenceLists: f.referenceLists, keyElements: f.keyElements });
      for (const n of nodes) builder.addNode(n.key, n.value, n.references);
      const bytes = fixtureBytes(f.file);
      expect(toHex(builder.finish())).toBe(toHex(bytes));
      const parsed = parseGraphIndex(bytes);
      expect(parsed.options.keyCount).toBe(nodes.length);
      expect(plain(parsed.nodes)).toEqual(plain(builder.nodes()));
    });
  }
});

describe('BTreeGraphIndex fixtures', () => {
  for (const f of m.btree) {
    it(`${f.file}: same bytes`, () => {
      const nodes = fixtureNodes(f);
      expect(plain(nodes.slice(0, 3))).toEqual(f.sample);
      const builder = new BTreeBuilder({ referenceLists: f.referenceLists, keyElements: f.keyElements });
      for (const n of nodes) builder.addNode(n.key, n.value, n.references);
      const bytes = fixtureBytes(f.file);
      const ours = builder.finish();
      expect(ours.length).toBe(bytes.length);
      expect(toHex(ours)).toBe(toHex(bytes));
      const header = parseBTreeHeader(bytes, f.file);
      expect(header.keyCount).toBe(nodes.length);
      if (nodes.length > 1000) expect(header.rowLengths.length).toBe(2);
      expect(bytes.length).toBeLessThanOrEqual(Math.max(1, header.rowLengths.reduce((a, b) => a + b, 0)) * PAGE_SIZE);
    });
  }
});

describe('container fixture', () => {
  for (const f of m.container) {
    it(`${f.file}: same bytes, same records, random access by span`, () => {
      const bytes = fixtureBytes(f.file);
      const chunks: Uint8Array[] = [];
      const writer = new ContainerWriter((c) => chunks.push(c));
      writer.begin();
      const spans = f.records.map((r) => writer.addBytesRecord(new Uint8Array(Buffer.from(r.body, "hex")), r.names));
      writer.end();
      expect(toHex(new Uint8Array(Buffer.concat(chunks)))).toBe(toHex(bytes));
      expect(spans).toEqual(f.records.map((r) => ({ offset: r.offset, length: r.length })));
      const records = parseContainer(bytes);
      expect(records.map((r) => ({ names: r.names, body: toHex(r.body) }))).toEqual(
        f.records.map((r) => ({ names: r.names, body: r.body })),
      );
      for (const r of f.records) {
        const one = parseBytesRecord(bytes.subarray(r.offset, r.offset + r.length));
        expect(toHex(one.body)).toBe(r.body);
        expect(one.names).toEqual(r.names);
      }
    });
  }
});
