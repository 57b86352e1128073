// Fuzzing the knit parsers through whole stores: Breezy-written knit files
// (.knit + .kndx) and knit packs (container + .tix GraphIndex), mutated, then
// read through every extraction path; plus the knit wire records and delta
// closures Breezy sends. Only typed errors, no hang, no wrong text, and
// reading leaves the files as they were. See test-fixtures/support/fuzz.ts.
import { describe, expect, it } from 'vitest';
import { ConstantMapper } from '@versionedfiles/core';
import { decodeDeltaClosure, decodeKnitWire, makeFileFactory, openKnitPack } from '@versionedfiles/knit';
import {
  assertUnchanged,
  filesOfDir,
  fuzzRuns,
  fuzzTarget,
  onlyFile,
  readWholeStore,
  replayCrashFixtures,
  single,
  snapshot,
  transportOf,
  type FuzzTarget,
} from '../../../../test-fixtures/support/fuzz.js';
import { FIXTURES, SCENARIOS, b64, manifest, mapperFor } from '../support.js';

const PACKS = ['plain-knit-pack', 'named-graph-knit-pack', 'named-graph-nodelta-knit-pack', 'named-nograph-nodelta-knit-pack'];

function knitFilesTarget(name: string): FuzzTarget {
  const m = manifest(name);
  return {
    name: `knit-files-${name}`,
    seeds: [filesOfDir(`${FIXTURES}${name}`)],
    run: async (files) => {
      const t = await transportOf(files);
      const before = await snapshot(t);
      const mapper = m.mapper === 'ConstantMapper' ? new ConstantMapper('revisions') : mapperFor(m);
      try {
        await readWholeStore(makeFileFactory(m.annotated, mapper, { keyLength: m.keyLength })(t));
      } finally {
        await assertUnchanged(t, before);
      }
    },
  };
}

function knitPackTarget(name: string): FuzzTarget {
  return {
    name: `knit-pack-${name}`,
    seeds: [filesOfDir(`${FIXTURES}${name}`)],
    run: async (files) => {
      const t = await transportOf(files);
      const before = await snapshot(t);
      try {
        await readWholeStore(await openKnitPack(t));
      } finally {
        await assertUnchanged(t, before);
      }
    },
  };
}

const wireSeeds = SCENARIOS.flatMap((name) => manifest(name).stream.map((s) => single('wire', b64(s.wire))));
const closureSeeds = SCENARIOS.flatMap((name) => {
  const c = manifest(name).closure;
  return c === null ? [] : [single('closure', b64(c))];
});

export const KNIT_TARGETS: readonly FuzzTarget[] = [
  ...SCENARIOS.map(knitFilesTarget),
  ...PACKS.map(knitPackTarget),
  { name: 'knit-wire', seeds: wireSeeds, run: (files) => decodeKnitWire(onlyFile(files)) },
  { name: 'knit-closure', seeds: closureSeeds, run: (files) => decodeDeltaClosure(onlyFile(files)) },
];

describe('knit parsers under mutation', () => {
  for (const target of KNIT_TARGETS) {
    it(`${target.name}: typed errors only, bounded, reading changes nothing`, async () => {
      await replayCrashFixtures(target);
      const result = await fuzzTarget(target, fuzzRuns(60));
      expect(Object.values(result.outcomes).reduce((a, b) => a + b, 0)).toBe(result.runs);
    });
  }
});
