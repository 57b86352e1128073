// Live interop with Breezy 3.3.2's smart-protocol byte stream:
// - Breezy's _byte_stream_to_stream reads the byte streams we write (knit,
//   annotated knit, delta closure, fulltext/chunked in several substreams),
//   stores their texts with the sha1s and parents we hold, passes check(), and
//   re-encodes them with _stream_to_byte_stream to exactly our bytes;
// - we read the byte streams Breezy writes from knit stores holding random
//   histories, and get its texts, parents and sha1s.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ChunkedContentFactory,
  ConstantMapper,
  FulltextContentFactory,
  MemoryTransport,
  MemoryVersionedFiles,
  PrefixMapper,
  collect,
  concatBytes,
  sha1Hex,
  utf8,
  type ContentFactory,
  type Key,
  type VersionedFiles,
} from '@versionedfiles/core';
import { applyHistory, arbHistory, type History } from '@versionedfiles/conformance';
import { makeFileFactory } from '@versionedfiles/knit';
import { makePackFactory as makeGroupCompressPack } from '@versionedfiles/groupcompress';
import { ByteStreamReader, FORMAT_2A, FORMAT_KNITPACK, encodeByteStream } from '@versionedfiles/sync';
import { runPython } from '../../../test-fixtures/support/breezy.js';

const READ_OURS = String.raw`
import json, sys
from breezy import osutils, transport
from breezy.bzr import knit, versionedfile
from breezy.bzr.smart.repository import _byte_stream_to_stream, _stream_to_byte_stream

class Captured:
    """A record as it passed: groupcompress records work only while the stream is on them."""
    def __init__(self, r):
        self.key, self.parents, self.storage_kind = r.key, r.parents, r.storage_kind
        kind = "fulltext" if r.storage_kind in ("fulltext", "chunked") else r.storage_kind
        self.kind, self.bytes = kind, r.get_bytes_as(kind)
    def get_bytes_as(self, kind):
        assert kind == self.kind
        return self.bytes

data = sys.stdin.buffer.read()
fmt, stream = _byte_stream_to_stream(iter([data[i:i + 1000] for i in range(0, len(data), 1000)]))
out = {"format": fmt.network_name().decode(), "substreams": []}
collected = []
for name, records in stream:
    captured = []
    target = None
    for r in records:
        # Insert each record while the stream is on it (groupcompress records are lazy).
        captured.append(Captured(r))
        if target is None:
            graph = r.parents is not None
            target = knit.make_pack_factory(graph, graph, len(r.key))(transport.get_transport_from_url("memory:///"))
        target.insert_record_stream([r])
    collected.append((name, captured))
    target.check()
    keys = [c.key for c in captured]
    sha1s = target.get_sha1s(keys)
    parents = target.get_parent_map(keys)
    dec = lambda key: [e.decode("utf-8") for e in key]
    out["substreams"].append({
        "substream": name,
        "kinds": [c.storage_kind for c in captured],
        "records": [[dec(k), None if parents[k] is None else [dec(p) for p in parents[k]], sha1s[k].decode()] for k in keys],
    })
again = b"".join(_stream_to_byte_stream(collected, fmt))
out["same_bytes"] = again == data
print(json.dumps(out))
`;

const WRITE_STREAM = String.raw`
import base64, json, sys
from breezy import osutils, transport
from breezy.bzr import groupcompress, knit, versionedfile
from breezy.bzr.groupcompress_repo import RepositoryFormat2a
from breezy.bzr.knitpack_repo import RepositoryFormatKnitPack1
from breezy.bzr.smart.repository import _stream_to_byte_stream
job = json.load(sys.stdin)
k = lambda key: tuple(e.encode("utf-8") for e in key)
mapper = versionedfile.ConstantMapper("texts") if job["keyLength"] == 1 else versionedfile.PrefixMapper()
memory = transport.get_transport_from_url("memory:///")
texts = [(k(e["key"]), [k(p) for p in e["parents"]], b"".join(base64.b64decode(l) for l in e["lines"])) for e in job["entries"]]
keys = [key for key, _, _ in texts]
if job["kind"] == "groupcompress":
    vf = groupcompress.make_pack_factory(True, False, job["keyLength"])(memory)
    vf.insert_record_stream([versionedfile.FulltextContentFactory(key, tuple(parents), None, text) for key, parents, text in texts])
    stream, fmt = vf.get_record_stream(keys, "groupcompress", False), RepositoryFormat2a()
else:
    vf = knit.make_file_factory(job["kind"] == "annotated", mapper)(memory)
    for key, parents, text in texts:
        vf.add_lines(key, parents, osutils.split_lines(text))
    stream, fmt = vf.get_record_stream(keys, "topological", job["closure"]), RepositoryFormatKnitPack1()
sys.stdout.buffer.write(b"".join(_stream_to_byte_stream([("texts", stream)], fmt)))
`;

