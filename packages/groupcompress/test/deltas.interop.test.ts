// Live: Breezy 3.3.2 makes deltas and groups on freshly generated texts (a new
// seed each run, texts past 64 KiB included); ours must be the same bytes.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runPythonScript } from '../../../test-fixtures/support/breezy.js';
import { FIXTURES, checkGroup, checkPair, parseDeltaCases } from './support.js';

const seed = Math.floor(Math.random() * 2 ** 31);

describe(`deltas and groups equal Breezy's (seed ${seed})`, () => {
  const script = fileURLToPath(new URL('make-deltas.py', `file://${FIXTURES}`));
  const { pairs, groups } = parseDeltaCases(new TextDecoder().decode(runPythonScript(script, { args: [String(seed), '12', '1'] })));
  it('made cases', () => expect(pairs.length + groups.length).toBe(24));
  pairs.forEach((c, i) => it(`pair ${i}`, () => checkPair(c)));
  groups.forEach((c, i) => it(`group ${i}: ${c.texts.length} texts`, () => checkGroup(c)));
});
