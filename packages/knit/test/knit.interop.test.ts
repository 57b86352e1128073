// Live interop with Breezy 3.3.2: it reads, checks and annotates the knits we
// write (compat and fast mode), and for the same inserts writes the same bytes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { ConstantMapper, DEFLATE_PIECE_BYTES, HashEscapedPrefixMapper, LocalTransport, bytesEqual, compatZlib, fromUtf8, splitLines } from '@versionedfiles/core';
import type { Key, KeyMapper, VersionedFiles } from '@versionedfiles/core';
import { runPython } from '../../../test-fixtures/support/breezy.js';
import { makeFileFactory, makePackFactory } from '../src/index.js';

interface Insert {
  readonly key: Key;
  readonly parents: Key[];
  readonly text: string;
}

const BREEZY = String.raw`
import base64, json, os, sys
from breezy import transport as T
from breezy.osutils import split_lines
from breezy.bzr.knit import make_file_factory
from breezy.bzr.versionedfile import ConstantMapper, HashEscapedPrefixMapper
job = json.load(sys.stdin)
def mapper():
    return ConstantMapper('revisions') if job['mapper'] == 'constant' else HashEscapedPrefixMapper()
k = lambda key: tuple(e.encode('utf-8') for e in key)
kid = lambda key: json.dumps([e.decode() for e in key], separators=(',', ':'), ensure_ascii=False)
ours = make_file_factory(job['annotated'], mapper())(T.get_transport_from_path(job['ours']))
ours.check()
keys = sorted(ours.keys())
out = {'keys': [[e.decode() for e in key] for key in keys], 'sha1': {}, 'annotate': {}, 'text': {}}
for r in ours.get_record_stream(keys, 'unordered', True):
    out['text'][kid(r.key)] = base64.b64encode(r.get_bytes_as('fulltext')).decode()
for key, sha in ours.get_sha1s(keys).items():
    out['sha1'][kid(key)] = sha.decode()
for key in keys:
    try:
        ann = ours.annotate(key)
    except Exception:
        continue
    out['annotate'][kid(key)] = [o[-1].decode() for o, _ in ann]
if job.get('theirs'):
    theirs = make_file_factory(job['annotated'], mapper())(T.get_transport_from_path(job['theirs']))
    for ins in job['inserts']:
        theirs.add_lines(k(ins['key']), [k(p) for p in ins['parents']], split_lines(base64.b64decode(ins['text'])))
print(json.dumps(out))
`;

/** A history: a DAG over up to 14 texts, each a few edits away from its left parent. */
const historyArb = (prefixes: readonly Key[]) =>
  fc
    .array(
      fc.record({
        parentPicks: fc.array(fc.nat(), { maxLength: 3 }),
        ghost: fc.boolean(),
        edits: fc.array(fc.tuple(fc.nat(), fc.constantFrom('edit', 'insert', 'delete'), fc.string({ maxLength: 12 })), { maxLength: 4 }),
        noeol: fc.boolean(),
        prefix: fc.nat(prefixes.length - 1),
      }),
      { minLength: 1, maxLength: 14 },
    )
    .map((steps) => {
      const inserts: Insert[] = [];
      const texts: string[][] = [];
      steps.forEach((s, n) => {
        const prefix = prefixes[s.prefix] as Key;
        const same = inserts.map((ins, i) => [ins, i] as const).filter(([ins]) => ins.key.length === 1 || ins.key[0] === prefix[0]);
        const parents: Key[] = [];
        const idx: number[] = [];
        for (const p of s.parentPicks) {
          if (same.length === 0) break;
          const [ins, i] = same[p % same.length]!;
          if (!parents.some((q) => q.join() === ins.key.join())) {
            parents.push(ins.key);
            idx.push(i);
          }
        }
        if (s.ghost) parents.push([...prefix, `ghost-${n}`]);
        const lines = idx.length > 0 ? [...texts[idx[0]!]!] : Array.from({ length: 8 }, (_, i) => `base ${i}`);
        for (const [at, op, text] of s.edits) {
          const pos = lines.length === 0 ? 0 : at % lines.length;
          if (op === 'edit' && lines.length > 0) lines[pos] = `edit ${n} ${text}`;
          else if (op === 'insert') lines.splice(pos, 0, `ins ${n} ${text}`);
          else if (lines.length > 0) lines.splice(pos, 1);
        }
        texts.push(lines);
        const body = lines.map((l) => `${l.replace(/\n/g, ' ')}\n`).join('');
        const text = s.noeol && body.length > 0 ? body.slice(0, -1) : body;
        inserts.push({ key: [...prefix, `rev-${n}`], parents, text: Buffer.from(text).toString('base64') });
      });
      return inserts;
    });

/** The ids of the inserted texts whose whole ancestry was inserted (no ghost). */
function annotatable(inserts: readonly Insert[]): string[] {
  const ok = new Set<string>();
  for (const ins of inserts) {
    if (ins.parents.every((p) => ok.has(JSON.stringify(p)))) ok.add(JSON.stringify(ins.key));
  }
  return [...ok];
}

