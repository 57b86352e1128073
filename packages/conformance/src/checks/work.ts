// Long work takes `{signal, progress}`: an aborted signal stops streams,
// inserts and checks with `Aborted` (leaving the store as it was), and
// progress, where a store reports it, only moves forward within its total.

import type { ProgressEvent } from '@versionedfiles/core';
import { expectEqual, expectRejects, expectTrue } from '../assert.js';
import { defineCheck } from '../check.js';
import type { CheckTable } from '../check.js';
import { DIAMOND_NAMES, addDiamond, diamondKeys } from '../fixtures.js';
import { snapshot } from '../inspect.js';

function expectForward(events: readonly ProgressEvent[], what: string): void {
  const last = new Map<string, number>();
  for (const event of events) {
    expectTrue(typeof event.phase === 'string' && Number.isFinite(event.done), `${what}: progress events name a phase and a count`);
    expectTrue(event.done >= (last.get(event.phase) ?? -Infinity), `${what}: progress of ${event.phase} went back`);
    expectTrue(event.total === null || event.done <= event.total, `${what}: progress of ${event.phase} passed its total`);
    last.set(event.phase, event.done);
  }
}

export const workChecks: CheckTable = {
  'an aborted signal stops streams, inserts and checks with Aborted': defineCheck(async (ctx) => {
    const source = await ctx.store('source');
    await addDiamond(source, ctx);
    const aborted = AbortSignal.abort(new Error('stop'));
    const keys = diamondKeys(ctx);
    await expectRejects(async () => {
      for await (const record of source.getRecordStream(keys, 'topological', true, { signal: aborted })) void record;
    }, 'Aborted', 'streaming with an aborted signal');

    const midway = new AbortController();
    let streamed = 0;
    await expectRejects(async () => {
      for await (const record of source.getRecordStream(keys, 'unordered', true, { signal: midway.signal })) {
        void record;
        streamed += 1;
        midway.abort();
      }
    }, 'Aborted', 'a stream aborted after its first record');
    expectEqual(streamed, 1, 'no record after the abort');

    const target = await ctx.store('target');
    await expectRejects(
      () => target.insertRecordStream(source.getRecordStream(keys, 'topological', true), { signal: aborted }),
      'Aborted',
      'inserting with an aborted signal',
    );
    expectEqual((await target.keys()).size, 0, 'an aborted insert stored nothing');
    const before = await snapshot(source);
    await expectRejects(() => source.check({ signal: aborted }), 'Aborted', 'check with an aborted signal');
    expectEqual(await snapshot(source), before, 'the store is unchanged');
  }),

  'progress only moves forward': defineCheck(async (ctx) => {
    const source = await ctx.store('source');
    await addDiamond(source, ctx);
    const keys = diamondKeys(ctx, DIAMOND_NAMES);
    const events: ProgressEvent[] = [];
    const progress = (event: ProgressEvent): void => void events.push(event);
    for await (const record of source.getRecordStream(keys, 'topological', true, { progress })) void record;
    expectForward(events.splice(0), 'getRecordStream');
    const target = await ctx.store('target');
    await target.insertRecordStream(source.getRecordStream(keys, 'topological', false), { progress });
    expectForward(events.splice(0), 'insertRecordStream');
    await source.check({ progress });
    expectForward(events.splice(0), 'check');
    for await (const pair of source.iterLinesAddedOrPresentInKeys(keys, { progress })) void pair;
    expectForward(events.splice(0), 'iterLinesAddedOrPresentInKeys');
  }),
};
