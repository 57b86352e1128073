// Key mappers: which file of a store holds a key.
//
// A store that splits its texts over many files (one knit or weave per file id)
// asks a mapper for the file's relative path, without suffix; the store adds
// '.kndx', '.knit' or '.weave'. The names are Breezy's, so either tool opens the
// other's store:
// - `ConstantMapper(name)`: every key in one file (`revisions`, `inventory`).
// - `PrefixMapper`: the key's first element is the name (`file-id`).
// - `HashPrefixMapper`: `xx/<first element>`, xx the low byte of its Adler-32 in hex.
// - `HashEscapedPrefixMapper`: the same over an escaped element (only
//   [a-z0-9-_@,.] kept, every other byte `%xx`), for case-insensitive file systems.
//
// `map` returns the name as it is on disk, the form our transports take; Breezy's
// own `map()` returns it URL-escaped, which is `urlEscapePath(map(key))`. Unlike
// Breezy, no key ever maps outside the store or onto a directory entry that
// means something else ('.', '..', '/', NUL): such keys are refused with
// `InvalidKey` (docs/decisions/key-mappers.md).
//
// Entry points: `KeyMapper`, the four classes above.

import { InvalidKey } from '../errors.js';
import type { Key, PendingKey } from '../keys.js';
import { utf8 } from '../bytes.js';
import { baseName, hasLoneSurrogate, normalisePath, segmentProblem } from '../transport/path.js';
import { adler32 } from '../codecs/adler32.js';
import { hashEscape, hashUnescape } from './escaping.js';

export interface KeyMapper {
  /** The relative path (no suffix) of the file holding `key` (a pending key names its file too). */
  map(key: PendingKey): string;
  /** The key prefix a path made by `map` stands for (`[]` for a constant mapper). */
  unmap(path: string): Key;
}

/** Checks that `name` is usable as one directory entry; `key` is reported on failure. */
function entryName(name: string, key: unknown): string {
  const problem = segmentProblem(name);
  if (problem !== null) throw new InvalidKey(key, `maps to an unusable file name: ${problem}`);
  return name;
}

/** Only the first element names the file; the rest (even a pending `null`) is the store's business. */
function firstElement(key: PendingKey): string {
  const element: unknown = Array.isArray(key) ? key[0] : undefined;
  if (typeof element !== 'string') throw new InvalidKey(key, 'the first element must be a string');
  // Checked before any escaping: a lone surrogate would become U+FFFD and collide with it.
  if (hasLoneSurrogate(element)) throw new InvalidKey(key, 'not well-formed Unicode (lone surrogate)');
  return element;
}

/** The last segment of a path a store listed; refuses paths `map` could never have made. */
function listedName(path: string): string {
  const parts = path.split('/');
  for (const part of parts) entryName(part, path);
  return baseName(path);
}

/** Maps every key to the same file. */
export class ConstantMapper implements KeyMapper {
  readonly #name: string;

  constructor(name: string) {
    for (const part of name.split('/')) entryName(part, name);
    this.#name = normalisePath(name);
  }

  map(_key: PendingKey): string {
    return this.#name;
  }

  unmap(_path: string): Key {
    return [];
  }
}

/** Maps a key to a file named by its first element. */
export class PrefixMapper implements KeyMapper {
  map(key: PendingKey): string {
    return entryName(firstElement(key), key);
  }

  unmap(path: string): Key {
    if (path.includes('/')) throw new InvalidKey(path, 'a PrefixMapper name is a single file name');
    return [entryName(path, path)];
  }
}

/** Maps a key to `xx/<first element>`, spreading files over 256 directories. */
export class HashPrefixMapper implements KeyMapper {
  map(key: PendingKey): string {
    const name = entryName(this.escape(firstElement(key)), key);
    const hash = adler32(utf8(name)) & 0xff;
    return `${hash.toString(16).padStart(2, '0')}/${name}`;
  }

  unmap(path: string): Key {
    // Like Breezy, only the file name counts; the hash directory is not checked.
    return [this.unescape(listedName(path))];
  }

  protected escape(element: string): string {
    return element;
  }

  protected unescape(name: string): string {
    return name;
  }
}

/** `HashPrefixMapper` over an escaped first element: safe on case-insensitive file systems. */
export class HashEscapedPrefixMapper extends HashPrefixMapper {
  protected override escape(element: string): string {
    return hashEscape(element);
  }

  protected override unescape(name: string): string {
    return hashUnescape(name);
  }
}
