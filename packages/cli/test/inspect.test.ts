// `vf inspect` on files Breezy wrote (test-fixtures/), checked against the
// facts the fixture scripts recorded and against the layouts docs/formats
// describes (weave.md, pack-and-index.md).
import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BUILD_TIMEOUT, REPO, buildCli, vf } from './helpers.js';

// Each case runs the binary several times; a busy machine makes that slow.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
beforeAll(() => buildCli(), BUILD_TIMEOUT);

const fixture = (...parts: string[]): string => nodePath.join(REPO, 'test-fixtures', ...parts);
function inspectJson<T>(file: string): T {
  const r = vf(['inspect', file, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

interface KnitFixture {
  readonly inserts: readonly { readonly key: readonly string[]; readonly parents: readonly (readonly string[])[] }[];
  readonly keys: readonly { readonly key: readonly string[]; readonly sha1: string }[];
  readonly stream?: readonly { readonly key: readonly string[]; readonly kind: string }[];
}
const knitFixture = (name: string): KnitFixture => JSON.parse(readFileSync(fixture('knit', `${name}.json`), 'utf8')) as KnitFixture;

describe('vf inspect on Breezy-written knits', () => {
  it('a .kndx: one line per version with its method and parents', () => {
    const f = knitFixture('named-knit');
    const dump = inspectJson<{ kind: string; versions: { version: string; method: string; parents: string[]; pos: number; size: number }[] }>(fixture('knit', 'named-knit', 'revisions.kndx'));
    expect(dump.kind).toBe('knit-index');
    expect(dump.versions.map((v) => v.version)).toEqual(f.inserts.map((i) => i.key[0]));
    expect(dump.versions.map((v) => v.parents)).toEqual(f.inserts.map((i) => i.parents.map((p) => p[0])));
    const kinds = new Map((f.stream ?? []).map((s) => [s.key[0], s.kind]));
    for (const v of dump.versions) {
      const kind = kinds.get(v.version);
      if (kind !== undefined) expect(v.method).toBe(kind === 'knit-ft-gz' ? 'fulltext' : 'line-delta');
    }
    // Records follow each other in the data file.
    dump.versions.slice(1).forEach((v, i) => expect(v.pos).toBe((dump.versions[i]?.pos ?? 0) + (dump.versions[i]?.size ?? 0)));
  });

  it('a .knit: one gzip member per record, at the offsets the index gives, with the sha1 Breezy recorded', () => {
    const f = knitFixture('named-knit');
    const index = inspectJson<{ versions: { version: string; pos: number; size: number }[] }>(fixture('knit', 'named-knit', 'revisions.kndx'));
    const data = inspectJson<{ kind: string; records: { offset: number; compressedLength: number; version: string; sha1: string }[] }>(fixture('knit', 'named-knit', 'revisions.knit'));
    expect(data.kind).toBe('knit-data');
    expect(data.records.map((r) => [r.version, r.offset, r.compressedLength])).toEqual(index.versions.map((v) => [v.version, v.pos, v.size]));
    const sha1s = new Map(f.keys.map((k) => [k.key[0], k.sha1]));
    for (const r of data.records) expect(r.sha1).toBe(sha1s.get(r.version));
    const text = vf(['inspect', fixture('knit', 'named-knit', 'revisions.knit')]).stdout.split('\n');
    expect(text[0]).toBe(`knit data: ${data.records.length} records`);
  });

  it('a knit pack and its .tix: records in the container, the index pointing at them', () => {
    const f = knitFixture('named-graph-knit-pack');
    const pack = inspectJson<{ kind: string; records: { offset: number; spanLength: number; names: string[][]; body: string }[] }>(fixture('knit', 'named-graph-knit-pack', 'newpack'));
    expect(pack.kind).toBe('pack');
    expect(pack.records).toHaveLength(f.inserts.length);
    expect(pack.records[0]?.offset).toBe(42); // pack-and-index.md: the first record is at offset 42
    const sha1s = new Map(f.keys.map((k) => [k.key[0], k.sha1]));
    for (const r of pack.records) {
      const m = /^knit record: version (\S+), \d+ lines, sha1 ([0-9a-f]{40})$/.exec(r.body);
      expect(m, r.body).not.toBeNull();
      expect(m?.[2]).toBe(sha1s.get(m?.[1] ?? ''));
    }
    const tix = inspectJson<{ kind: string; keyCount: number; referenceLists: number; nodes: { key: string[]; value: string; references: string[][][] }[] }>(fixture('knit', 'named-graph-knit-pack', 'newpack.tix'));
    expect(tix.kind).toBe('graph-index');
    expect(tix.keyCount).toBe(f.inserts.length);
    expect(tix.referenceLists).toBe(2);
    const spans = new Set(pack.records.map((r) => `${r.offset} ${r.spanLength}`));
    for (const node of tix.nodes) {
      // A knit pack value: a no-eol flag byte, then "offset length" of the record.
      expect(spans.has(node.value.slice(1))).toBe(true);
      const insert = f.inserts.find((i) => i.key[0] === node.key[0]);
      expect(node.references[0]).toEqual(insert?.parents);
    }
  });
});

describe('vf inspect on Breezy-written packs and indices', () => {
  const facts = JSON.parse(readFileSync(fixture('pack', 'fixtures.json'), 'utf8')) as {
    container: { file: string; records: { offset: number; length: number; names: string[][]; body: string }[] }[];
    graph: { file: string; count: number; keyElements: number; referenceLists: number; sample: { key: string[]; value: string; references: string[][][] }[] }[];
    btree: { file: string; count: number; keyElements: number; referenceLists: number; sample: { key: string[]; value: string; references: string[][][] }[] }[];
  };

  it('a container: each record at its offset, with its names and body length', () => {
    for (const c of facts.container) {
      const dump = inspectJson<{ records: { offset: number; spanLength: number; names: string[][]; length: number }[] }>(fixture('pack', c.file));
      expect(dump.records.map((r) => [r.offset, r.spanLength, r.names, r.length])).toEqual(c.records.map((r) => [r.offset, r.length, r.names, r.body.length / 2]));
    }
  });

  it.each(['graph', 'btree'] as const)('%s indices: options and every sampled node', (kind) => {
    for (const ix of facts[kind]) {
      const dump = inspectJson<{ kind: string; keyCount: number; keyElements: number; referenceLists: number; nodes: { key: string[]; value: string; references: string[][][] }[] }>(fixture('pack', ix.file));
      expect(dump.kind).toBe(kind === 'graph' ? 'graph-index' : 'btree-index');
      expect([dump.keyCount, dump.keyElements, dump.referenceLists]).toEqual([ix.count, ix.keyElements, ix.referenceLists]);
      expect(dump.nodes).toHaveLength(ix.count);
      for (const s of ix.sample) {
        const node = dump.nodes.find((n) => n.key.join('\0') === s.key.join('\0'));
        expect(node?.value).toBe(s.value);
        expect(node?.references.map((l) => [...l].map((k) => k.join('\0')).sort())).toEqual(s.references.map((l) => l.map((k) => k.join('\0')).sort()));
      }
    }
  });
});

describe('vf inspect on Breezy-written weaves', () => {
  it.each(['simple.weave', 'merges.weave', 'noeol.weave', 'random.weave', 'empty.weave'])('%s: the version headers and body weave.md describes', (name) => {
    const bytes = readFileSync(fixture('weave', name), 'latin1');
    // weave.md: after the header line, versions of `i [parents]`, `1 <sha1>`, `n <name>`, blank; then `w`, the body, `W`.
    const lines = bytes.split('\n');
    expect(lines[0]).toBe('# bzr weave file v5');
    const versions: { parents: number[]; sha1: string; name: string }[] = [];
    let i = 1;
    while (lines[i] !== 'w') {
      versions.push({
        parents: (lines[i] ?? '').slice(1).trim().split(' ').filter(Boolean).map(Number),
        sha1: (lines[i + 1] ?? '').slice(2),
        name: (lines[i + 2] ?? '').slice(2),
      });
      i += 4;
    }
    const body = lines.slice(i + 1, lines.indexOf('W', i));
    const dump = inspectJson<{ kind: string; versions: { index: number; name: string; sha1: string; parents: number[] }[]; body: string[] }>(fixture('weave', name));
    expect(dump.kind).toBe('weave');
    expect(dump.versions.map((v) => ({ parents: v.parents, sha1: v.sha1, name: v.name }))).toEqual(versions);
    expect(dump.body).toHaveLength(body.length);
    body.forEach((line, j) => {
      const shown = dump.body[j] ?? '';
      if (line.startsWith('. ') || line.startsWith(', ')) expect(shown.startsWith('. ')).toBe(true);
      else expect(shown).toBe(line);
    });
  });
});
