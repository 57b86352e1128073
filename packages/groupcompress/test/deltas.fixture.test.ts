// Our delta index and compressor against what Breezy 3.3.2 made on generated
// texts (test-fixtures/groupcompress/make-deltas.py): the same deltas, the
// same fulltext/delta choices, the same group content and block bytes.
import { describe, expect, it } from 'vitest';
import { checkGroup, checkPair, loadDeltaCases } from './support.js';

describe('deltas and groups as Breezy makes them (fixtures)', () => {
  const { pairs, groups } = loadDeltaCases('deltas.jsonl');
  it(`has cases`, () => {
    expect(pairs.length).toBeGreaterThan(5);
    expect(groups.length).toBeGreaterThan(5);
  });
  pairs.forEach((c, i) => it(`pair ${i}: make_delta`, () => checkPair(c)));
  groups.forEach((c, i) => it(`group ${i}: ${c.texts.length} texts, max_bytes_to_index ${c.maxBytesToIndex}`, () => checkGroup(c)));
});
