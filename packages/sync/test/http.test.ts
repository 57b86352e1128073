// Sync over HTTP on loopback: pull and push through RemoteVersionedFiles,
// delta reuse end to end, untrusted inserts (malformed, corrupt, oversized:
// typed errors, store unchanged), bad requests, abort and resume.
import { afterEach, describe, expect, it } from 'vitest';
import {
  FulltextContentFactory,
  MemoryVersionedFiles,
  collect,
  concatBytes,
  recordToNetworkBytes,
  utf8,
  type Key,
  type VersionedFiles,
} from '@versionedfiles/core';
import { bytesRecord, containerBegin, containerEnd } from '@versionedfiles/pack';
import { FORMAT_2A, RemoteError, encodeByteStream, RemoteVersionedFiles, serveVersionedFiles, syncVersionedFiles, type SyncServer } from '@versionedfiles/sync';
import { backends } from './backends.js';

const servers: SyncServer[] = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()?.close();
});

async function serve(store: VersionedFiles, limits = {}): Promise<SyncServer> {
  const server = await serveVersionedFiles(store, { limits });
  servers.push(server);
  return server;
}

async function linear(vf: VersionedFiles, n: number, prefix = 'r'): Promise<Key[]> {
  const keys: Key[] = [];
  const text: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    text.push(utf8(`${prefix} line ${i}\n`));
    const key = [`${prefix}${i}`];
    await vf.addLines(key, i === 0 ? [] : [keys[i - 1] as Key], text);
    keys.push(key);
  }
  return keys;
}

/** A fetch that counts requests, to bound them. */
function countingFetch(): { fetch: typeof fetch; count: () => number } {
  let n = 0;
  return { fetch: ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => (n++, fetch(input, init))) as typeof fetch, count: () => n };
}

async function sha1sOf(vf: VersionedFiles): Promise<Map<string, string>> {
  const keys = await vf.keys();
  return new Map([...(await vf.getSha1s(keys))].map(([k, v]) => [k.join('/'), v]));
}

function rawInsert(server: SyncServer, body: Uint8Array): Promise<Response> {
  return fetch(`${server.url}/insert`, { method: 'POST', body });
}

