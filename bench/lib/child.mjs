// Runs one bench child (our runner under node, or Breezy's under
// /usr/bin/python3) and returns the JSON it printed last. Entry points
// `runChild(command, args, options)`, `PYTHON`. A child that fails, or prints
// no JSON, throws with its stderr, which fails the bench run.
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.VF_BREEZY_PYTHON ?? '/usr/bin/python3';

export class ChildFailed extends Error {
  name = 'ChildFailed';
}

export function runChild(command, args, { env = {}, timeoutMs = 3_600_000 } = {}) {
  const result = spawnSync(command, args, {
    env: { ...process.env, PYTHONHASHSEED: '0', BRZ_LOG: '/dev/null', ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: timeoutMs,
  });
  const label = `${command} ${args.join(' ')}`;
  if (result.error) throw new ChildFailed(`${label}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new ChildFailed(`${label} exited ${result.status ?? result.signal}:\n${(result.stderr || result.stdout).trim().slice(-2000)}`);
  }
  const last = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last);
  } catch {
    throw new ChildFailed(`${label} printed no JSON result:\n${result.stdout.slice(-2000)}`);
  }
}
