// The one error family of versionedfiles.
//
// Every error the library throws on purpose is a `VersionedFilesError`: a stable
// `code` literal that callers switch on (nobody parses messages) and a `data`
// payload with the facts (keys, file names, offsets). Backend packages subclass
// `VersionedFilesError` (or one of the classes here) for their own format errors,
// so `err instanceof VersionedFilesError` catches everything we raise.
//
// Entry points: `VersionedFilesError` (base), `isVersionedFilesError`, and one
// class per condition, named after Breezy's exception where Breezy has one.

import type { Key } from './keys.js';

export type ErrorData = Readonly<Record<string, unknown>>;

export abstract class VersionedFilesError extends Error {
  abstract readonly code: string;
  readonly data: ErrorData;

  constructor(message: string, data: ErrorData, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.data = data;
  }

  override get name(): string {
    return this.code;
  }

  toJSON(): { code: string; message: string; data: ErrorData } {
    return { code: this.code, message: this.message, data: jsonSafe(this.data) as ErrorData };
  }
}

export function isVersionedFilesError(err: unknown): err is VersionedFilesError {
  return err instanceof VersionedFilesError;
}

/** Renders a key the way messages show it: `(a, b)`. */
export function formatKey(key: readonly unknown[] | null | undefined): string {
  if (key == null) return '(null)';
  return `(${key.map((e) => (e === null ? 'null' : String(e))).join(', ')})`;
}

// -- the versionedfile layer (Breezy's errors.py / versionedfile.py) ----------

export class RevisionNotPresent extends VersionedFilesError {
  readonly code = 'RevisionNotPresent' as const;
  declare readonly data: { readonly key: Key; readonly store: string };
  constructor(key: Key, store = '') {
    super(`Revision ${formatKey(key)} not present${store ? ` in "${store}"` : ''}.`, { key, store });
  }
}

export class RevisionAlreadyPresent extends VersionedFilesError {
  readonly code = 'RevisionAlreadyPresent' as const;
  declare readonly data: { readonly key: Key; readonly store: string };
  constructor(key: Key, store = '') {
    super(`Revision ${formatKey(key)} already present${store ? ` in "${store}"` : ''}.`, { key, store });
  }
}

export class ExistingContent extends VersionedFilesError {
  readonly code = 'ExistingContent' as const;
  declare readonly data: { readonly key: Key | null; readonly sha1: string };
  constructor(key: Key | null, sha1: string) {
    super('The content being inserted is already present.', { key, sha1 });
  }
}

export class UnavailableRepresentation extends VersionedFilesError {
  readonly code = 'UnavailableRepresentation' as const;
  declare readonly data: { readonly key: Key; readonly wanted: string; readonly native: string };
  constructor(key: Key, wanted: string, native: string) {
    super(
      `The encoding '${wanted}' is not available for key ${formatKey(key)} which is encoded as '${native}'.`,
      { key, wanted, native },
    );
  }
}

export class AbsentContent extends VersionedFilesError {
  readonly code = 'AbsentContent' as const;
  declare readonly data: { readonly key: Key };
  constructor(key: Key) {
    super(
      `A request was made for key ${formatKey(key)}, but that content is not available` +
        ' and the calling code does not handle it being missing.',
      { key },
    );
  }
}

export class ReservedId extends VersionedFilesError {
  readonly code = 'ReservedId' as const;
  declare readonly data: { readonly key: readonly (string | null)[] };
  constructor(key: readonly (string | null)[]) {
    super(`Reserved revision-id ${formatKey(key)}: ids ending in ':' are reserved.`, { key });
  }
}

/** A key that is malformed: wrong length, a non-string element, a forbidden byte. */
export class InvalidKey extends VersionedFilesError {
  readonly code = 'InvalidKey' as const;
  declare readonly data: { readonly key: unknown; readonly reason: string };
  constructor(key: unknown, reason: string) {
    super(`Invalid key ${describeValue(key)}: ${reason}`, { key, reason });
  }
}

/** Breezy's BzrBadParameterContainsNewline: a line with an embedded newline. */
export class BadParameterContainsNewline extends VersionedFilesError {
  readonly code = 'BadParameterContainsNewline' as const;
  declare readonly data: { readonly parameter: string; readonly index: number };
  constructor(parameter: string, index: number) {
    super(`Parameter ${parameter} contains a newline (item ${index}).`, { parameter, index });
  }
}

/** Breezy's BzrBadParameterUnicode: content that is not bytes. */
export class BadParameterNotBytes extends VersionedFilesError {
  readonly code = 'BadParameterNotBytes' as const;
  declare readonly data: { readonly parameter: string; readonly index: number };
  constructor(parameter: string, index: number) {
    super(`Parameter ${parameter} must be bytes (Uint8Array); item ${index} is not.`, { parameter, index });
  }
}

/** A text whose content does not hash to the sha1 recorded for it. */
export class InvalidChecksum extends VersionedFilesError {
  readonly code = 'InvalidChecksum' as const;
  declare readonly data: { readonly key: Key; readonly expected: string; readonly actual: string };
  constructor(key: Key, expected: string, actual: string) {
    super(`Text ${formatKey(key)} did not match its checksum: expected ${expected}, got ${actual}.`, {
      key,
      expected,
      actual,
    });
  }
}

