// The small HTTP protocol between `serveVersionedFiles` and `RemoteVersionedFiles`.
//
//   GET  /info        -> {"keyLength": n, "formatName": "..."}
//   GET  /keys        -> [key, ...]            every key, fallbacks included
//   POST /parent-map  {"keys": [...]}          -> [[key, parents], ...]
//   POST /stream      {"keys": [...], "ordering": "...", "includeDeltaClosure": bool}
//                     -> a byte stream (application/x-bzr-byte-stream)
//   POST /insert      a byte stream            -> {"inserted": n}
//
// Keys travel as JSON arrays of strings; parents as an array of keys or null.
// Errors answer 4xx/5xx with {"code", "message"}: the library error's code, or
// `BadRequest`/`Internal`. Everything here is shared by both ends.
//
// Entry points: `BYTE_STREAM_TYPE`, `parseKeyList`, `parseParentMap`,
// `RemoteError`, `StreamInterrupted`, `BadRequest`, `HttpLimits`, `DEFAULT_HTTP_LIMITS`.

import { VersionedFilesError, validateKey, type Key, type Parents } from '@versionedfiles/core';

export const BYTE_STREAM_TYPE = 'application/x-bzr-byte-stream';

export interface HttpLimits {
  /** Largest request or response body of JSON (bytes). */
  readonly maxJsonBytes: number;
  /** Most keys in one request. */
  readonly maxKeysPerRequest: number;
  /** Largest single record of a byte stream. */
  readonly maxRecordBytes: number;
  /** Largest inserted byte stream. */
  readonly maxStreamBytes: number;
  /** Most text bytes one insert may expand to (deltas inflate): bounds what the server stages. */
  readonly maxInflatedBytes: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxJsonBytes: 16 * 1024 * 1024,
  maxKeysPerRequest: 10_000,
  maxRecordBytes: 16 * 1024 * 1024,
  maxStreamBytes: 256 * 1024 * 1024,
  maxInflatedBytes: 1024 * 1024 * 1024,
};

/** The other end answered with an error: its code and message, and the HTTP status. */
export class RemoteError extends VersionedFilesError {
  readonly code = 'RemoteError' as const;
  declare readonly data: { readonly status: number; readonly remoteCode: string; readonly detail: string };
  constructor(status: number, remoteCode: string, detail: string) {
    super(`Remote store answered ${status} ${remoteCode}: ${detail}`, { status, remoteCode, detail });
  }
}

/** The connection broke in the middle of a byte stream (the server failed after it began answering, or the network did). */
export class StreamInterrupted extends VersionedFilesError {
  readonly code = 'StreamInterrupted' as const;
  declare readonly data: { readonly url: string };
  constructor(url: string, options?: { cause?: unknown }) {
    super(`The byte stream from ${url} was cut off.`, { url }, options);
  }
}

/** A malformed request: bad JSON, bad keys, too many of them. */
export class BadRequest extends VersionedFilesError {
  readonly code = 'BadRequest' as const;
  declare readonly data: { readonly detail: string };
  constructor(detail: string) {
    super(`Bad request: ${detail}`, { detail });
  }
}

export function parseKeyList(value: unknown, keyLength: number, maxKeys: number): Key[] {
  if (!Array.isArray(value)) throw new BadRequest('keys must be an array');
  if (value.length > maxKeys) throw new BadRequest(`more than ${maxKeys} keys in one request`);
  return value.map((k: unknown) => validateKey(k, { length: keyLength }));
}

export function parseParentMap(value: unknown, keyLength: number): [Key, Parents][] {
  if (!Array.isArray(value)) throw new BadRequest('a parent map must be an array');
  return value.map((entry: unknown) => {
    if (!Array.isArray(entry) || entry.length !== 2) throw new BadRequest('a parent map entry must be [key, parents]');
    const parents: unknown = entry[1];
    return [
      validateKey(entry[0], { length: keyLength }),
      parents === null ? null : parseKeyList(parents, keyLength, Number.MAX_SAFE_INTEGER),
    ];
  });
}
