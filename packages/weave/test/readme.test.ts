// The README's example, run as written.
import { describe, expect, it } from 'vitest';
import { MemoryTransport, PrefixMapper, utf8, splitLines } from '@versionedfiles/core';
import { Weave, weaveMerge, WeaveVersionedFiles, PlanMergeVersionedFiles } from '@versionedfiles/weave';
import { texts as show } from './fixtures.js';

describe('README example', () => {
  it('runs', async () => {
    const w = new Weave('hello');
    w.addLines('base', [], splitLines(utf8('a\nb\nc\n')));
    w.addLines('left', ['base'], splitLines(utf8('a\nB\nc\n')));
    w.addLines('right', ['base'], splitLines(utf8('a\nb\nc\nd\n')));
    expect(w.annotate('right').map(([o]) => o)).toEqual(['base', 'base', 'base', 'right']);
    const { lines, conflicts } = weaveMerge(w.planMerge('left', 'right'));
    expect(show(lines)).toEqual(['a\n', 'B\n', 'c\n', 'd\n']);
    expect(conflicts).toBe(false);
    expect(Weave.fromBytes(w.toBytes()).equals(w)).toBe(true);

    const texts = new WeaveVersionedFiles(new MemoryTransport(), new PrefixMapper());
    await texts.addLines(['file-id', 'rev-1'], [], splitLines(utf8('x\n')));
    const planner = new PlanMergeVersionedFiles('file-id');
    planner.addFallbackVersionedFiles(texts);
    planner.addLines(['file-id', 'this:'], [['file-id', 'rev-1']], splitLines(utf8('x\ny\n')));
    const plan = await planner.planMerge('this:', 'rev-1');
    expect(plan.map(([s, l]) => [s, show([l])[0]])).toEqual([
      ['new-a', 'x\n'],
      ['new-a', 'y\n'],
    ]);
  });
});
