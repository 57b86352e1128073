// sha1 verification of extracted texts: a wrong, missing, repeated or unknown
// text fails; and the runner itself fails the run on a corpus whose recorded
// sha1 does not match what the store gives back.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha1, writeCorpus } from '../lib/corpus.mjs';
import { syntheticHistory } from '../lib/synthetic.mjs';
import { VerifyError, textVerifier } from '../lib/verify.mjs';
import { runOurs } from '../runners/ours-run.mjs';

const enc = new TextEncoder();
const entry = (rev: string, text: string) => ({ key: ['f', rev], sha1: sha1(enc.encode(text)) });

describe('textVerifier', () => {
  const entries = [entry('1', 'one\n'), entry('2', 'two\n')];

  it('accepts every text once, in any order', () => {
    const v = textVerifier(entries);
    v.check(['f', '2'], enc.encode('two\n'));
    v.check(['f', '1'], enc.encode('one\n'));
    expect(v.finish()).toBe(2);
  });

  it('fails on a wrong text', () => {
    const v = textVerifier(entries);
    expect(() => v.check(['f', '1'], enc.encode('one!\n'))).toThrow(VerifyError);
    expect(() => textVerifier(entries).check(['f', '1'], enc.encode('one!\n'))).toThrow(/wrong text for f\/1/);
  });

  it('fails on a missing, repeated or unknown text', () => {
    const v = textVerifier(entries);
    v.check(['f', '1'], enc.encode('one\n'));
    expect(() => v.check(['f', '1'], enc.encode('one\n'))).toThrow(/twice/);
    expect(() => v.check(['g', '1'], enc.encode('one\n'))).toThrow(/not in the corpus/);
    expect(() => v.finish()).toThrow(/1 texts not extracted/);
  });
});

describe('runOurs', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function setup(corrupt: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'vf-bench-verify-'));
    dirs.push(dir);
    const corpus = writeCorpus(join(dir, 'corpus'), 'tiny', 'synthetic', syntheticHistory({ texts: 30, seed: 5 }));
    if (corrupt) {
      const index = JSON.parse(readFileSync(join(corpus.dir, 'index.json'), 'utf8'));
      index.entries[7].sha1 = sha1(enc.encode('not the text'));
      writeFileSync(join(corpus.dir, 'index.json'), JSON.stringify(index));
    }
    mkdirSync(join(dir, 'store'));
    return {
      corpus: corpus.dir,
      backend: 'memory',
      workDir: join(dir, 'store'),
      ops: ['insert', 'extract-unordered', 'extract-topological', 'annotate', 'lookup-single', 'lookup-batch'],
      annotate: [corpus.entries.at(-1).key],
      lookups: corpus.entries.slice(0, 5).map((e: { key: string[] }) => e.key),
    };
  }

  it('runs every operation and verifies every text', async () => {
    const result = await runOurs(setup(false));
    expect(result.ops.insert.items).toBe(30);
    expect(result.ops['extract-unordered'].items).toBe(30);
    expect(result.ops['lookup-batch'].items).toBe(30);
    expect(result.ops.annotate.items).toBeGreaterThan(0);
    // The harness's own check of the extracted texts is timed apart, and only for extraction.
    expect(result.ops['extract-unordered'].checkingMs).toBeGreaterThan(0);
    expect(result.ops['extract-unordered'].ms).toBeGreaterThanOrEqual(0);
    expect(result.ops.insert.checkingMs).toBe(0);
    expect(Object.keys(result.annotations)).toHaveLength(1);
    expect(result.maxRssKb).toBeGreaterThan(0);
  });

  it('fails the run when an extracted text is not the corpus text', async () => {
    const config = setup(true);
    // The memory store checks the sha1 given with a stream record, but addLines
    // takes lines only: the wrong sha1 is caught at extraction.
    await expect(runOurs({ ...config, ops: ['insert', 'extract-unordered'] })).rejects.toThrow(/wrong text for file-/);
  });
});
