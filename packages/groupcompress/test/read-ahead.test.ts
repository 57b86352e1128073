// Reading ahead: batches are taken in order, each started once, within the
// budget of bytes past the one taken (at least one), or at once when asked;
// a failed batch fails when taken, never before and never unhandled; a store
// stream gives the same texts with it, starts its largest block at once (an
// unordered one gives its texts last), and a bad block's error after the
// records before it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FulltextContentFactory, MemoryTransport, bytesEqual, utf8 } from '@versionedfiles/core';
import type { Transport } from '@versionedfiles/core';
import { GroupCompressCorrupt, GroupCompressVersionedFiles, MemoryGroupIndex, PackFileAccess } from '@versionedfiles/groupcompress';
import { ReadAhead } from '../src/store/read-ahead.js';

type Batch = { readonly id: number; readonly bytes: number };

/** A ReadAhead over `sizes` whose reads are recorded and resolved by hand. */
function harness(sizes: readonly number[], aheadBytes: number) {
  const batches: Batch[] = sizes.map((bytes, id) => ({ id, bytes }));
  const started: number[] = [];
  const prepared: number[] = [];
  const preparedWanted: number[] = [];
  const finishers = new Map<number, (fail: boolean) => void>();
  /** Ends batch `n`'s read, failing it when asked. */
  const finish = (n: number, fail = false): void => (finishers.get(n) as (fail: boolean) => void)(fail);
  const ahead = new ReadAhead<Batch, number>(
    batches,
    {
      read: (b) => {
        started.push(b.id);
        return new Promise<number>((resolve, reject) => finishers.set(b.id, (fail) => (fail ? reject(new Error(`batch ${b.id}`)) : resolve(b.id * 10))));
      },
      prepare: async (_read, b, wanted) => {
        prepared.push(b.id);
        if (wanted) preparedWanted.push(b.id);
      },
    },
    aheadBytes,
  );
  return { ahead, started, prepared, preparedWanted, finish };
}

