// Runs bench/hardening/large.mjs for one backend in a child process (its peak
// RSS is its own) and returns the JSON line it printed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LargeResult {
  readonly backend: string;
  readonly result: string;
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly diskMiB: number;
}

export function runLarge(backend: string, mode: 'text' | 'history', ...sizes: number[]): LargeResult {
  const out = execFileSync(process.execPath, [`${ROOT}bench/hardening/large.mjs`, backend, mode, ...sizes.map(String)], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as LargeResult;
}
