// Content factories: one record of a record stream.
//
// A `ContentFactory` carries a key, its parents, its sha1 (when known) and its
// bytes in one native `storageKind`. Consumers ask for the form they want with
// `getBytesAs('fulltext' | 'chunked' | 'lines')` or, for wire forms, the
// backend's own kind; a form the record cannot give throws
// `UnavailableRepresentation`. Backends add their kinds to `StorageKind` here so
// the union stays closed and literal.
//
// Entry points: `ContentFactory`, `StorageKind`, `FulltextContentFactory`,
// `ChunkedContentFactory`, `FileContentFactory`, `AbsentContentFactory`,
// `isAbsent`.

import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { AbsentContent, UnavailableRepresentation } from '../errors.js';
import type { Key } from '../keys.js';
import { chunksToLines, concatBytes, linesAreLines, splitLines, totalLength } from '../bytes.js';

/** The text forms every present record can produce. */
export type TextKind = 'fulltext' | 'chunked' | 'lines';

/** Every storage kind the library knows, native or on the wire. */
export type StorageKind =
  | TextKind
  | 'file'
  | 'absent'
  | 'mpdiff'
  | 'knit-ft-gz'
  | 'knit-delta-gz'
  | 'knit-annotated-ft-gz'
  | 'knit-annotated-delta-gz'
  | 'knit-delta-closure'
  | 'knit-delta-closure-ref'
  | 'groupcompress-block'
  | 'groupcompress-block-ref';

/** `null` parents: the store does not track a graph for this record. */
export type Parents = readonly Key[] | null;

export interface ContentFactory {
  readonly key: Key;
  readonly parents: Parents;
  /** Hex sha1 of the fulltext, or null when the record does not know it. */
  readonly sha1: string | null;
  /** Length of the fulltext in bytes, or null when unknown. */
  readonly size: number | null;
  readonly storageKind: StorageKind;
  getBytesAs(kind: 'fulltext'): Uint8Array;
  getBytesAs(kind: 'chunked' | 'lines'): readonly Uint8Array[];
  getBytesAs(kind: StorageKind): Uint8Array | readonly Uint8Array[];
  /** Streams the text without materialising it where the record can. */
  iterBytesAs(kind: 'chunked' | 'lines'): Iterable<Uint8Array>;
}

export function isAbsent(record: ContentFactory): boolean {
  return record.storageKind === 'absent';
}

/**
 * Shared overload plumbing for content factories: a subclass gives its text as
 * `fulltext()`/`chunks()` (and `lines()` when it has them already), and a
 * backend whose native kind is a wire form gives those bytes as `nativeBytes()`.
 */
export abstract class TextFactoryBase implements ContentFactory {
  abstract readonly key: Key;
  abstract readonly parents: Parents;
  abstract readonly sha1: string | null;
  abstract readonly size: number | null;
  abstract readonly storageKind: StorageKind;

  getBytesAs(kind: 'fulltext'): Uint8Array;
  getBytesAs(kind: 'chunked' | 'lines'): readonly Uint8Array[];
  getBytesAs(kind: StorageKind): Uint8Array | readonly Uint8Array[];
  getBytesAs(kind: StorageKind): Uint8Array | readonly Uint8Array[] {
    switch (kind) {
      case 'fulltext':
        return this.fulltext();
      case 'chunked':
        return this.chunks();
      case 'lines':
        return this.lines();
      default:
        if (kind === this.storageKind) return this.nativeBytes();
        throw new UnavailableRepresentation(this.key, kind, this.storageKind);
    }
  }

  iterBytesAs(kind: 'chunked' | 'lines'): Iterable<Uint8Array> {
    if (kind === 'chunked') return this.chunks();
    if (kind === 'lines') return this.lines();
    throw new UnavailableRepresentation(this.key, kind, this.storageKind);
  }

