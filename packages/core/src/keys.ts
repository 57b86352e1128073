// Keys name texts: a fixed-length tuple of strings, e.g. `[fileId, revisionId]`.
//
// Entry points: `Key`, `validateKey` / `validateKeys` (the checks every store
// runs on input), `keyToId` (the one canonical string form of a key, used by
// `KeyMap` and `KeySet` so no module invents its own join), `compareKeys`
// (Python's tuple order, which sorted output and index files follow).
//
// Keys are UTF-8 on disk. A store may refuse elements containing bytes its
// format cannot hold (NUL, newline, space, ...); that check is
// `validateKey(key, { forbidden })`.

import { InvalidKey, ReservedId } from './errors.js';

export type Key = readonly string[];

/**
 * A key whose last element may be `null`: "name this text by its content", as
 * Breezy's `add_lines((prefix, None), ...)`; the store fills in `sha1:<hex>`.
 */
export type PendingKey = readonly (string | null)[];

export interface KeyRules {
  /** Exact number of elements, when the store has a fixed key length. */
  readonly length?: number;
  /** Characters no element may contain. */
  readonly forbidden?: string;
  /** Reject elements ending in ':' (Breezy's reserved revision ids). */
  readonly checkReserved?: boolean;
}

/** The rules of a plain lookup (shared: every lookup validates its keys, and a fresh object each time is garbage). */
const NO_RULES: KeyRules = {};

/** Checks shape and content; returns the key typed as `Key`. */
export function validateKey(key: unknown, rules: KeyRules = NO_RULES): Key {
  if (!Array.isArray(key)) throw new InvalidKey(key, 'a key must be an array of strings');
  if (key.length === 0) throw new InvalidKey(key, 'a key must have at least one element');
  if (rules.length !== undefined && key.length !== rules.length) {
    throw new InvalidKey(key, `expected ${rules.length} element(s), got ${key.length}`);
  }
  for (let i = 0; i < key.length; i++) {
    const element: unknown = key[i];
    if (typeof element !== 'string') throw new InvalidKey(key, 'every element must be a string');
    if (element.length === 0) throw new InvalidKey(key, 'elements must not be empty');
    if (rules.forbidden !== undefined) {
      for (const ch of rules.forbidden) {
        if (element.includes(ch)) {
          throw new InvalidKey(key, `element contains a forbidden character ${JSON.stringify(ch)}`);
        }
      }
    }
  }
  if (rules.checkReserved && (key[key.length - 1] as string).endsWith(':')) throw new ReservedId(key as Key);
  return key as Key;
}

export function validateKeys(keys: Iterable<unknown>, rules: KeyRules = NO_RULES): Key[] {
  const out: Key[] = [];
  for (const key of keys) out.push(validateKey(key, rules));
  return out;
}

/** True when the last element is null: the store names the text by its sha1. */
export function isPendingKey(key: PendingKey): boolean {
  return key[key.length - 1] === null;
}

/** Fills in a pending key's last element with `sha1:<hex>`. */
export function resolvePendingKey(key: PendingKey, sha1: string): Key {
  const out: string[] = [];
  for (let i = 0; i < key.length; i++) {
    const element = key[i];
    if (element === null || element === undefined) {
      if (i !== key.length - 1) throw new InvalidKey(key, 'only the last element may be null');
      out.push(`sha1:${sha1}`);
    } else {
      out.push(element);
    }
  }
  return out;
}

/** No NUL or \u0001 inside: the element stands for itself in an id (string searches are inlined; a regex test is a call). */
function plain(element: string): boolean {
  return element.indexOf('\u0000') < 0 && element.indexOf('\u0001') < 0;
}

/** Ids already made, by key array: a key is made once and looked up many times. */
const ids = new WeakMap<Key, string>();

/**
 * The canonical string form of a key: elements joined by NUL, with NUL and
 * \u0001 inside elements escaped so that distinct keys never collide. Every
 * KeyMap and KeySet lookup takes one, so it is kept per key array: making
 * it joined strings that each lookup then flattened and hashed again, about
 * a microsecond a lookup, against a fifth of that for the kept one. Keys are
 * read only (`Key` is a readonly array); one changed in place after use
 * would keep its old id.
 */
