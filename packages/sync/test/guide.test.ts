// docs/guides/sync.md's example, run as written (imported as a module, so the
// package names resolve as they do for every test) and checked by what it prints.
import { describe, expect, it, vi } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

describe('the sync guide', () => {
  it('runs its example as written', async () => {
    const guide = readFileSync(fileURLToPath(new URL('../../../docs/guides/sync.md', import.meta.url)), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(example).toBeDefined();
    const file = fileURLToPath(new URL('./.guide-example.tmp.mjs', import.meta.url));
    writeFileSync(file, example as string);
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
      rmSync(file, { force: true });
    }
    expect(printed).toEqual([
      'graph: 20/20',
      'compare: 20/20',
      'pulled 20 of 20 texts',
      'ancestry of rev-5: 5 texts',
      'pushed 1 text',
      'stopped: Aborted, 10 texts so far',
      'resumed: 11 more, 21 in all',
    ]);
  });
});
