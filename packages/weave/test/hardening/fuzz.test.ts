// Fuzzing the weave v5 parser through whole stores: the weaves Breezy wrote
// (test-fixtures/weave), mutated, opened as a WeaveVersionedFiles and read
// through every extraction path. See test-fixtures/support/fuzz.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { describe } from 'vitest';
import { ConstantMapper } from '@versionedfiles/core';
import { WeaveVersionedFiles } from '@versionedfiles/weave';
import { fuzzTests, single, storeTarget, type FuzzTarget } from '../../../../test-fixtures/support/fuzz.js';

const DIR = new URL('../../../../test-fixtures/weave/', import.meta.url);
// Every seed is stored as `w.weave`, the file a ConstantMapper('w') store reads.
const seeds = readdirSync(DIR)
  .filter((f) => f.endsWith('.weave'))
  .map((f) => single('w.weave', new Uint8Array(readFileSync(new URL(f, DIR)))));

export const WEAVE_TARGETS: readonly FuzzTarget[] = [
  storeTarget('weave-store', seeds, (t) => new WeaveVersionedFiles(t, new ConstantMapper('w'), { keyLength: 1 })),
];

describe('weave parser under mutation', () => fuzzTests(WEAVE_TARGETS, 150));
