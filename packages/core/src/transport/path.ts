// Paths inside a transport: the one place that decides what a relative path
// means and whether it stays inside the store.
//
// A transport path is '/'-separated and relative to the transport's root. It is
// normalised lexically (empty and '.' segments dropped, '..' pops a segment) and
// refused with `PathOutsideRoot` when it is absolute, contains NUL, or climbs
// above the root. Segments must be well-formed Unicode (UTF-8 on disk) and at
// most 255 UTF-8 bytes, the common file-name limit, so the memory and local
// transports accept exactly the same names (`InvalidPath` otherwise).
//
// Entry points: `normalisePath`, `joinPath`, `parentPath`, `baseName`,
// `segmentProblem` and `hasLoneSurrogate` (also used by the key mappers), `InvalidPath`.

import { PathOutsideRoot, VersionedFilesError } from '../errors.js';

/** A path a transport cannot hold (malformed Unicode, a name too long). */
export class InvalidPath extends VersionedFilesError {
  readonly code = 'InvalidPath' as const;
  declare readonly data: { readonly path: string; readonly reason: string };
  constructor(path: string, reason: string) {
    super(`Invalid path ${JSON.stringify(path)}: ${reason}`, { path, reason });
  }
}

export const MAX_SEGMENT_BYTES = 255;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const encoder = new TextEncoder();

/** True when `text` has a UTF-16 surrogate without its pair: it has no UTF-8 form. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * Why `segment` cannot be one plain name inside a directory, or null when it can.
 * Separators, NUL, '.', '..' and the empty name all mean something else to a file system.
 */
export function segmentProblem(segment: string): string | null {
  if (segment === '') return 'empty name';
  if (segment === '.' || segment === '..') return `"${segment}" names a directory, not an entry`;
  if (segment.includes('/')) return 'contains "/"';
  if (segment.includes('\u0000')) return 'contains NUL';
  if (hasLoneSurrogate(segment)) return 'not well-formed Unicode (lone surrogate)';
  return null;
}

/** Normalises a relative path to 'a/b/c' form ('' is the root); throws when it would leave the root. */
export function normalisePath(path: string): string {
  if (typeof path !== 'string') throw new InvalidPath(String(path), 'a path must be a string');
  if (path.includes('\u0000')) throw new PathOutsideRoot(path);
  if (path.startsWith('/')) throw new PathOutsideRoot(path);
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) throw new PathOutsideRoot(path);
      out.pop();
      continue;
    }
    if (hasLoneSurrogate(segment)) throw new InvalidPath(path, 'not well-formed Unicode (lone surrogate)');
    if (encoder.encode(segment).length > MAX_SEGMENT_BYTES) {
      throw new InvalidPath(path, `a name is longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
    out.push(segment);
  }
  return out.join('/');
}

/** Joins two normalised paths. */
export function joinPath(base: string, relative: string): string {
  if (base === '') return relative;
  if (relative === '') return base;
  return `${base}/${relative}`;
}

/** The directory holding a normalised path ('' for a top-level name). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** The last segment of a normalised path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