/** A record whose compression basis is not available to build it. */
export class MissingCompressionParent extends VersionedFilesError {
  readonly code = 'MissingCompressionParent' as const;
  declare readonly data: { readonly key: Key; readonly parent: Key };
  constructor(key: Key, parent: Key) {
    super(`Record ${formatKey(key)} needs compression parent ${formatKey(parent)}, which is absent.`, {
      key,
      parent,
    });
  }
}

export class FallbackCycle extends VersionedFilesError {
  readonly code = 'FallbackCycle' as const;
  declare readonly data: { readonly store: string };
  constructor(store: string) {
    super(`Adding this fallback would make a cycle in the fallback chain of ${store || 'the store'}.`, {
      store,
    });
  }
}

/** An operation the store does not support (e.g. ghosts in a weave, writes to a read-only view). */
export class UnsupportedOperation extends VersionedFilesError {
  readonly code = 'UnsupportedOperation' as const;
  declare readonly data: { readonly operation: string; readonly store: string };
  constructor(operation: string, store: string, why = '') {
    super(`${store} does not support ${operation}${why ? `: ${why}` : '.'}`, { operation, store });
  }
}

export class Aborted extends VersionedFilesError {
  readonly code = 'Aborted' as const;
  declare readonly data: { readonly reason: unknown };
  constructor(reason: unknown) {
    super(`Operation aborted${reason instanceof Error ? `: ${reason.message}` : ''}.`, { reason });
  }
}

/** Throws `Aborted` when the signal has fired; call it between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Aborted(signal.reason);
}

// -- format and storage errors, shared by every backend -----------------------

/** Bytes that do not parse as the format they claim to be. Backends subclass it. */
export class CorruptData extends VersionedFilesError {
  readonly code: string = 'CorruptData';
  declare readonly data: { readonly format: string; readonly how: string; readonly where: string };
  constructor(format: string, how: string, where = '', options?: { cause?: unknown }) {
    super(`Corrupt ${format}${where ? ` ${where}` : ''}: ${how}`, { format, how, where }, options);
  }
}

/** A format we recognise but do not support (e.g. an LZMA groupcompress block). */
export class UnsupportedFormat extends VersionedFilesError {
  readonly code = 'UnsupportedFormat' as const;
  declare readonly data: { readonly format: string; readonly detail: string };
  constructor(format: string, detail: string) {
    super(`Unsupported format ${format}: ${detail}`, { format, detail });
  }
}

/** Untrusted input asked for more than the configured limit (decompression bombs, hostile lengths). */
export class LimitExceeded extends VersionedFilesError {
  readonly code = 'LimitExceeded' as const;
  declare readonly data: { readonly what: string; readonly limit: number; readonly actual: number };
  constructor(what: string, limit: number, actual: number) {
    super(`${what} exceeds the limit of ${limit} (got ${actual}).`, { what, limit, actual });
  }
}

// -- transports and locks -----------------------------------------------------

export class NoSuchFile extends VersionedFilesError {
  readonly code = 'NoSuchFile' as const;
  declare readonly data: { readonly path: string };
  constructor(path: string, options?: { cause?: unknown }) {
    super(`No such file: ${path}`, { path }, options);
  }
}

export class FileExists extends VersionedFilesError {
  readonly code = 'FileExists' as const;
  declare readonly data: { readonly path: string };
  constructor(path: string, options?: { cause?: unknown }) {
    super(`File exists: ${path}`, { path }, options);
  }
}

/** A path that would leave the transport's root. */
export class PathOutsideRoot extends VersionedFilesError {
  readonly code = 'PathOutsideRoot' as const;
  declare readonly data: { readonly path: string };
  constructor(path: string) {
    super(`Path ${JSON.stringify(path)} is outside the store.`, { path });
  }
}

/** A byte range beyond the end of a file. */
export class ShortRead extends VersionedFilesError {
  readonly code = 'ShortRead' as const;
  declare readonly data: { readonly path: string; readonly offset: number; readonly length: number; readonly available: number };
  constructor(path: string, offset: number, length: number, available: number) {
    super(`Short read on ${path}: wanted ${length} bytes at ${offset}, file has ${available}.`, {
      path,
      offset,
      length,
      available,
    });
  }
}

export class LockContention extends VersionedFilesError {
  readonly code = 'LockContention' as const;
  declare readonly data: { readonly path: string; readonly holder: string };
  constructor(path: string, holder = '') {
    super(`Could not acquire lock ${path}${holder ? ` (held by ${holder})` : ''}.`, { path, holder });
  }
}

export class LockNotHeld extends VersionedFilesError {
  readonly code = 'LockNotHeld' as const;
  declare readonly data: { readonly path: string };
  constructor(path: string) {
    super(`Lock ${path} is not held.`, { path });
  }
}

export class ReadOnlyError extends VersionedFilesError {
  readonly code = 'ReadOnlyError' as const;
  declare readonly data: { readonly store: string };
  constructor(store: string) {
    super(`${store} is read-only.`, { store });
  }
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function jsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: value.length };
  if (value instanceof Error) return { error: value.message };
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}