describe('sync over HTTP', () => {
  it('pulls a knit history into a knit store with its deltas, in a bounded number of requests', async () => {
    const source = await backends[1]!.open(1);
    const keys = await linear(source, 30);
    const server = await serve(source);
    const counter = countingFetch();
    const remote = await RemoteVersionedFiles.connect(server.url, { fetch: counter.fetch, limits: { maxKeysPerRequest: 10 } });
    expect(remote.keyLength).toBe(1);
    const target = await backends[1]!.open(1);
    const result = await syncVersionedFiles(remote, target, { batchSize: 10 });
    expect(result).toEqual({ wanted: 30, copied: 30 });
    expect(await sha1sOf(target)).toEqual(await sha1sOf(source));
    const kinds = new Set<string>();
    for await (const r of target.getRecordStream(keys, 'unordered', false)) kinds.add(r.storageKind);
    expect(kinds.has('knit-delta-gz')).toBe(true);
    // info + keys + 3 parent-map batches (graph) + 3 (compare) + 3 streams
    expect(counter.count()).toBeLessThanOrEqual(11);
  });

  it('pushes into a remote store, and a second push sends nothing', async () => {
    const source = await backends[3]!.open(2);
    for (const prefix of ['a', 'b']) {
      const text: Uint8Array[] = [];
      for (let i = 0; i < 5; i++) {
        text.push(utf8(`${prefix}${i}\n`));
        await source.addLines([prefix, `r${i}`], i === 0 ? [] : [[prefix, `r${i - 1}`]], text);
      }
    }
    const served = new MemoryVersionedFiles({ keyLength: 2 });
    const server = await serve(served);
    const remote = await RemoteVersionedFiles.connect(server.url);
    expect((await syncVersionedFiles(source, remote)).copied).toBe(10);
    expect(await sha1sOf(served)).toEqual(await sha1sOf(source));
    expect((await syncVersionedFiles(source, remote)).copied).toBe(0);
  });

  it('an aborted pull leaves the target consistent and resumes', async () => {
    const source = await backends[1]!.open(1);
    await linear(source, 20);
    const server = await serve(source);
    const remote = await RemoteVersionedFiles.connect(server.url);
    const target = await backends[3]!.open(1);
    const controller = new AbortController();
    await expect(
      syncVersionedFiles(remote, target, {
        batchSize: 4,
        signal: controller.signal,
        progress: (e) => e.phase === 'copy' && e.done === 7 && controller.abort(new Error('cut')),
      }),
    ).rejects.toMatchObject({ code: 'Aborted' });
    const partial = (await target.keys()).size;
    expect(partial).toBeGreaterThanOrEqual(6);
    expect(partial).toBeLessThan(20);
    await target.check();
    expect((await syncVersionedFiles(remote, target)).copied).toBe(20 - partial);
    expect(await sha1sOf(target)).toEqual(await sha1sOf(source));
  });

  describe('untrusted inserts leave the store unchanged', () => {
    const format = bytesRecord(utf8(FORMAT_2A));
    const good = (k: string) => recordToNetworkBytes(new FulltextContentFactory([k], [], null, utf8(`${k}\n`)));

    async function knitWire(): Promise<Uint8Array> {
      const knit = await backends[1]!.open(1);
      await knit.addLines(['k'], [], [utf8('knit text\n')]);
      for await (const r of knit.getRecordStream([['k']], 'unordered', false)) return recordToNetworkBytes(r);
      throw new Error('no record');
    }

    const cases: [string, () => Promise<Uint8Array>, number, string][] = [
      ['junk', async () => utf8('this is not a byte stream'), 400, 'BadContainerFormat'],
      ['a truncated container', async () => concatBytes([containerBegin(), format, bytesRecord(good('a'), [['texts']])]), 400, 'ContainerTruncated'],
      [
        'an unknown kind after a good record',
        async () => concatBytes([containerBegin(), format, bytesRecord(good('a'), [['texts']]), bytesRecord(utf8('mystery\nxx'), [['texts']]), containerEnd()]),
        400,
        'NetworkRecordCorrupt',
      ],
      [
        'a corrupt knit record after a good one',
        async () => {
          const wire = (await knitWire()).slice();
          wire[wire.length - 12] = (wire[wire.length - 12] as number) ^ 0xff;
          return concatBytes([containerBegin(), format, bytesRecord(good('a'), [['texts']]), bytesRecord(wire, [['texts']]), containerEnd()]);
        },
        400,
        'KnitCorrupt',
      ],
      [
        'a delta whose basis nobody has',
        async () => {
          const knit = await backends[1]!.open(1);
          const base = Array.from({ length: 50 }, (_, i) => utf8(`a long enough line number ${i}\n`));
          await knit.addLines(['base'], [], base);
          await knit.addLines(['child'], [['base']], [...base, utf8('one more\n')]);
          const parts = [containerBegin(), format, bytesRecord(good('a'), [['texts']])];
          for await (const r of knit.getRecordStream([['child']], 'unordered', false)) {
            expect(r.storageKind).toBe('knit-delta-gz');
            parts.push(bytesRecord(recordToNetworkBytes(r), [['texts']]));
          }
          parts.push(containerEnd());
          return concatBytes(parts);
        },
        400,
        'RevisionNotPresent',
      ],
      [
        'a record over the size limit',
        async () => concatBytes([containerBegin(), format, bytesRecord(good('a'), [['texts']]), bytesRecord(recordToNetworkBytes(new FulltextContentFactory(['big'], [], null, new Uint8Array(5000))), [['texts']]), containerEnd()]),
        413,
        'LimitExceeded',
      ],
      ['another substream', async () => concatBytes([containerBegin(), format, bytesRecord(good('a'), [['revisions']]), containerEnd()]), 400, 'BadRequest'],
    ];
    for (const [name, body, status, code] of cases) {
      it(name, async () => {
        const store = new MemoryVersionedFiles({ keyLength: 1 });
        await store.addLines(['old'], [], [utf8('old\n')]);
        const server = await serve(store, { maxRecordBytes: 1000 });
        const res = await rawInsert(server, await body());
        expect(res.status).toBe(status);
        expect(((await res.json()) as { code: string }).code).toBe(code);
        expect([...(await store.keys())]).toEqual([['old']]);
      });
    }

    it('a stream whose deltas expand past the inflated-bytes limit', async () => {
      const knit = await backends[1]!.open(1);
      const base = Array.from({ length: 200 }, (_, i) => utf8(`line ${i} of a text that deltas keep small on the wire\n`));
      const keys = [];
      for (let i = 0; i < 20; i++) {
        keys.push([`r${i}`]);
        await knit.addLines([`r${i}`], i === 0 ? [] : [[`r${i - 1}`]], [...base, utf8(`edit ${i}\n`)]);
      }
      const wire = concatBytes(await collect(encodeByteStream([['texts', knit.getRecordStream(keys, 'topological', false)]], FORMAT_2A)));
      const store = new MemoryVersionedFiles({ keyLength: 1 });
      const server = await serve(store, { maxInflatedBytes: 100_000 });
      // The stream is small, the texts it builds are not.
      expect(wire.length).toBeLessThan(20_000);
      const res = await rawInsert(server, wire);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { code: string }).code).toBe('LimitExceeded');
      expect((await store.keys()).size).toBe(0);
    });

    it('the client reports them as RemoteError', async () => {
      const server = await serve(new MemoryVersionedFiles({ keyLength: 1 }), { maxRecordBytes: 100 });
      const remote = await RemoteVersionedFiles.connect(server.url);
      const err = await remote.insertRecordStream([new FulltextContentFactory(['big'], [], null, new Uint8Array(500))]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteError);
      expect(err).toMatchObject({ data: { status: 413, remoteCode: 'LimitExceeded' } });
    });
  });

  it('refuses bad requests with typed errors', async () => {
    const server = await serve(new MemoryVersionedFiles({ keyLength: 1 }), { maxKeysPerRequest: 2 });
    const post = (path: string, body: string) => fetch(`${server.url}${path}`, { method: 'POST', body });
    const codes = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];
    expect(await codes(await post('/parent-map', 'not json'))).toEqual([400, 'BadRequest']);
    expect(await codes(await post('/parent-map', '{"keys": [["a"], ["b"], ["c"]]}'))).toEqual([400, 'BadRequest']);
    expect(await codes(await post('/parent-map', '{"keys": [["a", "b"]]}'))).toEqual([400, 'InvalidKey']);
    expect(await codes(await post('/stream', '{"keys": [["a"]], "ordering": "sideways"}'))).toEqual([400, 'BadRequest']);
    expect(await codes(await fetch(`${server.url}/nowhere`))).toEqual([404, 'NotFound']);
    // Absent keys come back as a stream the client refuses to insert, not a crash.
    const remote = await RemoteVersionedFiles.connect(server.url);
    const records = remote.getRecordStream([['missing']], 'unordered', false);
    await expect(records.next()).rejects.toMatchObject({ code: 'StreamInterrupted' });
  });
});