  protected abstract fulltext(): Uint8Array;
  protected abstract chunks(): readonly Uint8Array[];
  protected lines(): readonly Uint8Array[] {
    return splitLines(this.fulltext());
  }
  /** The record's own bytes when its kind is not a text kind; text factories have none. */
  protected nativeBytes(): Uint8Array {
    throw new UnavailableRepresentation(this.key, this.storageKind, this.storageKind);
  }
}

export class FulltextContentFactory extends TextFactoryBase {
  readonly storageKind = 'fulltext' as const;
  readonly size: number;

  constructor(
    readonly key: Key,
    readonly parents: Parents,
    readonly sha1: string | null,
    private readonly text: Uint8Array,
  ) {
    super();
    if (!(text instanceof Uint8Array)) throw new TypeError('FulltextContentFactory needs a Uint8Array');
    this.size = text.length;
  }

  protected fulltext(): Uint8Array {
    return this.text;
  }

  protected chunks(): readonly Uint8Array[] {
    return [this.text];
  }
}

export class ChunkedContentFactory extends TextFactoryBase {
  readonly storageKind = 'chunked' as const;
  readonly size: number;
  readonly #chunksAreLines: boolean;

  /** `chunksAreLines`: the caller promises each chunk is one line (skips a re-split). */
  constructor(
    readonly key: Key,
    readonly parents: Parents,
    readonly sha1: string | null,
    private readonly chunkList: readonly Uint8Array[],
    chunksAreLines?: boolean,
  ) {
    super();
    this.size = totalLength(chunkList);
    this.#chunksAreLines = chunksAreLines ?? false;
  }

  protected fulltext(): Uint8Array {
    return concatBytes(this.chunkList);
  }

  protected chunks(): readonly Uint8Array[] {
    return this.chunkList;
  }

  protected override lines(): readonly Uint8Array[] {
    return this.#chunksAreLines ? this.chunkList : chunksToLines(this.chunkList);
  }
}

/**
 * A text read from a file on demand, in bounded pieces for `iterBytesAs('chunked')`.
 * `path` must stay unchanged while the record is in use.
 */
export class FileContentFactory extends TextFactoryBase {
  readonly storageKind = 'file' as const;
  readonly size: number | null;

  constructor(
    readonly key: Key,
    readonly parents: Parents,
    readonly path: string,
    readonly sha1: string | null = null,
    size: number | null = null,
    private readonly chunkSize = 1 << 20,
  ) {
    super();
    this.size = size;
  }

  protected fulltext(): Uint8Array {
    return concatBytes([...this.#read()]);
  }

  protected chunks(): readonly Uint8Array[] {
    return [...this.#read()];
  }

  override iterBytesAs(kind: 'chunked' | 'lines'): Iterable<Uint8Array> {
    if (kind === 'chunked') return this.#read();
    return super.iterBytesAs(kind);
  }

  *#read(): Generator<Uint8Array> {
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      let offset = 0;
      while (offset < size) {
        const buf = new Uint8Array(Math.min(this.chunkSize, size - offset));
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n === 0) break;
        offset += n;
        yield n === buf.length ? buf : buf.subarray(0, n);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** A placeholder for a key that no store in reach has. */
export class AbsentContentFactory implements ContentFactory {
  readonly storageKind = 'absent' as const;
  readonly parents = null;
  readonly sha1 = null;
  readonly size = null;

  constructor(readonly key: Key) {}

  getBytesAs(kind: 'fulltext'): Uint8Array;
  getBytesAs(kind: 'chunked' | 'lines'): readonly Uint8Array[];
  getBytesAs(kind: StorageKind): Uint8Array | readonly Uint8Array[];
  getBytesAs(): Uint8Array | readonly Uint8Array[] {
    throw new AbsentContent(this.key);
  }

  iterBytesAs(): Iterable<Uint8Array> {
    throw new AbsentContent(this.key);
  }
}

/** Lines for a text given as lines or chunks, split only when needed. */
export function asLines(chunks: readonly Uint8Array[]): readonly Uint8Array[] {
  return linesAreLines(chunks) ? chunks : chunksToLines(chunks);
}
