// The storage-kind adapter registry, with a toy delta kind standing in for
// the knit kinds the knit package registers.
import { describe, expect, it } from 'vitest';
import {
  AdapterRegistry,
  ChunkedContentFactory,
  FulltextContentFactory,
  MemoryVersionedFiles,
  RevisionNotPresent,
  UnavailableRepresentation,
  adaptRecord,
  collect,
  compressionParentOf,
  concatBytes,
  sha1Hex,
  type ContentFactory,
  type Key,
  type Parents,
  type StorageKind,
} from '@versionedfiles/core';
import { fulltext, lines, text } from './vf-helpers.js';

/** A record whose bytes are "append this to the compression parent's text". */
class AppendDelta implements ContentFactory {
  readonly storageKind: StorageKind = 'knit-delta-gz';
  readonly size = null;
  constructor(
    readonly key: Key,
    readonly parents: Parents,
    readonly sha1: string | null,
    readonly suffix: Uint8Array,
  ) {}
  getBytesAs(kind: StorageKind): never {
    throw new UnavailableRepresentation(this.key, kind, this.storageKind);
  }
  iterBytesAs(kind: 'chunked' | 'lines'): never {
    throw new UnavailableRepresentation(this.key, kind, this.storageKind);
  }
}

function registryWithAppendDelta(): AdapterRegistry {
  const registry = new AdapterRegistry();
  registry.registerDeltaKind('knit-delta-gz');
  for (const to of ['fulltext', 'chunked', 'lines'] as const) {
    registry.registerAdapter('knit-delta-gz', to, async (record, wanted, { basis }) => {
      const parent = record.parents?.[0] as Key;
      const [base] = await collect(basis!.getRecordStream([parent], 'unordered', true));
      const whole = concatBytes([base!.getBytesAs('fulltext'), (record as AppendDelta).suffix]);
      return wanted === 'fulltext' ? whole : new FulltextContentFactory(record.key, null, null, whole).getBytesAs(wanted);
    });
  }
  return registry;
}

describe('adapter registry', () => {
  it('gives text kinds straight from records that have them', async () => {
    const r = new ChunkedContentFactory(['a'], [], null, [text('x\ny'), text('\n')]);
    expect(await adaptRecord(r, 'fulltext')).toEqual(text('x\ny\n'));
    expect(await adaptRecord(r, 'lines')).toEqual([text('x\n'), text('y\n')]);
    await expect(adaptRecord(r, 'knit-ft-gz')).rejects.toBeInstanceOf(UnavailableRepresentation);
  });

  it('knows the knit delta kinds and their compression parent', () => {
    const delta = new AppendDelta(['b'], [['a'], ['z']], null, text(''));
    expect(compressionParentOf(delta)).toEqual(['a']);
    expect(compressionParentOf(new FulltextContentFactory(['b'], [['a']], null, text('')))).toBeNull();
  });

  it('lets insertRecordStream build deltas, holding them until their basis arrives', async () => {
    const adapters = registryWithAppendDelta();
    const vf = new MemoryVersionedFiles({ keyLength: 1, adapters });
    const stream: ContentFactory[] = [
      new AppendDelta(['c'], [['b']], sha1Hex(text('a\nb\nc\n')), text('c\n')),
      new AppendDelta(['b'], [['a']], sha1Hex(text('a\nb\n')), text('b\n')),
      new FulltextContentFactory(['a'], [], sha1Hex(text('a\n')), text('a\n')),
    ];
    await vf.insertRecordStream(stream);
    expect(await fulltext(vf, ['c'])).toBe('a\nb\nc\n');
    expect(await fulltext(vf, ['b'])).toBe('a\nb\n');
  });

  it('refuses a stream whose delta basis never comes, keeping what it could store', async () => {
    const adapters = registryWithAppendDelta();
    const vf = new MemoryVersionedFiles({ keyLength: 1, adapters });
    await expect(
      vf.insertRecordStream([
        new FulltextContentFactory(['a'], [], null, text('a\n')),
        new AppendDelta(['c'], [['b']], null, text('c\n')),
      ]),
    ).rejects.toBeInstanceOf(RevisionNotPresent);
    expect([...(await vf.keys())]).toEqual([['a']]);
    await vf.check();
  });

  it('uses a basis found only in a fallback', async () => {
    const adapters = registryWithAppendDelta();
    const fb = new MemoryVersionedFiles({ keyLength: 1 });
    await fb.addLines(['a'], [], lines('a\n'));
    const vf = new MemoryVersionedFiles({ keyLength: 1, adapters });
    vf.addFallbackVersionedFiles(fb);
    await vf.insertRecordStream([new AppendDelta(['b'], [['a']], null, text('b\n'))]);
    expect(await fulltext(vf.withoutFallbacks(), ['b'])).toBe('a\nb\n');
  });
});