function filesUnder(root: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), new Uint8Array(readFileSync(p)));
    }
  };
  walk(root);
  return out;
}

interface BreezyView {
  keys: Key[];
  sha1: Record<string, string>;
  text: Record<string, string>;
  annotate?: Record<string, string[]>;
}

/** Runs a Breezy script on a job and checks that it saw every text we stored, with our sha1s. */
async function breezyReads(script: string, job: object, vf: VersionedFiles, inserts: readonly Insert[]): Promise<BreezyView> {
  const out = JSON.parse(fromUtf8(new Uint8Array(runPython(script, { input: JSON.stringify(job) })))) as BreezyView;
  expect(out.keys.length).toBe(inserts.length);
  const sha1s = await vf.getSha1s(out.keys);
  for (const key of out.keys) expect(out.sha1[JSON.stringify(key)]).toBe(sha1s.get(key));
  for (const ins of inserts) expect(out.text[JSON.stringify(ins.key)]).toBe(ins.text);
  return out;
}

function expectSameFiles(oursDir: string, theirsDir: string): void {
  const a = filesUnder(oursDir);
  const b = filesUnder(theirsDir);
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [f, bytes] of a) expect(bytesEqual(bytes, b.get(f)!), f).toBe(true);
}

/** Runs `body` with fresh `ours` and `theirs` directories, removed afterwards. */
async function withDirs(body: (oursDir: string, theirsDir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'knit-interop-'));
  try {
    const oursDir = join(dir, 'ours');
    const theirsDir = join(dir, 'theirs');
    mkdirSync(oursDir);
    mkdirSync(theirsDir);
    await body(oursDir, theirsDir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const LAYOUTS: { name: string; annotated: boolean; mapper: 'constant' | 'escaped'; prefixes: Key[] }[] = [
  { name: 'plain named knit', annotated: false, mapper: 'constant', prefixes: [[]] },
  { name: 'annotated named knit', annotated: true, mapper: 'constant', prefixes: [[]] },
  { name: 'annotated escaped knit', annotated: true, mapper: 'escaped', prefixes: [['FileA'], ['File B']] },
];

function mapperOf(m: 'constant' | 'escaped'): KeyMapper {
  return m === 'constant' ? new ConstantMapper('revisions') : new HashEscapedPrefixMapper();
}

describe('Breezy reads our knits', () => {
  for (const layout of LAYOUTS) {
    for (const mode of ['compat', 'default'] as const) {
      it(`${layout.name}, ${mode} mode: Breezy checks, reads and annotates them${mode === 'compat' ? ', and writes the same bytes' : ''}`, async () => {
        await fc.assert(
          fc.asyncProperty(historyArb(layout.prefixes), (inserts) =>
            withDirs(async (oursDir, theirsDir) => {
              const vf = makeFileFactory(layout.annotated, mapperOf(layout.mapper), mode === 'compat' ? { zlib: compatZlib } : {})(
                new LocalTransport(oursDir),
              );
              for (const ins of inserts) await vf.addLines(ins.key, ins.parents, splitLines(new Uint8Array(Buffer.from(ins.text, 'base64'))));
              const job = { annotated: layout.annotated, mapper: layout.mapper, ours: oursDir, theirs: mode === 'compat' ? theirsDir : null, inserts };
              const out = await breezyReads(BREEZY, job, vf, inserts);
              for (const [id, origins] of Object.entries(out.annotate ?? {})) {
                const ours = await vf.annotate(JSON.parse(id) as Key);
                expect(ours.map(([o]) => o[o.length - 1]), id).toEqual(origins);
              }
              if (mode === 'compat') expectSameFiles(oursDir, theirsDir);
            }),
          ),
          { numRuns: 6 },
        );
      });
    }
  }
});

const BREEZY_PACK = String.raw`
import base64, json, os, sys
from breezy import transport as T
from breezy.bzr import index as _mod_index, pack_repo
from breezy.bzr.knit import KnitVersionedFiles, _KnitGraphIndex, make_pack_factory
from breezy.osutils import split_lines
job = json.load(sys.stdin)
k = lambda key: tuple(e.encode('utf-8') for e in key)
kid = lambda key: json.dumps([e.decode() for e in key], separators=(',', ':'), ensure_ascii=False)
t = T.get_transport_from_path(job['ours'])
gi = _mod_index.GraphIndex(t, 'newpack.tix', t.stat('newpack.tix').st_size)
kgi = _KnitGraphIndex(gi, lambda: True, parents=job['graph'], deltas=job['delta'])
ours = KnitVersionedFiles(kgi, pack_repo._DirectPackAccess({gi: (t, 'newpack')}), max_delta_chain=200 if job['delta'] else 0)
ours.check()
keys = sorted(ours.keys())
out = {'keys': [[e.decode() for e in key] for key in keys], 'sha1': {}, 'text': {}, 'annotate': {}}
for r in ours.get_record_stream(keys, 'unordered', True):
    out['text'][kid(r.key)] = base64.b64encode(r.get_bytes_as('fulltext')).decode()
for key, sha in ours.get_sha1s(keys).items():
    out['sha1'][kid(key)] = sha.decode()
# Breezy's knit annotator takes each delta's matching blocks from the delta.
for key in keys if job['graph'] else []:
    try:
        ann = ours.annotate(key)
    except Exception:
        continue
    out['annotate'][kid(key)] = [o[-1].decode() for o, _ in ann]
tt = T.get_transport_from_path(job['theirs'])
theirs = make_pack_factory(job['graph'], job['delta'], job['keyLength'])(tt)
for ins in job['inserts']:
    theirs.add_lines(k(ins['key']), [k(p) for p in ins['parents']], split_lines(base64.b64decode(ins['text'])))
theirs.writer.end()
theirs.stream.close()
tt.put_bytes('newpack.tix', theirs._index._graph_index.finish().read())
print(json.dumps(out))
`;

const PACK_SHAPES = [
  { graph: false, delta: false, keyLength: 1, prefixes: [[]] as Key[] },
  { graph: true, delta: true, keyLength: 1, prefixes: [[]] as Key[] },
  { graph: true, delta: false, keyLength: 1, prefixes: [[]] as Key[] },
  { graph: true, delta: true, keyLength: 2, prefixes: [['FileA'], ['FileB']] as Key[] },
];

describe('Breezy reads our knit packs', () => {
  for (const shape of PACK_SHAPES) {
    for (const mode of ['compat', 'default'] as const) {
      it(`graph=${shape.graph} delta=${shape.delta} keyLength=${shape.keyLength}, ${mode} mode: Breezy checks, reads${shape.graph ? ' and annotates' : ''} them${mode === 'compat' ? ', and writes the same bytes' : ''}`, async () => {
        await fc.assert(
          fc.asyncProperty(historyArb(shape.prefixes), (history) =>
            withDirs(async (oursDir, theirsDir) => {
              const inserts = shape.graph ? history : history.map((i) => ({ ...i, parents: [] }));
              const vf = await makePackFactory(shape.graph, shape.delta, shape.keyLength, mode === 'compat' ? { zlib: compatZlib } : {})(new LocalTransport(oursDir));
              for (const ins of inserts) await vf.addLines(ins.key, ins.parents, splitLines(new Uint8Array(Buffer.from(ins.text, 'base64'))));
              await vf.finish();
              const out = await breezyReads(BREEZY_PACK, { ...shape, ours: oursDir, theirs: theirsDir, inserts }, vf, inserts);
              for (const [id, origins] of Object.entries(out.annotate ?? {})) {
                const ours = await vf.annotate(JSON.parse(id) as Key);
                expect(ours.map(([o]) => o[o.length - 1]), id).toEqual(origins);
              }
              // Breezy annotates exactly the texts without a ghost in their ancestry.
              if (shape.graph) expect(Object.keys(out.annotate ?? {}).sort()).toEqual(annotatable(inserts).sort());
              if (mode === 'compat') expectSameFiles(oursDir, theirsDir);
            }),
          ),
          { numRuns: mode === 'compat' ? 5 : 3 },
        );
      });
    }
  }
});

describe('Breezy reads a default-mode knit pack with a text over one deflate piece', () => {
  it('the text, deflated in pieces on the thread pool, and a delta on it: Breezy checks, reads and annotates them', async () => {
    const lines: string[] = [];
    for (let length = 0; length < DEFLATE_PIECE_BYTES + 500_000; ) {
      lines.push(`a bundled line, number ${(lines.length * 7919) % 1_000_003}\n`);
      length += (lines[lines.length - 1] as string).length;
    }
    const big = lines.join('');
    expect(big.length).toBeGreaterThan(DEFLATE_PIECE_BYTES);
    lines[1234] = 'edited in the next version\n';
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    const inserts: Insert[] = [
      { key: ['big-1'], parents: [], text: b64(big) },
      { key: ['small'], parents: [], text: b64('a small text\n') },
      { key: ['big-2'], parents: [['big-1']], text: b64(lines.join('')) },
    ];
    await withDirs(async (oursDir, theirsDir) => {
      const vf = await makePackFactory(true, true, 1)(new LocalTransport(oursDir));
      for (const ins of inserts) await vf.addLines(ins.key, ins.parents, splitLines(new Uint8Array(Buffer.from(ins.text, 'base64'))));
      await vf.finish();
      expect((await vf.index.getBuildDetails([['big-2']])).get(['big-2'])?.method).toBe('line-delta');
      const out = await breezyReads(BREEZY_PACK, { graph: true, delta: true, keyLength: 1, ours: oursDir, theirs: theirsDir, inserts }, vf, inserts);
      const ours = await vf.annotate(['big-2']);
      expect(ours.map(([o]) => o[0])).toEqual(out.annotate?.[JSON.stringify(['big-2'])]);
    });
  });
});