export function keyToId(key: Key): string {
  let id = ids.get(key);
  if (id === undefined) {
    id = makeId(key);
    // Only arrays are kept (a weak map takes objects alone); anything else is refused by `makeId` or stores' validation.
    if (Array.isArray(key)) ids.set(key, id);
  }
  return id;
}

function makeId(key: Key): string {
  if (key.length === 2) {
    const [a, b] = key as readonly [string, string];
    if (plain(a) && plain(b)) return `${a}\u0000${b}`;
  } else if (key.length === 1) {
    const a = key[0] as string;
    if (plain(a)) return a;
  }
  if (key.every(plain)) return key.join('\u0000');
  return key.map((e) => e.replace(/\u0001/g, '\u0001\u0001').replace(/\u0000/g, '\u0001\u0002')).join('\u0000');
}

/** Inverse of `keyToId`. */
export function idToKey(id: string): Key {
  const parts = id.split('\u0000');
  if (!id.includes('\u0001')) return parts;
  return parts.map((e) => e.replace(/\u0001([\u0001\u0002])/g, (_m, c: string) => (c === '\u0001' ? '\u0001' : '\u0000')));
}

export function keysEqual(a: Key, b: Key): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compares two strings by their UTF-8 bytes, as Python compares bytes. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF, which sort
      // after every BMP code point in UTF-8; plain UTF-16 order disagrees there.
      const sa = ca >= 0xd800 && ca <= 0xdfff;
      const sb = cb >= 0xd800 && cb <= 0xdfff;
      if (sa !== sb) return sa ? 1 : -1;
      return ca < cb ? -1 : 1;
    }
  }
  return a.length - b.length;
}

/** Python's tuple order over UTF-8 bytes: element by element, shorter first. */
export function compareKeys(a: Key, b: Key): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareUtf8(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function sortKeys<K extends Key>(keys: Iterable<K>): K[] {
  return [...keys].sort(compareKeys);
}

/** A map keyed by `Key` value, not identity. Iterates in insertion order. */
export class KeyMap<V> implements Iterable<readonly [Key, V]> {
  readonly #entries = new Map<string, readonly [Key, V]>();

  constructor(entries?: Iterable<readonly [Key, V]>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: Key): V | undefined {
    return this.#entries.get(keyToId(key))?.[1];
  }

  has(key: Key): boolean {
    return this.#entries.has(keyToId(key));
  }

  set(key: Key, value: V): this {
    this.#entries.set(keyToId(key), [key, value]);
    return this;
  }

  delete(key: Key): boolean {
    return this.#entries.delete(keyToId(key));
  }

  clear(): void {
    this.#entries.clear();
  }

  *keys(): IterableIterator<Key> {
    for (const [k] of this.#entries.values()) yield k;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.#entries.values()) yield v;
  }

  /** The map's own pairs, not copies (read only). */
  entries(): IterableIterator<readonly [Key, V]> {
    return this.#entries.values();
  }

  [Symbol.iterator](): IterableIterator<readonly [Key, V]> {
    return this.entries();
  }
}

/** A set of keys by value. Iterates in insertion order. */
export class KeySet implements Iterable<Key> {
  readonly #keys = new Map<string, Key>();

  constructor(keys?: Iterable<Key>) {
    if (keys) for (const k of keys) this.add(k);
  }

  get size(): number {
    return this.#keys.size;
  }

  has(key: Key): boolean {
    return this.#keys.has(keyToId(key));
  }

  add(key: Key): this {
    const id = keyToId(key);
    if (!this.#keys.has(id)) this.#keys.set(id, key);
    return this;
  }

  delete(key: Key): boolean {
    return this.#keys.delete(keyToId(key));
  }

  clear(): void {
    this.#keys.clear();
  }

  values(): IterableIterator<Key> {
    return this.#keys.values();
  }

  [Symbol.iterator](): IterableIterator<Key> {
    return this.#keys.values();
  }
}
