// Live Breezy: fresh random DAGs (a seed per run) through the fixture script,
// and every graph answer compared, as the committed fixtures are.
import { describe, expect, it } from 'vitest';
import { fromUtf8 } from '@versionedfiles/core';
import { runPythonScript } from '../../../test-fixtures/support/breezy.js';
import {
  MAKE_GRAPH_FIXTURES,
  checkAddNode,
  checkKnownGraph,
  checkSortGroupcompress,
  checkTsort,
  parseGraphCases,
} from '../../../test-fixtures/core/graph/support.js';

describe('graph algorithms against live Breezy', () => {
  const seed = Date.now() % 1_000_000;
  it(`agree on 40 random DAGs (seed ${seed})`, () => {
    const cases = parseGraphCases(fromUtf8(runPythonScript(MAKE_GRAPH_FIXTURES, { args: [String(seed), '40'] })));
    expect(cases).toHaveLength(40);
    for (const c of cases) {
      checkKnownGraph(c);
      checkAddNode(c);
      checkTsort(c);
      checkSortGroupcompress(c);
    }
  });
});
