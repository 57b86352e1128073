// Runs the BUILT `vf` binary (packages/cli/dist/bin.js) in a child process.
// `buildCli()` brings the build up to date once per test file; concurrent test
// files take turns through a lock directory so two `tsc -b` never race.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { concatBytes } from '@versionedfiles/core';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = nodePath.join(REPO, 'packages/cli/dist/bin.js');
const LOCK = nodePath.join(tmpdir(), 'vf-cli-build.lock');

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Hook timeout for `beforeAll(buildCli)`: a cold build on a busy machine takes minutes. */
export const BUILD_TIMEOUT = 600_000;

export function buildCli(): void {
  for (let i = 0; ; i++) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock older than five minutes was left by a killed run.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        /* gone already */
      }
      if (i > 1200) throw new Error('timed out waiting for another build of the cli');
      sleep(250);
    }
  }
  try {
    const r = spawnSync(nodePath.join(REPO, 'node_modules/.bin/tsc'), ['-b', 'packages/cli'], { cwd: REPO, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tsc -b packages/cli failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface VfRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Uint8Array;
}

/** A Node Buffer seen as a plain Uint8Array (no copy): @types/node's Buffer does not type-check as one. */
export function u8(b: { readonly buffer: ArrayBufferLike; readonly byteOffset: number; readonly byteLength: number }): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const decoder = new TextDecoder();

export function vf(args: readonly string[], options: { readonly input?: string | Uint8Array; readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {}): VfRun {
  const r: SpawnSyncReturns<Buffer> = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    input: options.input ?? '',
    env: { ...process.env, VF_STORE: '', ...options.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: u8(r.stdout) };
}

const created: string[] = [];

/** A fresh directory under the system temp dir, removed by `removeTempDirs` (call it in `afterAll`). */
export function tempDir(name: string): string {
  const dir = mkdtempSync(nodePath.join(tmpdir(), `vf-cli-${name}-`));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A failure as the command reports it: exactly one line on stderr, starting `vf: `. */
export function isOneLineError(run: VfRun): boolean {
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  return run.code !== 0 && lines.length === 1 && (lines[0] ?? '').startsWith('vf: ');
}

/** `vf` without blocking the test process (needed while a `vf serve` child answers). */
export function vfAsync(args: readonly string[], options: { readonly cwd?: string } = {}): Promise<VfRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(u8(d)));
    child.stderr.on('data', (d: Buffer) => err.push(u8(d)));
    child.once('close', (code) => {
      const stdoutBytes = concatBytes(out);
      resolve({ code: code ?? -1, stdout: decoder.decode(stdoutBytes), stderr: decoder.decode(concatBytes(err)), stdoutBytes });
    });
  });
}
