import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport, LockContention, fromUtf8 } from '@versionedfiles/core';
import { runPython } from '../../../test-fixtures/support/breezy.js';

// Breezy's LockDir and ours exclude each other on the same directory, and each
// reads the other's holder info. BRZ_EMAIL makes both sides record the same user,
// which is what lets us recognise a dead Breezy process's lock as stale.
process.env['BRZ_EMAIL'] = 'Interop Test <interop@example.com>';

const scratch = mkdtempSync(join(tmpdir(), 'vf-lock-interop-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const BREEZY_LOCK = `
import sys
import breezy
from breezy import errors, lockdir, urlutils
from breezy.transport import local
with breezy.initialize():
    t = local.LocalTransport(urlutils.local_path_to_url(sys.argv[1]))
    ld = lockdir.LockDir(t, 'lock')
    action = sys.argv[2]
    if action == 'peek':
        info = ld.peek()
        print(info.get('nonce') if info else 'free', info.get('pid') if info else '')
    elif action == 'attempt':
        try:
            ld.attempt_lock()
            print('acquired')
            ld.unlock()
        except errors.LockContention:
            print('contention')
    elif action == 'take-and-die':
        ld.attempt_lock()
        print(ld.nonce.decode('ascii'))
`;

function breezy(dir: string, action: string): string {
  return fromUtf8(runPython(BREEZY_LOCK, { args: [dir, action] })).trim();
}

describe('LockDir interop with Breezy', () => {
  it('Breezy sees our lock as held, by us, and can take it once we release', async () => {
    const dir = mkdtempSync(join(scratch, 'ours-'));
    const t = new LocalTransport(dir);
    const lock = await t.lockWrite('lock');
    expect(breezy(dir, 'peek')).toBe(`${lock.nonce} ${process.pid}`);
    expect(breezy(dir, 'attempt')).toBe('contention');
    await lock.release();
    expect(breezy(dir, 'peek')).toBe('free');
    expect(breezy(dir, 'attempt')).toBe('acquired');
    expect(await t.list('lock')).toEqual([]);
  });

  it("we see Breezy's lock as held, and break it as stale only when asked", async () => {
    const dir = mkdtempSync(join(scratch, 'theirs-'));
    const t = new LocalTransport(dir);
    const nonce = breezy(dir, 'take-and-die');
    const holder = await t.peekLock('lock');
    expect(holder?.nonce).toBe(nonce);
    expect(holder?.user).toBe('Interop Test <interop@example.com>');
    await expect(t.lockWrite('lock')).rejects.toThrow(LockContention);
    const lock = await t.lockWrite('lock', { breakStale: true });
    expect(breezy(dir, 'attempt')).toBe('contention');
    await lock.release();
    expect(breezy(dir, 'attempt')).toBe('acquired');
  });
});