interface BreezyRead {
  readonly format: string;
  readonly same_bytes: boolean;
  readonly substreams: { substream: string; kinds: string[]; records: [string[], string[][] | null, string][] }[];
}

type Kind = 'knit' | 'annotated' | 'groupcompress';

function store(kind: Kind, keyLength: 1 | 2): VersionedFiles {
  // Compat mode: the block headers are zlib-compressed as Breezy's are, so its re-encoding gives our bytes.
  if (kind === 'groupcompress') return makeGroupCompressPack(true, true, keyLength, { mode: 'compat' })(new MemoryTransport());
  return makeFileFactory(kind === 'annotated', keyLength === 1 ? new ConstantMapper('texts') : new PrefixMapper(), { keyLength })(new MemoryTransport());
}

async function expectedRecords(vf: VersionedFiles, keys: readonly Key[]): Promise<[Key, unknown, string | undefined][]> {
  const parents = await vf.getParentMap(keys);
  const sha1s = await vf.getSha1s(keys);
  return keys.map((k) => [k, parents.get(k), sha1s.get(k)]);
}

/** The history as one record stream (a groupcompress store packs a stream's texts into shared blocks). */
function historyRecords(history: History): ContentFactory[] {
  return history.entries.map((e) => new ChunkedContentFactory(e.key, e.parents, null, e.lines));
}

async function breezyReads(substreams: [string, AsyncIterable<ContentFactory> | ContentFactory[]][], format: string): Promise<{ read: BreezyRead; bytes: Uint8Array }> {
  const bytes = concatBytes(await collect(encodeByteStream(substreams, format)));
  const read = JSON.parse(new TextDecoder().decode(runPython(READ_OURS, { input: bytes }))) as BreezyRead;
  return { read, bytes };
}

