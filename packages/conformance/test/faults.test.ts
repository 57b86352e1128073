// The suite catches faults: stores broken on purpose (one drops a parent, one
// flips a byte of a text, one streams children before parents) fail the
// checks aimed at each fault, every time. The checks run directly through
// `runCheck`, and fast-check varies where each fault strikes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DelegatingVersionedFiles, FulltextContentFactory, MemoryVersionedFiles } from '@versionedfiles/core';
import type { AddOptions, AddResult, ContentFactory, Key, Ordering, PendingKey, StreamOptions, VersionedFiles } from '@versionedfiles/core';
import { ConformanceFailure, applicableChecks, defineScenario, runCheck } from '@versionedfiles/conformance';
import type { Scenario } from '@versionedfiles/conformance';

/** Stores every text with one of its parents missing. */
class DropsParent extends DelegatingVersionedFiles {
  constructor(backing: VersionedFiles, readonly which: number) {
    super(backing);
  }
  override addLines(key: PendingKey, parents: readonly Key[] | null, lines: readonly Uint8Array[], options?: AddOptions): Promise<AddResult> {
    const kept = parents && parents.length > 0 ? parents.filter((_, i) => i !== this.which % parents.length) : parents;
    return super.addLines(key, kept, lines, options);
  }
}

/** Streams every non-empty text with one byte flipped (and the true sha1). */
class FlipsByte extends DelegatingVersionedFiles {
  constructor(backing: VersionedFiles, readonly position: number) {
    super(backing);
  }
  override async *getRecordStream(keys: Iterable<Key>, ordering: Ordering, closure: boolean, options?: StreamOptions): AsyncIterable<ContentFactory> {
    for await (const record of super.getRecordStream(keys, ordering, closure, options)) {
      if (record.storageKind === 'absent') {
        yield record;
        continue;
      }
      const text = record.getBytesAs('fulltext').slice();
      const at = this.position % Math.max(text.length, 1);
      if (text.length > 0) text[at] = (text[at] ?? 0) ^ 0x20;
      yield new FulltextContentFactory(record.key, record.parents, record.sha1, text);
    }
  }
}

/** Streams `topological` requests in reverse: children before parents. */
class ChildrenFirst extends DelegatingVersionedFiles {
  override async *getRecordStream(keys: Iterable<Key>, ordering: Ordering, closure: boolean, options?: StreamOptions): AsyncIterable<ContentFactory> {
    const records: ContentFactory[] = [];
    for await (const record of super.getRecordStream(keys, ordering, closure, options)) records.push(record);
    if (ordering === 'topological') records.reverse();
    yield* records;
  }
}

function brokenScenario(name: string, keyLength: 1 | 2, wrap: (vf: VersionedFiles) => VersionedFiles): Scenario {
  return defineScenario({
    name,
    keyLength,
    numRuns: 25,
    create: async (label) => ({ vf: wrap(new MemoryVersionedFiles({ keyLength, name: label })) }),
  });
}

async function expectCaught(scenario: Scenario, check: string): Promise<void> {
  await expect(runCheck(scenario, check), `${scenario.name} should fail "${check}"`).rejects.toThrow();
}

const FAULTS = [
  {
    fault: 'drops a parent',
    make: (keyLength: 1 | 2, at: number) => brokenScenario(`drops-parent-${at}`, keyLength, (vf) => new DropsParent(vf, at)),
    caughtBy: [
      'getParentMap answers for present keys only',
      'annotate attributes diamond lines as Breezy does',
      'getKnownGraphAncestry covers the ancestry',
      'property: every text round-trips with its sha1 in every ordering',
      'model-based: random calls agree with the reference model',
    ],
  },
  {
    fault: 'flips a byte of a text',
    make: (keyLength: 1 | 2, at: number) => brokenScenario(`flips-byte-${at}`, keyLength, (vf) => new FlipsByte(vf, at)),
    caughtBy: [
      'addLines stores texts that read back as fulltexts',
      'every ordering gives every text and its sha1',
      'the empty text and a newline-only text are stored',
      'property: every text round-trips with its sha1 in every ordering',
      "property: a copy through the store's own stream is identical",
      'model-based: random calls agree with the reference model',
    ],
  },
  {
    fault: 'streams children before parents',
    make: (keyLength: 1 | 2, _at: number) => brokenScenario('children-first', keyLength, (vf) => new ChildrenFirst(vf)),
    caughtBy: [
      'topological streams put parents first',
      'topological streams with the delta closure give every text form',
      'property: topological streams put present parents first',
    ],
  },
] as const;

describe('the suite catches broken stores', () => {
  for (const { fault, make, caughtBy } of FAULTS) {
    for (const keyLength of [1, 2] as const) {
      it(`a store that ${fault} fails every check aimed at it (key length ${keyLength})`, async () => {
        for (const check of caughtBy) await expectCaught(make(keyLength, 0), check);
      });
    }

    it(`a store that ${fault} fails wherever the fault strikes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(64), fc.constantFrom<1 | 2>(1, 2), async (at, keyLength) => {
          await expectCaught(make(keyLength, at), caughtBy[0]);
        }),
        { numRuns: 8 },
      );
    });
  }

  it('failures are ConformanceFailures that name what went wrong', async () => {
    const error = await runCheck(FAULTS[1].make(1, 0), 'addLines stores texts that read back as fulltexts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConformanceFailure);
    expect(String((error as Error).message)).toContain('text of r0');
  });

  it('a broken store fails some checks and passes the ones blind to its fault', async () => {
    const scenario = FAULTS[2].make(1, 0);
    const outcomes = new Map<string, boolean>();
    for (const [name, check] of applicableChecks(scenario)) {
      outcomes.set(name, await runCheck(scenario, check).then(() => true, () => false));
    }
    expect(outcomes.get('topological streams put parents first')).toBe(false);
    expect(outcomes.get('addLines stores texts that read back as fulltexts')).toBe(true);
    expect(outcomes.get('getParentMap answers for present keys only')).toBe(true);
  });
});
