// Knit pack records deflated on a worker and written behind addLines: the
// same bytes as deflating on the calling thread, readable at once, nothing
// lost when the worker is given up.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { DEFLATE_PIECE_BYTES, MemoryTransport, RevisionAlreadyPresent, bytesEqual, compatZlib, concatBytes, fastZlib, gzipChunks, sha1Hex, splitLines, utf8 } from '@versionedfiles/core';
import type { ContentFactory, Key, ZlibCodec } from '@versionedfiles/core';
import { KnitPackAccess, KnitPackIndex, KnitPackVersionedFiles, makePackFactory } from '../src/index.js';
import { RecordDeflater } from '../src/store/record-deflater.js';
import type { RecordDeflaterOptions } from '../src/store/record-deflater.js';
import type { KnitIndex } from '../src/store/types.js';
import { WriteBehind } from '../src/store/write-behind.js';

interface Insert {
  readonly key: Key;
  readonly parents: Key[];
  readonly text: Uint8Array;
}

/** A knit pack store with write-behind on `options` (the worker starts at once unless told otherwise). */
async function storeWith(t: MemoryTransport, codec: ZlibCodec, options: RecordDeflaterOptions | null): Promise<KnitPackVersionedFiles> {
  const access = new KnitPackAccess(t, 'newpack');
  await access.begin();
  const index = new KnitPackIndex({ graph: true, deltas: true }, 2, 'newpack');
  const writeBehind = options === null ? null : WriteBehind.forPack(index, access, codec, options);
  if (writeBehind !== null) await loadedWorker(writeBehind.deflater);
  return new KnitPackVersionedFiles(index, access, t, {
    keyLength: 2,
    annotated: false,
    maxDeltaChain: 200,
    zlib: codec,
    ...(writeBehind === null ? {} : { writeBehind }),
  });
}

