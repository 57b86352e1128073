// Breezy's LockDir, over any Transport, so Breezy and we exclude each other.
//
// A lock is a directory (e.g. `lock/`). To take it we make a pending directory
// `lock/<random>.tmp/` holding an `info` file (YAML: hostname, nonce, pid,
// start_time, user) and rename it to `lock/held`; the rename fails while
// another holder's `held/` exists, which is `LockContention`. Releasing renames
// `held` away (`releasing.<random>.tmp`) and deletes it. A stale lock (holder on
// this host, same user, process gone) is broken only when the caller asks.
//
// Entry points: `acquireLockDir`, `peekLockDir`, `breakLockDir` (what `BaseTransport`'s
// `lockWrite`, `peekLock` and `breakLock` call), `formatLockInfo` / `parseLockInfo` (the info
// file), `isHolderKnownDead`.

import { randomBytes } from 'node:crypto';
import { hostname as osHostname, userInfo } from 'node:os';
import { FileExists, LockContention, LockNotHeld, NoSuchFile } from '../errors.js';
import { fromUtf8, utf8 } from '../bytes.js';
import { compareUtf8 } from '../keys.js';
import { joinPath, normalisePath } from './path.js';
import type { LockHolder, LockOptions, Transport, WriteLock } from './transport.js';
import { TransportError } from './transport.js';

const RAND_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randChars(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (const b of bytes) out += RAND_ALPHABET[b % RAND_ALPHABET.length];
  return out;
}

function lockUser(): string {
  const fromEnv = process.env['BRZ_EMAIL'];
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

// -- the info file ------------------------------------------------------------

/** The YAML mapping Breezy writes: sorted keys, one `key: value` per line. */
export function formatLockInfo(fields: Readonly<Record<string, string | number>>): Uint8Array {
  const lines = Object.keys(fields)
    .sort(compareUtf8)
    .map((key) => {
      const value = fields[key] as string | number;
      if (typeof value === 'number') return `${key}: ${value}\n`;
      // Single-quoted scalars need no escapes but doubled quotes; line breaks would fold, so drop them.
      return `${key}: '${value.replace(/[\r\n\t\u0000-\u001f]/g, ' ').replace(/'/g, "''")}'\n`;
    });
  return utf8(lines.join(''));
}

/** Reads an info file leniently: unknown lines are skipped, so a damaged file still names what it can. */
export function parseLockInfo(bytes: Uint8Array): LockHolder {
  const fields: Record<string, string | number> = {};
  for (const line of fromUtf8(bytes).split('\n')) {
    const m = /^([A-Za-z_][\w-]*):(?: (.*))?$/.exec(line);
    if (!m) continue;
    fields[m[1] as string] = parseScalar((m[2] ?? '').trim());
  }
  const text = (key: string): string | null => {
    const value = fields[key];
    return value === undefined ? null : String(value);
  };
  const num = (key: string): number | null => {
    const value = fields[key];
    return typeof value === 'number' ? value : null;
  };
  return {
    hostname: text('hostname'),
    pid: num('pid'),
    user: text('user'),
    nonce: text('nonce'),
    startTime: num('start_time'),
    fields,
  };
}

function parseScalar(raw: string): string | number {
  if (/^-?\d{1,15}$/.test(raw)) return Number(raw);
  if (raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw.slice(1, -1);
    }
  }
  return raw;
}

function describeHolder(holder: LockHolder | null): string {
  if (holder === null) return 'unknown holder';
  return `${holder.user ?? '<unknown>'} on ${holder.hostname ?? '<unknown>'} (process #${holder.pid ?? '<unknown>'})`;
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  const keys = new Set([...Object.keys(a.fields), ...Object.keys(b.fields)]);
  for (const k of keys) if (a.fields[k] !== b.fields[k]) return false;
  return true;
}

/** True when the holder ran on this host as this user and its process no longer exists. */
export function isHolderKnownDead(holder: LockHolder): boolean {
  if (holder.hostname !== osHostname() || holder.hostname === 'localhost') return false;
  if (holder.user !== lockUser()) return false;
  if (holder.pid === null || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'ESRCH';
  }
}

// -- the protocol ---------------------------------------------------------------

const HELD = 'held';
const INFO = 'info';

/** The holder of the lock at `name`, or null when nobody holds it. */
export async function peekLockDir(t: Transport, name: string): Promise<LockHolder | null> {
  const infoPath = joinPath(joinPath(normalisePath(name), HELD), INFO);
  try {
    return parseLockInfo(await t.get(infoPath));
  } catch (err) {
    if (err instanceof NoSuchFile) return null;
    if (err instanceof TransportError && err.data.reason === 'notDirectory') return null;
    throw err;
  }
}

