// Assertions for checks: plain functions that throw, so a check runs the same
// inside `it(...)` and when a test calls it directly on a broken store.
//
// Values are compared in a plain form (bytes as escaped strings, key maps as
// sorted objects, key sets as sorted arrays) so a failure shows a readable diff. Errors are matched by
// their stable `code`, never by class identity or message, so a backend that
// bundles its own copy of core still passes.
//
// Entry points: `ConformanceFailure`, `fail`, `expectTrue`, `expectEqual`,
// `expectRejects`, `expectThrows`, `isCode`, `plain`.

import { deepStrictEqual } from 'node:assert/strict';
import { KeyMap, KeySet, compareKeys, isVersionedFilesError, keyToId, latin1 } from '@versionedfiles/core';
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

/** True when `err` is a versionedfiles error with this `code`. */
export function isCode(err: unknown, code: string): boolean {
  return isVersionedFilesError(err) && err.code === code;
}

/** Awaits `run` and expects it to throw a versionedfiles error with `code`. */
export async function expectRejects(run: () => unknown, code: string, what: string): Promise<unknown> {
  let outcome: unknown;
  try {
    outcome = await run();
  } catch (err) {
    if (isCode(err, code)) return err;
    const got = isVersionedFilesError(err) ? `${err.code}: ${err.message}` : String(err);
    fail(`${what}: expected a ${code} error, got ${got}`);
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
    const got = isVersionedFilesError(err) ? `${err.code}: ${err.message}` : String(err);
    fail(`${what}: expected a ${code} error, got ${got}`);
  }
  return fail(`${what}: expected a ${code} error, but it succeeded with ${describe(outcome)}`);
}

/**
 * A comparable form: bytes become `b"..."` strings, keys stay arrays, key maps
 * and key sets are sorted by key so insertion order does not matter.
 */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return `b${JSON.stringify(latin1(value))}`;
  if (value instanceof KeyMap) {
    const entries = [...(value as KeyMap<unknown>).entries()].sort((a, b) => compareKeys(a[0], b[0]));
    return Object.fromEntries(entries.map(([k, v]) => [keyLabel(k), plain(v)]));
  }
  if (value instanceof KeySet) return [...value].sort(compareKeys).map((k) => [...k]);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return plain(new KeyMap([...value.entries()] as [Key, unknown][]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
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