/** Starts the deflater's worker and waits until it takes records. */
async function loadedWorker(deflater: RecordDeflater): Promise<void> {
  deflater.start();
  for (let tries = 0; !deflater.loaded; tries++) {
    if (tries > 300) throw new Error('the worker did not load');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Versions of a few files, interleaved as a release history is: each a line or two changed from its parent. */
function history(files: number, versions: number, lineBytes = 40): Insert[] {
  const out: Insert[] = [];
  const latest = new Map<number, { key: Key; lines: string[] }>();
  for (let v = 0; v < versions; v++) {
    for (let f = 0; f < files; f++) {
      if ((v + f) % 3 === 1) continue;
      const prev = latest.get(f);
      const lines = prev ? prev.lines.slice() : Array.from({ length: 200 }, (_, i) => `file ${f} line ${i} `.padEnd(lineBytes, 'x'));
      lines[(v * 7 + f) % lines.length] = `changed in ${v} `.padEnd(lineBytes, 'y');
      if (v % 4 === 0) lines.push(`added in ${v}`);
      const key: Key = [`f${f}`, `v${v}`];
      out.push({ key, parents: prev ? [prev.key] : [], text: utf8(lines.join('\n') + (f % 2 === 0 ? '\n' : '')) });
      latest.set(f, { key, lines });
    }
  }
  return out;
}

/** `length` bytes of lines of sha1 hex digests of `seed` and a counter: text that deflates to about half. */
function noiseLines(length: number, seed: number): Uint8Array {
  const lines: Uint8Array[] = [];
  for (let at = 0, n = 0; at < length; n++) {
    const line = utf8(`${sha1Hex(utf8(`${seed}:${n}`))}\n`);
    lines.push(line.subarray(0, length - at));
    at += line.length;
  }
  return concatBytes(lines);
}

/** Versions of noisy files, each changing a few lines of its parent: deltas pile up until a fulltext is cheaper. */
function noisyHistory(files: number, versions: number): Insert[] {
  const out: Insert[] = [];
  const latest = new Map<number, { key: Key; lines: Uint8Array[] }>();
  for (let v = 0; v < versions; v++) {
    for (let f = 0; f < files; f++) {
      const prev = latest.get(f);
      const lines = prev ? prev.lines.slice() : splitLines(noiseLines(41 * 200, 100 + f));
      for (let c = 0; c < 4; c++) lines[(v * 31 + c * 53 + f) % lines.length] = noiseLines(41, 1000 * v + 10 * c + f);
      const key: Key = [`n${f}`, `v${v}`];
      out.push({ key, parents: prev ? [prev.key] : [], text: concatBytes(lines) });
      latest.set(f, { key, lines });
    }
  }
  return out;
}

async function packBytes(inserts: readonly Insert[], codec: ZlibCodec, options: RecordDeflaterOptions | null): Promise<{ pack: Uint8Array; index: Uint8Array; answered: number }> {
  const t = new MemoryTransport();
  const vf = await storeWith(t, codec, options);
  for (const i of inserts) await vf.addLines(i.key, i.parents, splitLines(i.text));
  const answered = (vf.options.writeBehind?.deflater.answered ?? 0);
  const files = await vf.finish();
  return { pack: await t.get(files.pack), index: await t.get(files.index), answered };
}

async function collect(stream: AsyncIterable<ContentFactory>): Promise<ContentFactory[]> {
  const out: ContentFactory[] = [];
  for await (const record of stream) out.push(record);
  return out;
}

describe('knit pack write-behind', () => {
  for (const [name, codec] of [
    ['fast', fastZlib],
    ['compat', compatZlib],
  ] as const) {
    it(`writes the same pack and index as deflating here (${name} codec)`, async () => {
      const inserts = history(6, 40);
      const here = await packBytes(inserts, codec, null);
      const behind = await packBytes(inserts, codec, {});
      expect(behind.answered).toBeGreaterThan(inserts.length / 2);
      expect(bytesEqual(behind.pack, here.pack)).toBe(true);
      expect(bytesEqual(behind.index, here.index)).toBe(true);
    });
  }

  it('the same bytes whatever the ring size: texts refused, placed at its front, wrapped around', async () => {
    const inserts = history(4, 24, 30);
    const here = await packBytes(inserts, fastZlib, null);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 4 * 1024, max: 200 * 1024 }), async (ringBytes) => {
        const behind = await packBytes(inserts, fastZlib, { ringBytes });
        expect(bytesEqual(behind.pack, here.pack)).toBe(true);
        expect(bytesEqual(behind.index, here.index)).toBe(true);
      }),
      { numRuns: 8 },
    );
  });

  it('a fast-mode text too big for the worker is deflated on the thread pool, the records after it queue, and writing waits only for their own members', async () => {
    const big: Insert = { key: ['big', 'v1'], parents: [], text: utf8(Array.from({ length: 30000 }, (_, i) => `bundled line ${i}`).join('\n')) };
    const inserts = [big, ...history(3, 10)];
    const here = await packBytes(inserts, fastZlib, null);
    const t = new MemoryTransport();
    const vf = await storeWith(t, fastZlib, { ringBytes: 64 * 1024 });
    const writeBehind = vf.options.writeBehind as WriteBehind;
    for (const i of inserts) await vf.addLines(i.key, i.parents, splitLines(i.text));
    // No macrotask has run, so the pool's member is not back: nothing is
    // written, yet every delta-or-fulltext choice was made (from the queue).
    expect(writeBehind.queued).toBe(inserts.length);
    const child = inserts.find((i) => i.parents.length > 0) as Insert;
    expect((await vf.getParentMap([child.key, big.key])).get(child.key)).toEqual(child.parents);
    expect(writeBehind.queued).toBe(inserts.length);
    const links = await Promise.all([big.key, child.key].map((key) => writeBehind.queuedLink(key)));
    const files = await vf.finish();
    expect(writeBehind.queued).toBe(0);
    expect(await writeBehind.queuedLink(big.key)).toBeUndefined();
    // What the queue said is what the index says once the records are in.
    const details = await vf.index.getBuildDetails([big.key, child.key]);
    expect(links).toEqual([big.key, child.key].map((key) => ({ compressionParent: details.get(key)?.compressionParent, size: details.get(key)?.memo.size })));
    expect(links[1]?.compressionParent).toEqual(child.parents[0]);
    expect(bytesEqual(await t.get(files.pack), here.pack)).toBe(true);
    expect(bytesEqual(await t.get(files.index), here.index)).toBe(true);
  });

  for (const [name, codec] of [
    ['fast', fastZlib],
    ['compat', compatZlib],
  ] as const) {
    it(`chooses delta or fulltext as deflating here does while the worker lags, by size bounds or taking records back (${name} codec)`, async () => {
      // A text that keeps the worker busy, then files whose deltas pile up
      // until a fulltext is cheaper: the choices are made with members
      // still being deflated.
      const busy: Insert = { key: ['busy', 'v0'], parents: [], text: noiseLines(3 * 1024 * 1024, 1) };
      const inserts = [busy, ...noisyHistory(3, 60)];
      const here = await packBytes(inserts, codec, null);
      const t = new MemoryTransport();
      const vf = await storeWith(t, codec, {});
      const writeBehind = vf.options.writeBehind as WriteBehind;
      const bounded = vi.spyOn(writeBehind, 'queuedLinkNow');
      const takeBack = vi.spyOn(writeBehind.deflater, 'takeBack');
      const submit = vi.spyOn(writeBehind.deflater, 'submit');
      for (const i of inserts) await vf.addLines(i.key, i.parents, splitLines(i.text));
      const files = await vf.finish();
      // The worker skipped the records taken back (an answer out of turn would have ended its use).
      const sent = submit.mock.results.filter(({ value }) => value !== null).length;
      const takenBack = takeBack.mock.results.filter(({ value }) => value !== null).length;
      expect(writeBehind.deflater.answered).toBe(sent - takenBack);
      expect(bytesEqual(await t.get(files.pack), here.pack)).toBe(true);
      expect(bytesEqual(await t.get(files.index), here.index)).toBe(true);
      // Both ways of not waiting were taken, and chains did end in new fulltexts.
      expect(bounded.mock.results.some(({ value }) => value !== undefined && value.least < value.most)).toBe(true);
      expect(takenBack).toBeGreaterThan(0);
      const details = await vf.index.getBuildDetails(inserts.map((i) => i.key));
      expect([...details.values()].filter((d) => d.compressionParent === null).length).toBeGreaterThan(3 + 1);
    });
  }

  it("a delta deflated on the thread pool is the caller's lines as they were when added, whatever the caller does to them after", async () => {
    const vf = await makePackFactory(true, true, 1)(new MemoryTransport());
    await vf.addLines(['base'], [], [utf8('first\n'), utf8('last\n')]);
    // A line holding a whole deflate piece: a piece that lies in one chunk is a view of it.
    const long = new Uint8Array(2 * DEFLATE_PIECE_BYTES + 1000).fill(0x61);
    long[long.length - 1] = 0x0a;
    const lines = [utf8('first\n'), long, utf8('last\n')];
    const expected = concatBytes(lines);
    await vf.addLines(['next'], [['base']], lines);
    long.fill(0x62, 0, long.length - 1);
    expect((await vf.index.getBuildDetails([['next']])).get(['next'])?.method).toBe('line-delta');
    const [record] = await collect(vf.getRecordStream([['next']], 'unordered', true));
    expect(bytesEqual(record?.getBytesAs('fulltext') as Uint8Array, expected)).toBe(true);
    await vf.finish();
  });

  it('a key written while the index is asked about other keys is still found', async () => {
    const t = new MemoryTransport();
    const access = new KnitPackAccess(t, 'newpack');
    await access.begin();
    const index = new KnitPackIndex({ graph: true, deltas: true }, 1, 'newpack');
    // An index that answers once the flush below has written everything.
    let written: Promise<void> = Promise.resolve();
    const slow: KnitIndex = {
      hasGraph: true,
      getBuildDetails: (keys) => index.getBuildDetails(keys),
      getParentMap: async (keys) => {
        await written;
        return index.getParentMap(keys);
      },
      keys: () => index.keys(),
      addRecords: (records, options) => index.addRecords(records, options),
      missingCompressionParents: () => index.missingCompressionParents(),
    };
    const writeBehind = WriteBehind.forPack(slow, access, fastZlib, { ringBytes: 64 * 1024 }) as WriteBehind;
    // Too big for the worker: its member comes from the thread pool, so no write happens before a macrotask.
    const text = utf8('a line of a big text\n'.repeat(5000));
    await writeBehind.add({ key: ['big'], options: ['fulltext'], parents: [] }, {}, [text], text.length);
    expect(writeBehind.queued).toBe(1);
    written = writeBehind.flush();
    const map = await writeBehind.index.getParentMap([['big'], ['absent']]);
    expect(writeBehind.queued).toBe(0);
    expect(map.get(['big'])).toEqual([]);
    expect(map.has(['absent'])).toBe(false);
    await writeBehind.close();
  });

  it('answers for records still queued: parents, keys, texts, annotations', async () => {
    const t = new MemoryTransport();
    const vf = await storeWith(t, fastZlib, {});
    const inserts = history(3, 12);
    for (const i of inserts) await vf.addLines(i.key, i.parents, splitLines(i.text));
    const writeBehind = vf.options.writeBehind as WriteBehind;
    // Reads below find every key whether or not it has been written yet.
    const last = inserts[inserts.length - 1] as Insert;
    expect((await vf.getParentMap([last.key])).get(last.key)).toEqual(last.parents);
    expect((await vf.keys()).size).toBe(inserts.length);
    expect(writeBehind.queued).toBe(0);
    const texts = new Map<string, Uint8Array>();
    for await (const r of vf.getRecordStream(inserts.map((i) => i.key), 'unordered', true)) texts.set(r.key.join('/'), r.getBytesAs('fulltext'));
    for (const i of inserts) expect(bytesEqual(texts.get(i.key.join('/')) as Uint8Array, i.text)).toBe(true);
    const annotated = await vf.annotate(last.key);
    expect(annotated.length).toBe(splitLines(last.text).length);
    await vf.finish();
  });

  it('a key added again while its record is queued is refused as present', async () => {
    const t = new MemoryTransport();
    const vf = await storeWith(t, fastZlib, {});
    const inserts = history(2, 6);
    for (const i of inserts) await vf.addLines(i.key, i.parents, splitLines(i.text));
    const first = inserts[0] as Insert;
    await expect(vf.addLines(first.key, first.parents, splitLines(first.text))).rejects.toBeInstanceOf(RevisionAlreadyPresent);
    await vf.finish();
  });

  it('the factory uses it by default, and deflateWorker: false turns it off', async () => {
    const on = await makePackFactory(true, true, 2)(new MemoryTransport());
    const off = await makePackFactory(true, true, 2, { deflateWorker: false })(new MemoryTransport());
    expect(on.options.writeBehind).toBeInstanceOf(WriteBehind);
    expect(off.options.writeBehind).toBeUndefined();
    // A codec no worker can run (not one of core's) is deflated here.
    const custom = await makePackFactory(true, true, 2, { zlib: { ...fastZlib } })(new MemoryTransport());
    expect(custom.options.writeBehind).toBeUndefined();
    await Promise.all([on.finish(), off.finish(), custom.finish()]);
  });
});