async function deleteTree(t: Transport, dir: string): Promise<void> {
  for (const entry of await t.list(dir)) {
    const path = joinPath(dir, entry);
    if ((await t.stat(path)).isDirectory) await deleteTree(t, path);
    else await t.delete(path);
  }
  await t.rmdir(dir);
}

/** Moves `held` aside under `prefix.<random>.tmp` and returns that directory's holder info. */
async function moveHeldAside(t: Transport, dir: string, prefix: string): Promise<[string, LockHolder]> {
  const aside = joinPath(dir, `${prefix}.${randChars(20)}.tmp`);
  await t.rename(joinPath(dir, HELD), aside);
  return [aside, parseLockInfo(await t.get(joinPath(aside, INFO)))];
}

function isContention(err: unknown): boolean {
  return (
    err instanceof FileExists ||
    (err instanceof TransportError && ['notEmpty', 'isDirectory', 'notDirectory'].includes(err.data.reason))
  );
}

const POLL_MS = 100;

export async function acquireLockDir(t: Transport, name: string, options: LockOptions = {}): Promise<WriteLock> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    try {
      return await attemptLock(t, name, options);
    } catch (err) {
      const left = deadline - Date.now();
      if (!(err instanceof LockContention) || left <= 0) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
    }
  }
}

async function attemptLock(t: Transport, name: string, options: LockOptions): Promise<WriteLock> {
  const dir = normalisePath(name);
  await t.mkdir(dir, { recursive: true });
  const nonce = randChars(20);
  const fields: Record<string, string | number> = {
    ...options.extraInfo,
    hostname: osHostname(),
    nonce,
    pid: process.pid,
    start_time: Math.floor(Date.now() / 1000),
    user: lockUser(),
  };
  const pending = joinPath(dir, `${randChars(10)}.tmp`);
  await t.mkdir(pending);
  try {
    await t.put(joinPath(pending, INFO), formatLockInfo(fields));
  } catch (err) {
    await deleteTree(t, pending).catch(() => undefined);
    throw err;
  }
  let brokeStale = false;
  for (;;) {
    try {
      await t.rename(pending, joinPath(dir, HELD));
      break;
    } catch (err) {
      if (!isContention(err)) {
        await deleteTree(t, pending).catch(() => undefined);
        throw err;
      }
      const holder = await peekLockDir(t, dir);
      if (options.breakStale && !brokeStale && holder !== null && isHolderKnownDead(holder)) {
        brokeStale = true;
        await breakLockDir(t, dir, holder);
        continue;
      }
      await deleteTree(t, pending).catch(() => undefined);
      throw new LockContention(dir, describeHolder(holder));
    }
  }
  // Some servers once "won" the rename by moving into the held directory; check it is ours.
  const holder = await peekLockDir(t, dir);
  if (holder?.nonce !== nonce) throw new LockContention(dir, describeHolder(holder));
  return new HeldLock(t, dir, nonce);
}

class HeldLock implements WriteLock {
  #released = false;

  constructor(
    readonly transport: Transport,
    readonly path: string,
    readonly nonce: string,
  ) {}

  async confirm(): Promise<void> {
    if (this.#released) throw new LockNotHeld(this.path);
    const holder = await peekLockDir(this.transport, this.path);
    if (holder?.nonce !== this.nonce) throw new LockNotHeld(this.path);
  }

  async release(): Promise<void> {
    await this.confirm();
    this.#released = true;
    const [aside] = await moveHeldAside(this.transport, this.path, 'releasing');
    await deleteTree(this.transport, aside);
  }
}

/** Breaks the lock at `name` if `holder` still holds it; a lock already released is left alone. */
export async function breakLockDir(t: Transport, name: string, holder: LockHolder): Promise<void> {
  const dir = normalisePath(name);
  const current = await peekLockDir(t, dir);
  if (current === null) return;
  if (!sameHolder(current, holder)) throw new LockContention(dir, describeHolder(current));
  const [aside, broken] = await moveHeldAside(t, dir, 'broken');
  // Someone may have taken the lock between peek and rename: put theirs back.
  if (!sameHolder(broken, holder)) {
    await t.rename(aside, joinPath(dir, HELD));
    throw new LockContention(dir, describeHolder(broken));
  }
  await deleteTree(t, aside);
}
