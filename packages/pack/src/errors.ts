// The pack package's errors, all in core's one family.
//
// Format errors (bytes that do not parse) subclass core's `CorruptData` and
// carry their own stable `code`; misuse of a builder (a bad value, a key added
// twice) subclasses `VersionedFilesError` directly. Entry points:
// `BadContainerFormat`, `ContainerTruncated`, `BadContainerRecord` (the pack
// container), `BadIndexSignature`, `BadIndexOptions`, `BadIndexData` (both
// index formats), `BadIndexValue`, `DuplicateIndexKey` (builders).

import { CorruptData, VersionedFilesError, formatKey } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';

/** The first line of a container is not "Bazaar pack format 1 (introduced in 0.18)". */
export class BadContainerFormat extends CorruptData {
  override readonly code = 'BadContainerFormat' as const;
  constructor(where: string, found: string) {
    super('pack container', `unknown container format ${JSON.stringify(found)}`, where);
  }
}

/** The container stream (or one record) ends before its end marker / declared length. */
export class ContainerTruncated extends CorruptData {
  override readonly code = 'ContainerTruncated' as const;
  constructor(where: string, how = 'unexpected end of container stream') {
    super('pack container', how, where);
  }
}

/** A record that does not parse: unknown type byte, bad length, bad name, excess data, duplicate name. */
export class BadContainerRecord extends CorruptData {
  override readonly code = 'BadContainerRecord' as const;
  constructor(where: string, how: string) {
    super('pack container', how, where);
  }
}

/** The file does not start with the signature of the index type being opened. */
export class BadIndexSignature extends CorruptData {
  override readonly code = 'BadIndexSignature' as const;
  constructor(where: string, expected: string) {
    super('index', `not an index of type ${JSON.stringify(expected)}`, where);
  }
}

/** The option lines after the signature are missing or malformed. */
export class BadIndexOptions extends CorruptData {
  override readonly code = 'BadIndexOptions' as const;
  constructor(where: string, how: string) {
    super('index', `bad options: ${how}`, where);
  }
}

/**
 * The body of an index does not parse: a malformed line, keys out of order, a
 * reference that points nowhere, a page that does not inflate, a truncated file.
 */
export class BadIndexData extends CorruptData {
  override readonly code = 'BadIndexData' as const;
  constructor(where: string, how: string, options?: { cause?: unknown }) {
    super('index', how, where, options);
  }
}

/** A value given to an index builder holds a NUL or newline, or the reference lists have the wrong shape. */
export class BadIndexValue extends VersionedFilesError {
  readonly code = 'BadIndexValue' as const;
  declare readonly data: { readonly key: Key; readonly reason: string };
  constructor(key: Key, reason: string) {
    super(`Bad index value for ${formatKey(key)}: ${reason}`, { key, reason });
  }
}

/** Breezy's BadIndexDuplicateKey: a builder was given the same key twice. */
export class DuplicateIndexKey extends VersionedFilesError {
  readonly code = 'DuplicateIndexKey' as const;
  declare readonly data: { readonly key: Key };
  constructor(key: Key) {
    super(`The key ${formatKey(key)} is already in the index.`, { key });
  }
}
