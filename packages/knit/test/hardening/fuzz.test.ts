// Fuzzing the knit parsers through whole stores: Breezy-written knit files
// (.knit + .kndx) and knit packs (container + .tix GraphIndex), mutated, then
// read through every extraction path; plus the knit wire records, the record
// texts inside their gzip members, and the delta closures Breezy sends. Only typed errors, no hang, no wrong text, and
// reading leaves the files as they were. See test-fixtures/support/fuzz.ts.
import { describe } from 'vitest';
import { ConstantMapper, fromUtf8, gunzip, utf8 } from '@versionedfiles/core';
import {
  decodeDeltaClosure,
  decodeKnitWire,
  kindIsAnnotated,
  kindMethod,
  makeFileFactory,
  openKnitPack,
  parseFulltext,
  parseLineDelta,
  parseRecordText,
  type KnitGzKind,
} from '@versionedfiles/knit';
import { filesOfDir, fuzzTests, onlyFile, single, storeTarget, type FuzzTarget } from '../../../../test-fixtures/support/fuzz.js';
import { FIXTURES, SCENARIOS, b64, manifest, mapperFor } from '../support.js';

const PACKS = ['plain-knit-pack', 'named-graph-knit-pack', 'named-graph-nodelta-knit-pack', 'named-nograph-nodelta-knit-pack'];

function knitFilesTarget(name: string): FuzzTarget {
  const m = manifest(name);
  const mapper = m.mapper === 'ConstantMapper' ? new ConstantMapper('revisions') : mapperFor(m);
  return storeTarget(`knit-files-${name}`, [filesOfDir(`${FIXTURES}${name}`)], (t) => makeFileFactory(m.annotated, mapper, { keyLength: m.keyLength })(t));
}

const knitPackTarget = (name: string): FuzzTarget => storeTarget(`knit-pack-${name}`, [filesOfDir(`${FIXTURES}${name}`)], (t) => openKnitPack(t));

const wireSeeds = SCENARIOS.flatMap((name) => manifest(name).stream.map((s) => single('wire', b64(s.wire))));
const closureSeeds = SCENARIOS.flatMap((name) => {
  const c = manifest(name).closure;
  return c === null ? [] : [single('closure', b64(c))];
});

export const KNIT_TARGETS: readonly FuzzTarget[] = [
  ...SCENARIOS.map(knitFilesTarget),
  ...PACKS.map(knitPackTarget),
  { name: 'knit-wire', seeds: wireSeeds, run: (files) => decodeKnitWire(onlyFile(files)) },
  {
    // Structure-aware: the record text inside the gzip member, mutated, then parsed as its kind.
    name: 'knit-record-text',
    seeds: wireSeeds.map((files) => {
      const wire = decodeKnitWire(onlyFile(files));
      return new Map([
        ['text', gunzip(wire.raw).data],
        ['kind', utf8(`${wire.kind} ${wire.noeol ? 'noeol' : 'eol'}`)],
      ]);
    }),
    mutable: ['text'],
    run: (files) => {
      const [kind, eol] = fromUtf8(files.get('kind') as Uint8Array).split(' ') as [KnitGzKind, string];
      const record = parseRecordText(files.get('text') as Uint8Array);
      if (kindMethod(kind) === 'fulltext') parseFulltext(record.body, kindIsAnnotated(kind), eol === 'noeol');
      else parseLineDelta(record.body, kindIsAnnotated(kind));
    },
  },
  { name: 'knit-closure', seeds: closureSeeds, run: (files) => decodeDeltaClosure(onlyFile(files)) },
];

describe('knit parsers under mutation', () => fuzzTests(KNIT_TARGETS, 60));
