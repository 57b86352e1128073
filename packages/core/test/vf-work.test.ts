// Abort signals and progress callbacks on long work.
import { describe, expect, it } from 'vitest';
import {
  Aborted,
  MemoryVersionedFiles,
  UnsupportedOperation,
  collect,
  isAbsent,
  type ContentFactory,
  type Key,
  type LocalStreamRequest,
  type Ordering,
  type ProgressEvent,
} from '@versionedfiles/core';
import { addDiamond, snapshot } from './vf-helpers.js';

async function diamond(): Promise<MemoryVersionedFiles> {
  const vf = new MemoryVersionedFiles({ keyLength: 1 });
  await addDiamond(vf);
  return vf;
}

describe('abort and progress', () => {
  it('a stream stops with Aborted when the signal fires between records', async () => {
    const vf = await diamond();
    const controller = new AbortController();
    const seen: string[] = [];
    const run = async (): Promise<void> => {
      for await (const r of vf.getRecordStream(await vf.keys(), 'topological', true, { signal: controller.signal })) {
        seen.push(r.key[0] as string);
        if (seen.length === 2) controller.abort(new Error('enough'));
      }
    };
    await expect(run()).rejects.toBeInstanceOf(Aborted);
    expect(seen).toHaveLength(2);
  });

  it('an aborted insert stores nothing more after the signal', async () => {
    const source = await diamond();
    const target = new MemoryVersionedFiles({ keyLength: 1 });
    const controller = new AbortController();
    let n = 0;
    await expect(
      target.insertRecordStream(source.getRecordStream(await source.keys(), 'topological', false), {
        signal: controller.signal,
        progress: () => {
          if (++n === 2) controller.abort();
        },
      }),
    ).rejects.toBeInstanceOf(Aborted);
    expect((await target.keys()).size).toBe(2);
    await target.check();
  });

  it('check and streams report progress with totals', async () => {
    const vf = await diamond();
    const events: ProgressEvent[] = [];
    await vf.check({ progress: (e) => events.push(e) });
    expect(events.map((e) => [e.phase, e.done, e.total])).toEqual([1, 2, 3, 4, 5].map((i) => ['check', i, 5]));
    events.length = 0;
    await collect(vf.getRecordStream([['base'], ['nope']], 'unordered', false, { progress: (e) => events.push(e) }));
    expect(events.map((e) => e.done)).toEqual([1, 2]);
    expect(events.every((e) => e.total === 2)).toBe(true);
  });

  it('iterLinesAddedOrPresentInKeys reports Walking content as Breezy does', async () => {
    const vf = await diamond();
    const events: ProgressEvent[] = [];
    const got = await collect(vf.iterLinesAddedOrPresentInKeys([['left'], ['right']], { progress: (e) => events.push(e) }));
    expect(events.map((e) => [e.phase, e.done, e.total])).toEqual([
      ['Walking content', 0, 2],
      ['Walking content', 1, 2],
      ['Walking content', 2, 2],
    ]);
    expect(got.map(([l, k]) => `${k[0]}:${new TextDecoder().decode(l)}`).sort()).toEqual(
      ['left:base\n', 'left:left\n', 'right:base\n', 'right:right\n'],
    );
  });

  it('lines are normalised to end in a newline', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    await addDiamond(vf, { eol: '' });
    const got = await collect(vf.iterLinesAddedOrPresentInKeys([['merged']]));
    expect(got.map(([l]) => new TextDecoder().decode(l))).toEqual(['base\n', 'left\n', 'right\n', 'merged\n']);
    expect(await snapshot(vf)).toHaveLength(5);
  });
});

// getRecordStream relays the parts a planning generator yields (the local
// stream, each fallback's, absent records): progress counts across them, a
// reader that stops early closes the part it was in, and the planning
// errors come at the first record, not at the call.
describe('stream parts', () => {
  class Watched extends MemoryVersionedFiles {
    opened = 0;
    closed = 0;
    protected override async *localRecordStream(keys: readonly Key[], request: LocalStreamRequest): AsyncGenerator<ContentFactory> {
      this.opened++;
      try {
        yield* super.localRecordStream(keys, request);
      } finally {
        this.closed++;
      }
    }
  }

  async function chain(): Promise<{ top: Watched; bottom: Watched }> {
    const bottom = new Watched({ keyLength: 1 });
    await addDiamond(bottom);
    const top = new Watched({ keyLength: 1 });
    await top.addLines(['own'], [], [new TextEncoder().encode('own\n')]);
    top.addFallbackVersionedFiles(bottom);
    return { top, bottom };
  }

  it.each(['unordered', 'topological', 'groupcompress'] as const)('counts progress across local, fallback and absent records (%s)', async (ordering) => {
    const { top } = await chain();
    const events: ProgressEvent[] = [];
    const keys: Key[] = [['own'], ['base'], ['merged'], ['ghost']];
    const records = await collect(top.getRecordStream(keys, ordering, true, { progress: (e) => events.push(e) }));
    expect(records.map((r) => r.key[0]).sort()).toEqual(['base', 'ghost', 'merged', 'own']);
    expect(records.filter(isAbsent).map((r) => r.key[0])).toEqual(['ghost']);
    expect(events.map((e) => [e.phase, e.done, e.total])).toEqual([1, 2, 3, 4].map((i) => ['stream', i, 4]));
  });

  it('a reader that stops early closes the stream it was reading', async () => {
    const { top, bottom } = await chain();
    for await (const record of top.getRecordStream([['own'], ['base'], ['merged']], 'unordered', true)) {
      if (record.key[0] === 'base' || record.key[0] === 'merged') break;
    }
    expect([top.opened, top.closed]).toEqual([1, 1]);
    expect([bottom.opened, bottom.closed]).toEqual([1, 1]);
  });

  it('a bad ordering or a fired signal fails the first record, not the call', async () => {
    const vf = await diamond();
    const bad = vf.getRecordStream([['base']], 'sideways' as Ordering, true);
    await expect(bad.next()).rejects.toBeInstanceOf(UnsupportedOperation);
    const controller = new AbortController();
    controller.abort(new Error('before'));
    const aborted = vf.getRecordStream([['base']], 'unordered', true, { signal: controller.signal });
    await expect(aborted.next()).rejects.toBeInstanceOf(Aborted);
  });
});