describe('ReadAhead', () => {
  it('starts each batch once, in order, within the budget past the one taken', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 250 }), async (sizes, budget) => {
        const { ahead, started, finish } = harness(sizes, budget);
        for (let n = 0; n < sizes.length; n++) {
          const taking = ahead.take(n);
          // Started: everything up to n, the next one, and those after it that fit the budget.
          let last = Math.min(n + 1, sizes.length - 1);
          let bytes = sizes[n + 1] ?? 0;
          while (last + 1 < sizes.length && bytes + (sizes[last + 1] as number) <= budget) bytes += sizes[++last] as number;
          expect(Math.max(...started)).toBeGreaterThanOrEqual(last);
          expect(started).toEqual([...new Set(started)]);
          expect(started).toEqual([...started].sort((a, b) => a - b));
          finish(n);
          expect(await taking).toBe(n * 10);
        }
        expect(started).toEqual(sizes.map((_, i) => i));
      }),
      { numRuns: 80 },
    );
  });

  it('tells the preparation whether the reader already waits for the batch', async () => {
    const { ahead, prepared, preparedWanted, finish } = harness([10, 10, 10, 10], 100);
    const first = ahead.take(0);
    // Batch 1 is read ahead (before it is taken), batch 0 while its reader waits.
    finish(1);
    finish(0);
    expect(await first).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(prepared).toEqual([1, 0]);
    expect(preparedWanted).toEqual([0]);
    expect(await ahead.take(1)).toBe(10);
    const third = ahead.take(2);
    finish(2);
    finish(3);
    expect(await third).toBe(20);
    await new Promise((resolve) => setImmediate(resolve));
    expect(preparedWanted).toEqual([0, 2]);
    expect(await ahead.take(3)).toBe(30);
    expect(preparedWanted).toEqual([0, 2]);
  });

  it('starts a batch early when asked, outside the budget, and still hands it over in its turn', async () => {
    const { ahead, started, prepared, finish } = harness([10, 10, 10, 10, 10], 0);
    ahead.startEarly(4);
    expect(started).toEqual([4]);
    const first = ahead.take(0);
    expect(started).toEqual([4, 0, 1]);
    expect(ahead.reading).toBe(true);
    finish(4);
    finish(0);
    expect(await first).toBe(0);
    expect(prepared).toContain(4);
    for (const n of [1, 2, 3]) {
      const next = ahead.take(n);
      finish(n);
      expect(await next).toBe(n * 10);
    }
    expect(await ahead.take(4)).toBe(40);
    expect(ahead.reading).toBe(false);
    expect(started).toEqual([4, 0, 1, 2, 3]);
  });

  it('fails a batch when it is taken, after the ones before it, and not before', async () => {
    const { ahead, prepared, finish } = harness([1, 1, 1], 10);
    const first = ahead.take(0);
    finish(1, true);
    finish(0);
    expect(await first).toBe(0);
    await expect(ahead.take(1)).rejects.toThrow('batch 1');
    expect(prepared).toEqual([0]);
  });

  it('leaves no failure unhandled when a stream stops before taking it', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const { ahead, finish } = harness([1, 1, 1], 10);
      const first = ahead.take(0);
      finish(0);
      finish(2, true);
      expect(await first).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('a store stream reading ahead', () => {
  let seed = 11;
  const noise = (n: number): Uint8Array => new Uint8Array(n).map(() => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff);
  // One incompressible text of 1.2 MB (a block of its own past the size read
  // first) between small files of several versions each.
  const big = noise(1_200_000);
  const small = new Map<string, Uint8Array>();
  for (let f = 0; f < 8; f++) {
    const base = noise(20_000);
    for (let v = 0; v < 4; v++) small.set(`f${f}/v${v}`, new Uint8Array([...base.subarray(0, 15_000 + 1000 * v), ...utf8(`file ${f} v${v}\n`)]));
  }

  const emptyStore = (transport: Transport) =>
    new GroupCompressVersionedFiles({
      keyLength: 2,
      index: new MemoryGroupIndex(true, 2),
      access: new PackFileAccess(transport, 'newpack'),
      workers: 0,
      groupBytes: 64 * 1024,
    });

  async function store(transport: Transport = new MemoryTransport()) {
    const vf = emptyStore(transport);
    const half = [...small].slice(0, 16);
    const rest = [...small].slice(16);
    const factory = ([k, t]: [string, Uint8Array]) => {
      const [f, v] = k.split('/') as [string, string];
      return new FulltextContentFactory([f, v], v === 'v0' ? [] : [[f, `v${Number(v.slice(1)) - 1}`]], null, t);
    };
    await vf.insertRecordStream(half.map(factory));
    await vf.insertRecordStream([new FulltextContentFactory(['big', 'v0'], [], null, big)]);
    await vf.insertRecordStream(rest.map(factory));
    return vf;
  }

  const allKeys = [...[...small.keys()].map((k) => k.split('/')), ['big', 'v0']];
  const textOf = (key: readonly string[]): Uint8Array => (key[0] === 'big' ? big : (small.get(key.join('/')) as Uint8Array));

  it('gives every text right in every ordering, the largest block last when unordered', async () => {
    const vf = await store();
    for (const ordering of ['unordered', 'topological', 'groupcompress', 'unordered'] as const) {
      const order: string[] = [];
      for await (const r of vf.getRecordStream(allKeys, ordering, true)) {
        expect(bytesEqual(r.getBytesAs('fulltext'), textOf(r.key))).toBe(true);
        order.push(r.key.join('/'));
      }
      expect(order.length).toBe(allKeys.length);
      if (ordering === 'unordered') expect(order.at(-1)).toBe('big/v0');
      vf.clearCache();
    }
  });

  it('starts the largest block at once in an ordered stream, past the read-ahead budget', async () => {
    // Small files first in groupcompress order, a 3 MB block (more than the
    // read-ahead budget) last: read at once, it is asked for before the first text.
    const reads: number[][] = [];
    class Recording extends MemoryTransport {
      override readRanges(path: string, ranges: readonly (readonly [number, number])[]) {
        reads.push(ranges.map(([offset]) => offset));
        return super.readRanges(path, ranges);
      }
    }
    const vf = emptyStore(new Recording());
    const files: FulltextContentFactory[] = [];
    for (let f = 0; f < 40; f++) files.push(new FulltextContentFactory([`a${String(f).padStart(2, '0')}`, 'v0'], [], null, noise(60_000)));
    await vf.insertRecordStream(files);
    const huge = noise(3_000_000);
    await vf.insertRecordStream([new FulltextContentFactory(['zz', 'v0'], [], null, huge)]);
    vf.clearCache();
    const hugeAt = (files.length * 60_000) >> 1;
    const stream = vf.getRecordStream([...files.map((r) => r.key), ['zz', 'v0']], 'groupcompress', true)[Symbol.asyncIterator]();
    reads.length = 0;
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect(reads.some((offsets) => offsets.some((o) => o > hugeAt + 1_000_000))).toBe(true);
    let last = (first.value as { key: readonly string[] }).key;
    for (let r = await stream.next(); !r.done; r = await stream.next()) last = r.value.key;
    expect(last).toEqual(['zz', 'v0']);
  });

  it('reports a bad block read ahead only when the stream reaches it, naming a key of it', async () => {
    const transport = new MemoryTransport();
    const vf = await store(transport);
    // Damage the big block's compressed bytes (the middle of the pack).
    const pack = (await transport.get('newpack')) as Uint8Array;
    const bad = pack.slice();
    const at = bad.length >> 1;
    for (let i = at; i < at + 64; i++) bad[i] = (bad[i] as number) ^ 0x5a;
    await transport.put('newpack', bad);
    vf.clearCache();
    const before: string[] = [];
    let failure: unknown = null;
    try {
      for await (const r of vf.getRecordStream(allKeys, 'unordered', true)) {
        expect(bytesEqual(r.getBytesAs('fulltext'), textOf(r.key))).toBe(true);
        before.push(r.key.join('/'));
      }
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(GroupCompressCorrupt);
    expect((failure as GroupCompressCorrupt).key).toEqual(['big', 'v0']);
    expect(before.length).toBe(small.size);
  });
});
