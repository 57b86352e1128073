// The README's example, run as written (opening a real repository is covered
// by repository.interop.test.ts).
import { describe, expect, it } from 'vitest';
import { MemoryTransport, splitLines, utf8 } from '@versionedfiles/core';
import { applyDelta, makeDelta, makePackFactory } from '@versionedfiles/groupcompress';

describe('README example', () => {
  it('runs', async () => {
    const vf = makePackFactory(true, true, 2)(new MemoryTransport());
    await vf.addLines(['file-id', 'rev-1'], [], splitLines(utf8('a\nb\n')));
    await vf.addLines(['file-id', 'rev-2'], [['file-id', 'rev-1']], splitLines(utf8('a\nb\nc\n')));
    await vf.close();
    const got: Uint8Array[] = [];
    for await (const record of vf.getRecordStream([['file-id', 'rev-2']], 'unordered', true)) got.push(record.getBytesAs('fulltext'));
    expect(got).toEqual([utf8('a\nb\nc\n')]);
    const base = utf8('hello world\n'.repeat(4));
    const target = utf8('hello world\n'.repeat(5));
    const delta = makeDelta(base, target) as Uint8Array;
    expect(delta.length).toBeLessThan(target.length);
    expect(applyDelta(base, delta)).toEqual(target);
  });
});
