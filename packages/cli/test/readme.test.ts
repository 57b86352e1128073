// The README's two command lines, as a newcomer runs them on a fresh clone:
// `npm ci && npm run demo` is run for real in a clone of this repository; of
// `npm ci && npm test` (the whole suite, far too slow to run from inside it)
// we check the line is exactly that, and `npm ci` itself runs above.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from './helpers.js';

/** The fenced `sh` blocks of a markdown text, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

let root = '';
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function run(command: string, cwd: string): { code: number; out: string } {
  const r = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_prefer_offline: 'true' } });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('README', () => {
  it('names the two command lines', () => {
    const blocks = shellBlocks(readFileSync(nodePath.join(REPO, 'README.md'), 'utf8'));
    expect(blocks.slice(0, 2)).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
  });

  it('`npm ci && npm run demo` works on a fresh clone', () => {
    root = tempDir('clone');
    const clone = nodePath.join(root, 'repo');
    const cloned = spawnSync('git', ['clone', '--quiet', REPO, clone], { encoding: 'utf8' });
    expect(cloned.status, cloned.stderr).toBe(0);
    const [demoLine] = shellBlocks(readFileSync(nodePath.join(clone, 'README.md'), 'utf8'));
    const r = run(demoLine ?? '', clone);
    expect(r.code, r.out).toBe(0);
    for (const step of ['1. history:', '2. store', '3. annotate', '4. sync:', '5. stacked store']) expect(r.out).toContain(step);
    expect(r.out).toMatch(/from the git history of /);
    expect(r.out).toMatch(/stored: \d+(\.\d)?:1/);
  }, 1_200_000);
});
