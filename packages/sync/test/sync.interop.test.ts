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
import { ByteStreamReader, FORMAT_2A, FORMAT_KNITPACK, encodeByteStream } from '@versionedfiles/sync';
import { runPython } from '../../../test-fixtures/support/breezy.js';

const READ_OURS = String.raw`
import json, sys
from breezy import osutils, transport
from breezy.bzr import knit, versionedfile
from breezy.bzr.smart.repository import _byte_stream_to_stream, _stream_to_byte_stream
data = sys.stdin.buffer.read()
fmt, stream = _byte_stream_to_stream(iter([data[i:i + 1000] for i in range(0, len(data), 1000)]))
out = {"format": fmt.network_name().decode(), "substreams": []}
collected = []
for name, records in stream:
    records = list(records)
    collected.append((name, records))
    graph = all(r.parents is not None for r in records)
    target = knit.make_pack_factory(graph, graph, len(records[0].key))(transport.get_transport_from_url("memory:///"))
    target.insert_record_stream(records)
    target.check()
    keys = [r.key for r in records]
    sha1s = target.get_sha1s(keys)
    parents = target.get_parent_map(keys)
    dec = lambda key: [e.decode("utf-8") for e in key]
    out["substreams"].append({
        "substream": name,
        "kinds": [r.storage_kind for r in records],
        "records": [[dec(k), None if parents[k] is None else [dec(p) for p in parents[k]], sha1s[k].decode()] for k in keys],
    })
again = b"".join(_stream_to_byte_stream(collected, fmt))
out["same_bytes"] = again == data
print(json.dumps(out))
`;

const WRITE_STREAM = String.raw`
import base64, json, sys
from breezy import transport
from breezy.bzr import knit, versionedfile
from breezy.bzr.knitpack_repo import RepositoryFormatKnitPack1
from breezy.bzr.smart.repository import _stream_to_byte_stream
job = json.load(sys.stdin)
k = lambda key: tuple(e.encode("utf-8") for e in key)
mapper = versionedfile.ConstantMapper("texts") if job["keyLength"] == 1 else versionedfile.PrefixMapper()
vf = knit.make_file_factory(job["annotated"], mapper)(transport.get_transport_from_url("memory:///"))
for e in job["entries"]:
    vf.add_lines(k(e["key"]), [k(p) for p in e["parents"]], [base64.b64decode(l) for l in e["lines"]])
keys = [k(e["key"]) for e in job["entries"]]
stream = vf.get_record_stream(keys, "topological", job["closure"])
sys.stdout.buffer.write(b"".join(_stream_to_byte_stream([("texts", stream)], RepositoryFormatKnitPack1())))
`;

interface BreezyRead {
  readonly format: string;
  readonly same_bytes: boolean;
  readonly substreams: { substream: string; kinds: string[]; records: [string[], string[][] | null, string][] }[];
}

function knitStore(annotated: boolean, keyLength: 1 | 2): VersionedFiles {
  return makeFileFactory(annotated, keyLength === 1 ? new ConstantMapper('texts') : new PrefixMapper(), { keyLength })(new MemoryTransport());
}

async function expectedRecords(vf: VersionedFiles, keys: readonly Key[]): Promise<[Key, unknown, string | undefined][]> {
  const parents = await vf.getParentMap(keys);
  const sha1s = await vf.getSha1s(keys);
  return keys.map((k) => [k, parents.get(k), sha1s.get(k)]);
}

async function breezyReads(substreams: [string, AsyncIterable<ContentFactory> | ContentFactory[]][], format: string): Promise<{ read: BreezyRead; bytes: Uint8Array }> {
  const bytes = concatBytes(await collect(encodeByteStream(substreams, format)));
  const read = JSON.parse(new TextDecoder().decode(runPython(READ_OURS, { input: bytes }))) as BreezyRead;
  return { read, bytes };
}

describe('Breezy reads our byte streams', () => {
  for (const [name, annotated, closure] of [
    ['knit records', false, false],
    ['annotated knit records', true, false],
    ['a knit delta closure', false, true],
  ] as const) {
    it(`${name}: same texts, parents and sha1s, check() passes, same bytes re-encoded (property)`, async () => {
      await fc.assert(
        fc.asyncProperty(arbHistory({ keyLength: 2, ghosts: true, maxTexts: 10 }), async (history: History) => {
          const vf = knitStore(annotated, 2);
          await applyHistory(vf, history, { graph: true });
          const keys = history.entries.map((e) => e.key);
          const records = await collect(vf.getRecordStream(keys, 'topological', closure));
          const { read } = await breezyReads([['texts', records]], FORMAT_KNITPACK);
          expect(read.format).toBe(FORMAT_KNITPACK);
          expect(read.same_bytes).toBe(true);
          const [texts] = read.substreams;
          expect(texts?.kinds).toEqual(records.map((r) => r.storageKind));
          const ordered = records.map((r) => r.key);
          expect(texts?.records).toEqual(await expectedRecords(vf, ordered));
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
  for (const [name, annotated, closure] of [
    ['knit records', false, false],
    ['annotated knit records', true, false],
    ['a knit delta closure', false, true],
  ] as const) {
    it(`${name} from random histories (property)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(1 as const, 2 as const), fc.nat(), async (keyLength, seed) => {
          const history = fc.sample(arbHistory({ keyLength, ghosts: true, maxTexts: 10 }), { numRuns: 1, seed })[0] as History;
          const job = {
            keyLength,
            annotated,
            closure,
            entries: history.entries.map((e) => ({ key: e.key, parents: e.parents, lines: e.lines.map((l) => Buffer.from(l).toString('base64')) })),
          };
          const bytes = runPython(WRITE_STREAM, { input: JSON.stringify(job) });
          const reader = new ByteStreamReader([bytes]);
          expect(await reader.open()).toBe(FORMAT_KNITPACK);
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
