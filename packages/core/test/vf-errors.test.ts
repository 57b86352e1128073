// The typed-error table: each bad input gets Breezy's error as a typed error,
// checked before anything is stored, and leaves the store as it was.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BadParameterContainsNewline,
  BadParameterNotBytes,
  ChunkedContentFactory,
  ExistingContent,
  FulltextContentFactory,
  InvalidChecksum,
  InvalidKey,
  MemoryVersionedFiles,
  ReservedId,
  RevisionAlreadyPresent,
  RevisionNotPresent,
  UnsupportedOperation,
  collect,
  isVersionedFilesError,
  sha1Hex,
  type Key,
  type VersionedFiles,
  type VersionedFilesError,
} from '@versionedfiles/core';
import { addDiamond, lines, snapshot, text } from './vf-helpers.js';

type ErrorClass = abstract new (...args: never[]) => VersionedFilesError;

interface Case {
  readonly name: string;
  readonly keyLength?: 1 | 2;
  readonly graph?: boolean;
  readonly ghosts?: boolean;
  readonly error: ErrorClass;
  readonly code: string;
  readonly act: (vf: VersionedFiles, k: (s: string) => Key) => Promise<unknown>;
}

const cases: Case[] = [
  {
    name: 'a line with an embedded newline',
    error: BadParameterContainsNewline,
    code: 'BadParameterContainsNewline',
    act: (vf, k) => vf.addLines(k('new'), [], lines('fine\n', 'two\nlines\n')),
  },
  {
    name: 'a line that is a string, not bytes',
    error: BadParameterNotBytes,
    code: 'BadParameterNotBytes',
    act: (vf, k) => vf.addLines(k('new'), [], ['text\n' as unknown as Uint8Array]),
  },
  {
    name: 'a chunk that is not bytes',
    error: BadParameterNotBytes,
    code: 'BadParameterNotBytes',
    act: (vf, k) => vf.addChunks(k('new'), [], [text('a'), 42 as unknown as Uint8Array]),
  },
  {
    name: 'a reserved id',
    error: ReservedId,
    code: 'ReservedId',
    act: (vf, k) => vf.addLines(k('current:'), [], lines('a\n')),
  },
  {
    name: 'an existing key',
    error: RevisionAlreadyPresent,
    code: 'RevisionAlreadyPresent',
    act: (vf, k) => vf.addLines(k('left'), [k('base')], lines('other\n')),
  },
  {
    name: 'a key of the wrong length',
    error: InvalidKey,
    code: 'InvalidKey',
    act: (vf) => vf.addLines(['a', 'b', 'c'], [], lines('a\n')),
  },
  {
    name: 'a parent of the wrong key length',
    keyLength: 2,
    error: InvalidKey,
    code: 'InvalidKey',
    act: (vf, k) => vf.addLines(k('new'), [['base']], lines('a\n')),
  },
  {
    name: 'a key with whitespace in its last element',
    error: InvalidKey,
    code: 'InvalidKey',
    act: (vf, k) => vf.addLines(k('has space'), [], lines('a\n')),
  },
  {
    name: 'nostoreSha equal to the text',
    error: ExistingContent,
    code: 'ExistingContent',
    act: (vf, k) => vf.addLines(k('new'), [], lines('left\n'), { nostoreSha: sha1Hex(text('left\n')) }),
  },
  {
    name: 'a missing parent where ghosts are refused',
    ghosts: false,
    error: RevisionNotPresent,
    code: 'RevisionNotPresent',
    act: (vf, k) => vf.addLines(k('new'), [k('base'), k('ghost')], lines('a\n')),
  },
  {
    name: 'parents given to a store without a graph',
    graph: false,
    error: UnsupportedOperation,
    code: 'UnsupportedOperation',
    act: (vf, k) => vf.addLines(k('new'), [k('base')], lines('a\n')),
  },
  {
    name: 'addContent whose sha1 does not match its text',
    error: InvalidChecksum,
    code: 'InvalidChecksum',
    act: (vf, k) => vf.addContent(new FulltextContentFactory(k('new'), [], sha1Hex(text('x')), text('y'))),
  },
  {
    name: 'a record stream with an absent record',
    error: RevisionNotPresent,
    code: 'RevisionNotPresent',
    act: async (vf, k) => {
      const source = new MemoryVersionedFiles({ keyLength: vf.keyLength });
      await vf.insertRecordStream(source.getRecordStream([k('missing')], 'unordered', false));
    },
  },
  {
    name: 'a streamed record whose sha1 does not match',
    error: InvalidChecksum,
    code: 'InvalidChecksum',
    act: (vf, k) => vf.insertRecordStream([new ChunkedContentFactory(k('new'), [], sha1Hex(text('no')), [text('yes')])]),
  },
  {
    name: 'annotating a missing key',
    error: RevisionNotPresent,
    code: 'RevisionNotPresent',
    act: (vf, k) => vf.annotate(k('missing')),
  },
  {
    name: 'mpdiffs of a missing key',
    error: RevisionNotPresent,
    code: 'RevisionNotPresent',
    act: (vf, k) => vf.makeMpdiffs([k('base'), k('missing')]),
  },
  {
    name: 'lines of a missing key',
    error: RevisionNotPresent,
    code: 'RevisionNotPresent',
    act: async (vf, k) => {
      for await (const _ of vf.iterLinesAddedOrPresentInKeys([k('missing')])) void _;
    },
  },
];

