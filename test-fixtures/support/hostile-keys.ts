// Hostile keys, and the check that a store on disk never names a file outside
// its directory, whatever keys it is given.
//
// Entry points:
//   hostileElement, hostileKey(length)   fast-check arbitraries: `..`, `.`, `/`, `\`, NUL,
//                                        newlines, percent escapes, lone surrogates, very long,
//                                        astral and combining unicode, plus ordinary strings
//   pathStaysInside(path)                a relative path the mapper made is one that cannot leave its root
//   filesOutside(sandbox, storeDir)      every file a store wrote outside its directory (none expected)
//   hostileKeysOnDisk(open, n, runs)     a store on disk given hostile keys: typed refusals, nothing outside
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { LocalTransport, VersionedFilesError, collect, type VersionedFiles } from '@versionedfiles/core';

export const hostileElement: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('..', '.', '/', '../..', '../etc/passwd', '/etc/passwd', 'a/../../b', '\\..\\x', 'a\0b', 'a\nb', ' ', '%2e%2e', '%2F', '..%2F..', '', '~', 'CON', 'é', 'e\u0301', '\ud83d\ude00', '\ud800', 'x'.repeat(300)),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.array(fc.constantFrom('..', '/', '.', 'a', '%', '\0', '\\'), { maxLength: 8 }).map((parts) => parts.join('')),
);

export const hostileKey = (length: number): fc.Arbitrary<string[]> => fc.array(hostileElement, { minLength: length, maxLength: length });

/**
 * No `..` or `.` or empty segment, not absolute, no NUL: joined under any root, it stays there.
 * (A backslash is an ordinary name character on POSIX; LocalTransport refuses it on Windows.)
 */
export function pathStaysInside(path: string): boolean {
  if (path.startsWith('/') || path.includes('\0')) return false;
  return path.split('/').every((seg) => seg !== '..' && seg !== '.' && seg !== '');
}

/** Files under `sandbox` that are not under `storeDir` (the store's own directory inside it). */
export function filesOutside(sandbox: string, storeDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (path === storeDir) continue;
      if (entry.isDirectory()) walk(path);
      else out.push(relative(sandbox, path));
    }
  };
  walk(sandbox);
  return out;
}

/**
 * Adds texts under hostile keys to a store on disk in `sandbox/store`: each add
 * succeeds (and the text reads back under its key) or fails with a typed error;
 * afterwards no file exists outside `store/`.
 */
export async function hostileKeysOnDisk(
  open: (t: LocalTransport) => VersionedFiles,
  keyLength: number,
  runs: number,
): Promise<{ added: number; refused: number }> {
  const sandbox = mkdtempSync(join(tmpdir(), 'vf-hostile-'));
  const storeDir = join(sandbox, 'store');
  mkdirSync(storeDir);
  let added = 0;
  let refused = 0;
  try {
    const vf = open(new LocalTransport(storeDir));
    await fc.assert(
      fc.asyncProperty(hostileKey(keyLength), async (key) => {
        const text = new TextEncoder().encode(`text of ${JSON.stringify(key)}\n`);
        try {
          await vf.addLines(key, [], [text]);
        } catch (err) {
          if (!(err instanceof VersionedFilesError)) throw err;
          refused++;
          return;
        }
        added++;
        const [record] = await collect(vf.getRecordStream([key], 'unordered', true));
        if (record === undefined || record.storageKind === 'absent') throw new Error(`added ${JSON.stringify(key)} but cannot read it`);
      }),
      { numRuns: runs },
    );
    const outside = filesOutside(sandbox, storeDir);
    if (outside.length > 0) throw new Error(`files written outside the store: ${outside.join(', ')}`);
    return { added, refused };
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}
