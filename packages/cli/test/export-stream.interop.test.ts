// `vf export-stream` heads each stream with the network name of the Breezy
// repository format its store matches (2a, pack-0.92, Knit1, weave format 7),
// and both readers take it: ours names the same format and its records give
// every text; Breezy's `_byte_stream_to_stream` resolves the name to that
// repository format and decodes every record to the texts we stored.
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryVersionedFiles, fromUtf8 } from '@versionedfiles/core';
import { ByteStreamReader, FORMAT_2A, FORMAT_KNIT, FORMAT_KNITPACK, FORMAT_WEAVE } from '@versionedfiles/sync';
import { runPython } from '../../../test-fixtures/support/breezy.js';
import { BUILD_TIMEOUT, buildCli, removeTempDirs, tempDir, vf } from './helpers.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
beforeAll(() => buildCli(), BUILD_TIMEOUT);
afterAll(() => removeTempDirs());

// Records are inserted into a Breezy store while the stream is on them (knit deltas need their basis,
// groupcompress records are lazy), then read back as fulltexts.
const READ = String.raw`
import json, sys
from breezy import transport
from breezy.bzr import groupcompress, knit
from breezy.bzr.smart.repository import _byte_stream_to_stream
import breezy.plugins.weave_fmt
data = sys.stdin.buffer.read()
fmt, stream = _byte_stream_to_stream(iter([data]))
target, keys, kinds = None, [], set()
for name, records in stream:
    for r in records:
        kinds.add(r.storage_kind)
        if target is None:
            make = groupcompress.make_pack_factory if r.storage_kind.startswith("groupcompress") else knit.make_pack_factory
            target = make(True, True, 1)(transport.get_transport_from_url("memory:///"))
        target.insert_record_stream([r])
        keys.append(r.key)
texts = {}
for r in target.get_record_stream(keys, "unordered", True):
    texts[b"/".join(r.key).decode()] = r.get_bytes_as("fulltext").decode()
print(json.dumps({"format": type(fmt).__name__, "network_name": fmt.network_name().decode(), "kinds": sorted(kinds), "texts": texts}))
`;

const CASES = [
  ['groupcompress', FORMAT_2A, 'RepositoryFormat2a'],
  ['knit-pack', FORMAT_KNITPACK, 'RepositoryFormatKnitPack1'],
  ['knit', FORMAT_KNIT, 'RepositoryFormatKnit1'],
  ['weave', FORMAT_WEAVE, 'RepositoryFormat7'],
] as const;

const R1 = 'one\ntwo\n';
const R2 = 'one\nTWO\nthree';
const TEXTS: Record<string, string> = { r1: R1, r2: R2 };

describe.each(CASES)('vf export-stream from a %s store', (format, networkName, breezyFormat) => {
  let stream: Uint8Array = new Uint8Array();
  beforeAll(() => {
    const dir = nodePath.join(tempDir('export'), 's');
    expect(vf(['init', dir, '--format', format]).code).toBe(0);
    expect(vf(['add', 'r1', '-s', dir], { input: R1 }).code).toBe(0);
    expect(vf(['add', 'r2', '-p', 'r1', '-s', dir], { input: R2 }).code).toBe(0);
    const run = vf(['export-stream', '-s', dir]);
    expect(run.code, run.stderr).toBe(0);
    stream = run.stdoutBytes;
  });

  it('is headed by the network name of the matching Breezy format, and our reader takes it', async () => {
    const reader = new ByteStreamReader([stream]);
    expect(await reader.open()).toBe(networkName);
    // Knit deltas need their basis: insert into a store, then read fulltexts back.
    const target = new MemoryVersionedFiles({ keyLength: 1 });
    await target.insertRecordStream((async function* () {
      for await (const { record } of reader.records()) yield record;
    })());
    const texts: Record<string, string> = {};
    for await (const record of target.getRecordStream([...(await target.keys())], 'unordered', true)) texts[record.key.join('/')] = fromUtf8(record.getBytesAs('fulltext'));
    expect(texts).toEqual(TEXTS);
  });

  it("is read by Breezy's _byte_stream_to_stream as that repository format", () => {
    const out = JSON.parse(fromUtf8(runPython(READ, { input: stream }))) as { format: string; network_name: string; texts: Record<string, string> };
    expect(out.format).toBe(breezyFormat);
    expect(out.network_name).toBe(networkName);
    expect(out.texts).toEqual(TEXTS);
  });
});