describe('typed errors, store unchanged', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const keyLength = c.keyLength ?? 1;
      const graph = c.graph ?? true;
      const vf = new MemoryVersionedFiles({ keyLength, graph, ghosts: c.ghosts ?? true });
      const prefix = keyLength === 2 ? ['FileA'] : [];
      await addDiamond(vf, { prefixes: [prefix], graph });
      const before = await snapshot(vf);
      const k = (s: string): Key => [...prefix, s];
      const err = await c.act(vf, k).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(c.error);
      expect((err as VersionedFilesError).code).toBe(c.code);
      expect(await snapshot(vf)).toEqual(before);
      // The store still works after the refusal.
      await vf.check();
    });
  }
});

describe('hostile input to the add methods', () => {
  const junk = fc.oneof(
    fc.anything(),
    fc.array(fc.oneof(fc.string(), fc.constant(null), fc.integer()), { maxLength: 3 }),
    fc.array(fc.array(fc.string(), { maxLength: 3 }), { maxLength: 3 }),
    fc.array(fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.string()), { maxLength: 4 }),
  );

  it('gets a typed error or a stored text, never anything else, and never a half-change', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('addLines', 'addChunks'), junk, junk, junk, async (method, key, parents, content) => {
        const vf = new MemoryVersionedFiles({ keyLength: 2 });
        await vf.addLines(['f', 'a'], [], lines('a\n'));
        const before = await snapshot(vf);
        const call =
          method === 'addLines'
            ? () => vf.addLines(key as Key, parents as Key[], content as Uint8Array[])
            : () => vf.addChunks(key as Key, parents as Key[], content as Uint8Array[]);
        const outcome = await call().then(
          (r) => r,
          (e: unknown) => e,
        );
        if (outcome instanceof Error) {
          expect(isVersionedFilesError(outcome), String(outcome)).toBe(true);
          expect(await snapshot(vf)).toEqual(before);
        } else {
          expect((await vf.keys()).size).toBe(2);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('records with hostile keys, parents or sha1s get typed errors from insertRecordStream and addContent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), junk, junk, fc.oneof(fc.constant(null), fc.string()), async (insert, key, parents, sha1) => {
        const vf = new MemoryVersionedFiles({ keyLength: 2 });
        await vf.addLines(['f', 'a'], [], lines('a\n'));
        const before = await snapshot(vf);
        const record = new FulltextContentFactory(key as Key, parents as Key[], sha1, text('x\n'));
        const outcome = await (insert ? vf.insertRecordStream([record]) : vf.addContent(record)).then(
          () => null,
          (e: unknown) => e,
        );
        if (outcome !== null) {
          expect(isVersionedFilesError(outcome), String(outcome)).toBe(true);
          expect(await snapshot(vf)).toEqual(before);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('hostile keys to the lookups', () => {
  it('get InvalidKey; keys of another length are just absent', async () => {
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    await vf.addLines(['a'], [], lines('a\n'));
    for (const bad of [null, 'a', [1], [], [['a']]] as unknown as Key[]) {
      await expect(vf.getParentMap([bad])).rejects.toBeInstanceOf(InvalidKey);
      await expect(vf.getParentMap([['a'], bad])).rejects.toBeInstanceOf(InvalidKey);
      await expect(vf.getSha1s([bad])).rejects.toBeInstanceOf(InvalidKey);
      await expect(collect(vf.getRecordStream([bad], 'topological', false))).rejects.toBeInstanceOf(InvalidKey);
    }
    expect((await vf.getParentMap([['a', 'b']])).size).toBe(0);
    // Not an iterable at all: a rejection too, never a throw from the call itself.
    await expect(vf.getParentMap(null as unknown as Key[])).rejects.toBeInstanceOf(TypeError);
    await expect(collect(vf.getRecordStream([['a']], 'bogus' as 'unordered', false))).rejects.toBeInstanceOf(UnsupportedOperation);
    const [absent] = await collect(vf.getRecordStream([['absent', 'absent']], 'unordered', false));
    expect(absent?.storageKind).toBe('absent');
  });
});
