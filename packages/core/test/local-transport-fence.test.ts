// LocalTransport remembers which paths it found inside its root; these tests
// show that a rename or delete through it (or a clone) makes it look again.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport, PathOutsideRoot, fromUtf8, utf8 } from '@versionedfiles/core';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function layout(): { root: string; t: LocalTransport } {
  const base = mkdtempSync(join(tmpdir(), 'vf-fence-'));
  made.push(base);
  const root = join(base, 'root');
  const elsewhere = join(base, 'elsewhere');
  mkdirSync(join(root, 'real'), { recursive: true });
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, 'secret'), 'secret');
  writeFileSync(join(root, 'real', 'f'), 'inside');
  symlinkSync(join(elsewhere, 'secret'), join(root, 'outfile'));
  return { root, t: new LocalTransport(root) };
}

describe('LocalTransport path verdicts', () => {
  it('a link renamed over a path already read is refused on the next read', async () => {
    const { t } = layout();
    expect(fromUtf8(await t.get('real/f'))).toBe('inside');
    await t.append('real/f', utf8('!'));
    await t.rename('outfile', 'real/f');
    await expect(t.get('real/f')).rejects.toThrow(PathOutsideRoot);
    await expect(t.append('real/f', utf8('x'))).rejects.toThrow(PathOutsideRoot);
  });

  it('a clone shares the verdicts and forgets them for its parent too', async () => {
    const { t } = layout();
    const real = t.clone('real');
    expect(fromUtf8(await real.get('f'))).toBe('inside');
    await t.delete('real/f');
    await t.rename('outfile', 'real/f');
    await expect(real.get('f')).rejects.toThrow(PathOutsideRoot);
  });

  it('a path missing when first checked is checked again once it exists', async () => {
    const { root, t } = layout();
    await expect(t.get('later')).rejects.toMatchObject({ code: 'NoSuchFile' });
    symlinkSync(join(root, '..', 'elsewhere', 'secret'), join(root, 'later'));
    await expect(t.get('later')).rejects.toThrow(PathOutsideRoot);
  });
});