describe('RecordDeflater', () => {
  const texts = Array.from({ length: 40 }, (_, i) => utf8(`record ${i}\n`.repeat(50 + i * 13)));

  async function loaded(options: RecordDeflaterOptions = {}): Promise<RecordDeflater> {
    const deflater = RecordDeflater.forCodec(fastZlib, options) as RecordDeflater;
    await loadedWorker(deflater);
    return deflater;
  }

  it('closing while the worker deflates ends it between jobs: the process lives (terminating it inside zlib aborted Node 20)', () => {
    // Before the worker was asked to leave rather than terminated, the
    // child aborted ("close before init") in one run of two at 60 rounds,
    // and a loop like it in four of four at 100; it makes 120.
    const child = spawnSync(process.execPath, [fileURLToPath(new URL('./close-while-deflating.child.mjs', import.meta.url))], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.signal).toBeNull();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('lived');
  }, 130_000);

  it('a process that exits while its unclosed deflaters deflate lives through its exit (workers are not ended inside zlib)', async () => {
    // Before core's JobGate held the exit until each worker's job was done,
    // about one child in ten aborted ("close before init"); none of 120 after.
    const script = fileURLToPath(new URL('./exit-while-deflating.child.mjs', import.meta.url));
    const cwd = fileURLToPath(new URL('../../..', import.meta.url));
    const run = (how: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script, how], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal, stderr }));
      });
    const outcomes = [];
    for (let i = 0; i < 12; i++) outcomes.push(...(await Promise.all([run('exit'), run('natural')])));
    expect(outcomes.filter((o) => o.code !== 0 || o.signal !== null || o.stderr !== '')).toEqual([]);
  }, 120_000);

  it('starts its worker only once startAfterBytes have been offered, and deflates nothing before it loads', () => {
    const deflater = RecordDeflater.forCodec(fastZlib, { startAfterBytes: 100 }) as RecordDeflater;
    const text = utf8('x\n'.repeat(30));
    expect(deflater.submit([text], text.length)).toBeNull();
    expect(deflater.loaded).toBe(false);
    // The second offer passes 100 bytes and starts the worker, which has not loaded yet.
    expect(deflater.submit([text], text.length)).toBeNull();
    return deflater.close();
  });

  it("answers in order with the members this thread's gzipChunks makes", async () => {
    const deflater = await loaded();
    const ids = texts.map((t) => deflater.submit([t.subarray(0, 7), t.subarray(7)], t.length));
    expect(ids.every((id) => id !== null)).toBe(true);
    expect(deflater.pending).toBe(texts.length);
    for (const [i, t] of texts.entries()) {
      const reply = deflater.wait();
      expect(reply?.id).toBe(ids[i]);
      expect(bytesEqual(reply?.member as Uint8Array, gzipChunks([t], fastZlib))).toBe(true);
    }
    expect(deflater.answered).toBe(texts.length);
    expect(deflater.wait()).toBeNull();
    await deflater.close();
  });

  it('gives a record back to be deflated here when the worker has not started it, and skips it', async () => {
    const deflater = await loaded();
    const busy = noiseLines(2 * 1024 * 1024, 3);
    const small = texts.slice(0, 3);
    const busyId = deflater.submit([busy], busy.length);
    const ids = small.map((t) => deflater.submit([t], t.length));
    const last = ids[2] as number;
    // Behind two megabytes of text, the last one is still waiting: made here, at once.
    const reply = deflater.takeBack(last);
    expect(reply?.id).toBe(last);
    expect(bytesEqual(reply?.member as Uint8Array, gzipChunks([small[2] as Uint8Array], fastZlib))).toBe(true);
    expect(deflater.takeBack(last)).toBeNull();
    expect(deflater.pending).toBe(3);
    for (const [id, text] of [[busyId, busy], [ids[0], small[0]], [ids[1], small[1]]] as const) {
      const next = deflater.wait();
      expect(next?.id).toBe(id);
      expect(bytesEqual(next?.member as Uint8Array, gzipChunks([text as Uint8Array], fastZlib))).toBe(true);
    }
    // Answered: nothing left to take back, and the worker still takes records.
    expect(deflater.takeBack(ids[0] as number)).toBeNull();
    expect(deflater.wait()).toBeNull();
    expect(deflater.answered).toBe(3);
    const again = deflater.submit([small[0] as Uint8Array], (small[0] as Uint8Array).length);
    expect(deflater.wait()?.id).toBe(again);
    await deflater.close();
  });

  it('closed with texts in flight, makes their members here; refuses texts after', async () => {
    const deflater = await loaded();
    const ids = texts.map((t) => deflater.submit([t], t.length));
    await deflater.close();
    for (const [i, t] of texts.entries()) {
      const reply = deflater.take();
      expect(reply?.id).toBe(ids[i]);
      expect(bytesEqual(reply?.member as Uint8Array, gzipChunks([t], fastZlib))).toBe(true);
    }
    expect(deflater.take()).toBeNull();
    expect(deflater.submit([texts[0] as Uint8Array], (texts[0] as Uint8Array).length)).toBeNull();
  });

  it('refuses what does not fit: a text over a quarter of the ring, and a full ring', async () => {
    const deflater = await loaded({ ringBytes: 4096 });
    expect(deflater.submit([new Uint8Array(1025)], 1025)).toBeNull();
    let taken = 0;
    while (deflater.submit([new Uint8Array(1000)], 1000) !== null) taken++;
    // Four fit: room comes back only as replies are taken.
    expect(taken).toBe(4);
    for (let reply = deflater.wait(); reply !== null; reply = deflater.wait()) expect(reply.member.length).toBeGreaterThan(18);
    expect(deflater.pending).toBe(0);
    await deflater.close();
  });

  it('takes no worker for a codec it cannot name', () => {
    expect(RecordDeflater.forCodec({ ...fastZlib })).toBeNull();
  });
});
