// Assertions for checks: plain functions that throw, so a check runs the same
// inside `it(...)` and when a test calls it directly on a broken store.
//
// Values are compared in a plain form (bytes as escaped strings, key maps as
// sorted objects, key sets as sorted arrays) so a failure shows a readable diff. Errors are matched by
// their stable `code`, never by class identity or message, so a backend that
// bundles its own copy of core still passes.
//
// Entry points: `ConformanceFailure`, `fail`, `expectTrue`, `expectEqual`,
// `expectRejects`, `expectThrows`, `errorCode`, `isCode`, `plain`.

import { deepStrictEqual } from 'node:assert/strict';
import { compareKeys, isVersionedFilesError, keyToId, latin1 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';

/** A behaviour the store under test got wrong. */
export class ConformanceFailure extends Error {
  override get name(): string {
    return 'ConformanceFailure';
  }
}

export function fail(message: string): never {
  throw new ConformanceFailure(message);
}

export function expectTrue(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

/** Deep equality on the plain form of both values. */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  try {
    deepStrictEqual(plain(actual), plain(expected));
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ConformanceFailure(`${what}\n${detail}`);
  }
}

/**
 * The `code` of a versionedfiles error, by shape (an Error with a string
 * `code` and a `data` object), so errors of another copy of core count too.
 */
export function errorCode(err: unknown): string | null {
  if (isVersionedFilesError(err)) return err.code;
  const e = err as { code?: unknown; data?: unknown } | null;
  return err instanceof Error && typeof e?.code === 'string' && typeof e.data === 'object' ? e.code : null;
}

/** True when `err` is a versionedfiles error with this `code`. */
export function isCode(err: unknown, code: string): boolean {
  return errorCode(err) === code;
}

function describeError(err: unknown): string {
  const code = errorCode(err);
  return code === null ? String(err) : `${code}: ${err instanceof Error ? err.message : ''}`;
}

/** Awaits `run` and expects it to throw a versionedfiles error with `code`. */
export async function expectRejects(run: () => unknown, code: string, what: string): Promise<unknown> {
  let outcome: unknown;
  try {
    outcome = await run();
  } catch (err) {
    if (isCode(err, code)) return err;
    fail(`${what}: expected a ${code} error, got ${describeError(err)}`);
  }
  return fail(`${what}: expected a ${code} error, but it succeeded with ${describe(outcome)}`);
}

/** Synchronous form of `expectRejects`. */
export function expectThrows(run: () => unknown, code: string, what: string): unknown {
  let outcome: unknown;
  try {
    outcome = run();
  } catch (err) {
    if (isCode(err, code)) return err;
    fail(`${what}: expected a ${code} error, got ${describeError(err)}`);
  }
  return fail(`${what}: expected a ${code} error, but it succeeded with ${describe(outcome)}`);
}

/**
 * A comparable form: bytes become `b"..."` strings, keys stay arrays, maps
 * (`KeyMap`, `Map`) become objects sorted by key and sets (`KeySet`) sorted
 * arrays, so insertion order does not matter. Maps and sets are recognised by
 * shape, not class, so those of another copy of core compare the same.
 */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return `b${JSON.stringify(latin1(value))}`;
  if (Array.isArray(value)) return value.map(plain);
  if (isMapLike(value)) {
    const entries = [...value.entries()].map(([k, v]): [Key, unknown] => [Array.isArray(k) ? (k as Key) : [String(k)], v]);
    entries.sort((a, b) => compareKeys(a[0], b[0]));
    return Object.fromEntries(entries.map(([k, v]) => [keyLabel(k), plain(v)]));
  }
  if (isSetLike(value)) return [...value].map((k) => (Array.isArray(k) ? [...(k as Key)] : [String(k)])).sort(compareKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

interface MapLike {
  entries(): Iterable<[unknown, unknown]>;
}

function isMapLike(value: unknown): value is MapLike {
  const v = value as { entries?: unknown; get?: unknown; has?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.entries === 'function' && typeof v.get === 'function' && typeof v.has === 'function';
}

function isSetLike(value: unknown): value is Iterable<unknown> {
  const v = value as { add?: unknown; has?: unknown; [Symbol.iterator]?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.add === 'function' && typeof v.has === 'function' && typeof v[Symbol.iterator] === 'function';
}

function keyLabel(key: Key): string {
  return `(${keyToId(key).split('\u0000').join(', ')})`;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(plain(value))?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}
