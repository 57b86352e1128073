// Live Breezy: fresh random histories (a seed per run) through the fixture
// script; our pure annotator and our Annotator over a MemoryVersionedFiles
// must give Breezy's annotate and annotate_flat on every key.
import { describe, expect, it } from 'vitest';
import { fromUtf8 } from '@versionedfiles/core';
import { runPythonScript } from '../../../test-fixtures/support/breezy.js';
import {
  MAKE_ANNOTATE_FIXTURES,
  checkAnnotateFromTexts,
  checkAnnotator,
  parseAnnotateHistories,
} from '../../../test-fixtures/core/annotate/support.js';

describe('annotation against live Breezy', () => {
  const seed = Date.now() % 1_000_000;
  it(`agrees on 30 random histories (seed ${seed})`, async () => {
    const histories = parseAnnotateHistories(
      fromUtf8(runPythonScript(MAKE_ANNOTATE_FIXTURES, { args: [String(seed), '30'] })),
    );
    expect(histories.length).toBeGreaterThanOrEqual(30);
    for (const history of histories) {
      checkAnnotateFromTexts(history);
      await checkAnnotator(history);
    }
  });
});
