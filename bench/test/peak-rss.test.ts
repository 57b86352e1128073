// Peak memory as the bench children report it: their own, not the peak of
// the parent they were forked from (which getrusage's maxrss carries over).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PYTHON } from '../lib/child.mjs';
import { peakRssKb } from '../lib/peak-rss.mjs';

const PEAK_RSS = fileURLToPath(new URL('../lib/peak-rss.mjs', import.meta.url));
const LIB = fileURLToPath(new URL('../lib', import.meta.url));

describe('peak RSS of a bench child', () => {
  it("is the child's own, however large the parent is", () => {
    const ballast = Buffer.alloc(400 * 2 ** 20, 1); // resident: filled
    const parentKb = peakRssKb();
    expect(parentKb).toBeGreaterThan(400 * 1024);
    const node = Number(execFileSync(process.execPath, ['--input-type=module', '-e', `import { peakRssKb } from ${JSON.stringify(PEAK_RSS)}; console.log(peakRssKb());`], { encoding: 'utf8' }));
    const python = Number(execFileSync(PYTHON, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(LIB)}); import bench_corpus; print(bench_corpus.peak_rss_kb())`], { encoding: 'utf8' }));
    expect(ballast[ballast.length - 1]).toBe(1);
    for (const kb of [node, python]) {
      expect(kb).toBeGreaterThan(1024);
      expect(kb).toBeLessThan(200 * 1024);
    }
  });
});
