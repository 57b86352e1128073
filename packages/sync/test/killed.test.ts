// A sync killed with SIGKILL at a random point (a real child process writing
// knit files on disk) leaves a target that a new sync completes to the same
// result as an uninterrupted one.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConstantMapper, LocalTransport, utf8, type Key, type VersionedFiles } from '@versionedfiles/core';
import { makeFileFactory } from '@versionedfiles/knit';
import { syncVersionedFiles } from '@versionedfiles/sync';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const child = fileURLToPath(new URL('./sync-child.mjs', import.meta.url));
const open = (dir: string): VersionedFiles => makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 })(new LocalTransport(dir));

beforeAll(() => {
  // The child runs the built packages.
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'packages/sync'], { cwd: root, stdio: 'pipe' });
}, 300_000);

/** Runs the child until it has reported `killAfter` records, then SIGKILLs it. */
function runAndKill(from: string, to: string, killAfter: number): Promise<{ killed: boolean; reported: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, from, to], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let reported = 0;
    let killed = false;
    let err = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.stdout.setEncoding('utf8').on('data', (text: string) => {
      for (const m of text.matchAll(/copied (\d+)/g)) reported = Number(m[1]);
      if (!killed && reported >= killAfter) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' || code === 0) resolve({ killed: signal === 'SIGKILL', reported });
      else reject(new Error(`child failed (${code}): ${err}`));
    });
  });
}

async function snapshot(vf: VersionedFiles): Promise<string[]> {
  const keys = [...(await vf.keys())];
  const parents = await vf.getParentMap(keys);
  const sha1s = await vf.getSha1s(keys);
  return keys.map((k) => `${k.join('/')} ${JSON.stringify(parents.get(k))} ${sha1s.get(k)}`).sort();
}

describe('a sync killed mid-way', () => {
  it('resumes to the same result, wherever the kill lands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-sync-killed-'));
    try {
      const sourceDir = join(dir, 'source');
      mkdirSync(sourceDir);
      const source = open(sourceDir);
      const keys: Key[] = [];
      let text = Array.from({ length: 30 }, (_, i) => `base line ${i}\n`);
      for (let i = 0; i < 120; i++) {
        text = [...text.slice(1), `line added by ${i}\n`];
        const parents = i === 0 ? [] : i % 7 === 0 && i > 1 ? [keys[i - 1] as Key, keys[i - 2] as Key] : [keys[i - 1] as Key];
        keys.push([`rev-${i}`]);
        await source.addLines([`rev-${i}`], parents, text.map(utf8));
      }
      const want = await snapshot(source);
      const kills: boolean[] = [];
      for (const killAfter of [3, 41, 97]) {
        const targetDir = join(dir, `target-${killAfter}`);
        mkdirSync(targetDir);
        const run = await runAndKill(sourceDir, targetDir, killAfter);
        kills.push(run.killed);
        const target = open(targetDir);
        const partial = (await target.keys()).size;
        // The last kill may land after the child wrote its 120th record but
        // before it exited (its reports come in batches): nothing is left to
        // copy then. The early ones land before the end.
        expect(partial).toBeLessThanOrEqual(120);
        if (killAfter < 97) expect(partial).toBeLessThan(120);
        const resumed = await syncVersionedFiles(source, target);
        expect(resumed.copied).toBe(120 - partial);
        expect(await snapshot(target)).toEqual(want);
        await target.check();
        // And from a fresh open of what is on disk.
        expect(await snapshot(open(targetDir))).toEqual(want);
      }
      // The early kills land before the child can finish 120 records.
      expect(kills.slice(0, 2)).toEqual([true, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