describe('Breezy reads our byte streams', () => {
  for (const [name, kind, closure, ordering, format] of [
    ['knit records', 'knit', false, 'topological', FORMAT_KNITPACK],
    ['annotated knit records', 'annotated', false, 'topological', FORMAT_KNITPACK],
    ['a knit delta closure', 'knit', true, 'topological', FORMAT_KNITPACK],
    ['groupcompress blocks', 'groupcompress', false, 'groupcompress', FORMAT_2A],
  ] as const) {
    it(`${name}: same texts, parents and sha1s, check() passes, same bytes re-encoded (property)`, async () => {
      await fc.assert(
        fc.asyncProperty(arbHistory({ keyLength: 2, ghosts: true, maxTexts: 10 }), async (history: History) => {
          const vf = store(kind, 2);
          if (kind === 'groupcompress') await vf.insertRecordStream(historyRecords(history));
          else await applyHistory(vf, history, { graph: true });
          const keys = history.entries.map((e) => e.key);
          const seen: { key: Key; kind: string }[] = [];
          // Byte-encode each record as it passes (groupcompress records are lazy).
          const { read } = await breezyReads(
            [['texts', (async function* () {
              for await (const r of vf.getRecordStream(keys, ordering, closure)) {
                seen.push({ key: r.key, kind: r.storageKind });
                yield r;
              }
            })()]],
            format,
          );
          expect(read.format).toBe(format);
          expect(read.same_bytes).toBe(true);
          const [texts] = read.substreams;
          expect(texts?.kinds).toEqual(seen.map((r) => r.kind));
          expect(texts?.records).toEqual(await expectedRecords(vf, seen.map((r) => r.key)));
          if (kind === 'groupcompress') {
            // One stream insert makes one group: a block, then refs to it.
            expect(seen[0]?.kind).toBe('groupcompress-block');
            expect(seen.slice(1).every((r) => r.kind === 'groupcompress-block-ref')).toBe(true);
          }
        }),
        { numRuns: 3 },
      );
    });
  }

  it('fulltext and chunked records in several substreams, no-graph records, unicode keys', async () => {
    const texts = new MemoryVersionedFiles({ keyLength: 2 });
    await texts.addLines(['fé', 'r1'], [], [utf8('one\n')]);
    await texts.addLines(['fé', 'r2'], [['fé', 'r1'], ['fé', 'ghost']], [utf8('one\n'), utf8('two')]);
    const revisions = [
      new ChunkedContentFactory(['rev-1'], [], null, [utf8('revision '), utf8('one\n')]),
      new FulltextContentFactory(['rev-2'], [['rev-1']], null, utf8('')),
    ];
    const signatures = [new FulltextContentFactory(['rev-1'], null, null, utf8('signed\n'))];
    const { read } = await breezyReads(
      [
        ['texts', texts.getRecordStream([['fé', 'r1'], ['fé', 'r2']], 'topological', false)],
        ['revisions', revisions],
        ['signatures', signatures],
      ],
      FORMAT_2A,
    );
    expect(read.format).toBe(FORMAT_2A);
    expect(read.same_bytes).toBe(true);
    expect(read.substreams.map((s) => [s.substream, s.kinds])).toEqual([
      ['texts', ['fulltext', 'fulltext']],
      ['revisions', ['fulltext', 'fulltext']],
      ['signatures', ['fulltext']],
    ]);
    expect(read.substreams[0]?.records).toEqual(await expectedRecords(texts, [['fé', 'r1'], ['fé', 'r2']]));
    expect(read.substreams[1]?.records).toEqual([
      [['rev-1'], [], sha1Hex(utf8('revision one\n'))],
      [['rev-2'], [['rev-1']], sha1Hex(utf8(''))],
    ]);
    expect(read.substreams[2]?.records).toEqual([[['rev-1'], null, sha1Hex(utf8('signed\n'))]]);
  });
});

describe('we read the byte streams Breezy writes', () => {
  for (const [name, kind, closure, format] of [
    ['knit records', 'knit', false, FORMAT_KNITPACK],
    ['annotated knit records', 'annotated', false, FORMAT_KNITPACK],
    ['a knit delta closure', 'knit', true, FORMAT_KNITPACK],
    ['groupcompress blocks', 'groupcompress', false, FORMAT_2A],
  ] as const) {
    it(`${name} from random histories (property)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(1 as const, 2 as const), fc.nat(), async (keyLength, seed) => {
          const history = fc.sample(arbHistory({ keyLength, ghosts: true, maxTexts: 10 }), { numRuns: 1, seed })[0] as History;
          const job = {
            keyLength,
            kind,
            closure,
            entries: history.entries.map((e) => ({ key: e.key, parents: e.parents, lines: e.lines.map((l) => Buffer.from(l).toString('base64')) })),
          };
          const bytes = runPython(WRITE_STREAM, { input: JSON.stringify(job) });
          const reader = new ByteStreamReader([bytes]);
          expect(await reader.open()).toBe(format);
          const target = new MemoryVersionedFiles({ keyLength });
          await target.insertRecordStream((async function* () {
            for await (const { substream, record } of reader.records()) {
              expect(substream).toBe('texts');
              yield record;
            }
          })());
          const model = new MemoryVersionedFiles({ keyLength });
          await applyHistory(model, history, { graph: true });
          const keys = history.entries.map((e) => e.key);
          expect(await expectedRecords(target, keys)).toEqual(await expectedRecords(model, keys));
        }),
        { numRuns: 3 },
      );
    });
  }
});
