// The escapes Breezy's key mappers use, as pure functions over strings.
//
// Entry points: `urlEscapePath` (Python's `urllib.parse.quote(path, safe='/')`,
// which is how Breezy writes a transport-relative path), `hashEscape` /
// `hashUnescape` (HashEscapedPrefixMapper's own escape: every byte outside
// [a-z0-9-_@,.] becomes `%xx` with lowercase hex); `adler32` (codecs/adler32.ts)
// is re-exported here, where the mappers first needed it.

import { InvalidKey } from '../errors.js';
import { fromUtf8Strict, utf8 } from '../bytes.js';

export { adler32 } from '../codecs/adler32.js';

const HEX_UPPER = '0123456789ABCDEF';
const HEX_LOWER = '0123456789abcdef';

function byteSet(chars: string): Uint8Array {
  const set = new Uint8Array(256);
  for (const b of utf8(chars)) set[b] = 1;
  return set;
}

// Python's quote() never escapes ASCII letters, digits and '_.-~'; Breezy passes safe='/'.
const URL_SAFE = byteSet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/');
// HashEscapedPrefixMapper's safe set: no uppercase, and '@' and ',' kept for readable file ids.
const HASH_SAFE = byteSet('abcdefghijklmnopqrstuvwxyz0123456789-_@,.');

function escapeBytes(bytes: Uint8Array, safe: Uint8Array, hex: string): string {
  let out = '';
  for (const b of bytes) {
    out += safe[b] ? String.fromCharCode(b) : `%${hex[b >> 4]}${hex[b & 15]}`;
  }
  return out;
}

/** A transport-relative path in the URL-escaped form Breezy's mappers return. */
export function urlEscapePath(path: string): string {
  return escapeBytes(utf8(path), URL_SAFE, HEX_UPPER);
}

/** HashEscapedPrefixMapper's escape of one key element (UTF-8 bytes, then `%xx`). */
export function hashEscape(element: string): string {
  return escapeBytes(utf8(element), HASH_SAFE, HEX_LOWER);
}

const HEX_DIGIT = /^[0-9a-fA-F]{2}$/;

/**
 * Undoes `%xx` escapes (either case) and decodes the bytes as UTF-8, as Breezy's
 * `urlutils.unquote` does; a malformed `%` is kept literally, invalid UTF-8 is
 * refused (Breezy would substitute U+FFFD and so name a different key).
 */
export function hashUnescape(name: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; ) {
    const pair = name.slice(i + 1, i + 3);
    if (name[i] === '%' && HEX_DIGIT.test(pair)) {
      bytes.push(parseInt(pair, 16));
      i += 3;
      continue;
    }
    const codePoint = name.codePointAt(i) as number;
    const char = String.fromCodePoint(codePoint);
    for (const b of utf8(char)) bytes.push(b);
    i += char.length;
  }
  const text = fromUtf8Strict(Uint8Array.from(bytes));
  if (text === null) throw new InvalidKey(name, 'escaped name does not decode as UTF-8');
  return text;
}

