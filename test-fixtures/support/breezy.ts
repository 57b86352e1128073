// Drives the reference implementation from tests and fixture scripts: runs a
// Python snippet or script with /usr/bin/python3 (where Debian's python3-breezy
// lives) and PYTHONHASHSEED=0, so set and dict orders are stable run to run.
import { execFileSync, spawnSync } from 'node:child_process';

export const PYTHON = process.env.VF_BREEZY_PYTHON ?? '/usr/bin/python3';

export function breezyVersion(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import breezy; print(breezy.version_string)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export interface PythonRun {
  readonly args?: readonly string[];
  readonly input?: Uint8Array | string;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs Python code (`-c`) and returns stdout as bytes; throws with stderr on failure. */
export function runPython(code: string, run: PythonRun = {}): Uint8Array {
  return runPythonArgv(['-c', code, ...(run.args ?? [])], run);
}

/** Runs a Python script file and returns stdout as bytes. */
export function runPythonScript(path: string, run: PythonRun = {}): Uint8Array {
  return runPythonArgv([path, ...(run.args ?? [])], run);
}

function runPythonArgv(argv: readonly string[], run: PythonRun): Uint8Array {
  try {
    const out = execFileSync(PYTHON, argv, {
      env: { ...process.env, PYTHONHASHSEED: '0', BRZ_LOG: '/dev/null', HOME: process.env.HOME ?? '/tmp' },
      input: run.input,
      cwd: run.cwd,
      timeout: run.timeoutMs ?? 120_000,
      maxBuffer: 1 << 30,
    });
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`python failed: ${e.message}\n${e.stderr?.toString() ?? ''}`);
  }
}
