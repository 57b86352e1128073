// docs/guides/sync.md's example, run as written (as a user would: node on the
// built packages) and checked by what it prints.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

beforeAll(() => {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'packages/sync'], { cwd: root, stdio: 'pipe' });
}, 300_000);

describe('the sync guide', () => {
  it('runs its example as written', () => {
    const guide = readFileSync(join(root, 'docs/guides/sync.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(example).toBeDefined();
    // Written beside this test so the package names resolve from the repository.
    const file = fileURLToPath(new URL('./.guide-example.tmp.mjs', import.meta.url));
    writeFileSync(file, example as string);
    try {
      const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(out.split('\n').filter(Boolean)).toEqual([
        'graph: 20/20',
        'compare: 20/20',
        'pulled 20 of 20 texts',
        'ancestry of rev-5: 5 texts',
        'pushed 1 text',
        'stopped: Aborted, 10 texts so far',
        'resumed: 11 more, 21 in all',
      ]);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
