// The storage-kind adapter registry: how a record in one kind becomes another.
//
// Every record can give its text as `fulltext`/`chunked`/`lines` when it holds
// enough to build it; some native kinds (a knit line delta sent without its
// delta closure) can only do so with help: the text of their compression
// parent, read from the store the record is being inserted into. Backends
// register an adapter for each (fromKind, toKind) pair they can convert, and
// say which of their kinds are deltas; `insertRecordStream` then turns any
// record into the form it stores without knowing every format.
//
// Entry points: `registerAdapter`, `registerDeltaKind`, `adaptRecord` (bytes in
// the wanted kind), `compressionParentOf`, and `AdapterRegistry` for a private
// registry (the module-level `defaultAdapters` is the one backends plug into).

import { UnavailableRepresentation } from '../errors.js';
import type { Key } from '../keys.js';
import type { VersionedFiles } from '../versionedfiles.js';
import type { ContentFactory, StorageKind } from './factory.js';

/** What an adapter may use besides the record itself. */
export interface AdapterContext {
  /** The store that holds (or will hold) the record's compression basis. */
  readonly basis?: VersionedFiles;
  readonly signal?: AbortSignal;
}

export type AdaptedBytes = Uint8Array | readonly Uint8Array[];

/**
 * Converts one record to `toKind`. Returns a single byte string for
 * `fulltext` and for wire kinds, a list for `chunked` and `lines`.
 */
export type Adapter = (record: ContentFactory, toKind: StorageKind, context: AdapterContext) => Promise<AdaptedBytes>;

/** Returns the key of the text a delta record is expressed against, or null. */
export type CompressionParentOf = (record: ContentFactory) => Key | null;

/** Knit line deltas are stored against their left parent, as Breezy's knits do. */
const leftParent: CompressionParentOf = (record) => record.parents?.[0] ?? null;

export class AdapterRegistry {
  readonly #adapters = new Map<string, Adapter>();
  readonly #deltaKinds = new Map<StorageKind, CompressionParentOf>();

  registerAdapter(fromKind: StorageKind, toKind: StorageKind, adapter: Adapter): void {
    this.#adapters.set(pairId(fromKind, toKind), adapter);
  }

  getAdapter(fromKind: StorageKind, toKind: StorageKind): Adapter | undefined {
    return this.#adapters.get(pairId(fromKind, toKind));
  }

  /** Declares `kind` a delta kind whose records need their compression parent to become text. */
  registerDeltaKind(kind: StorageKind, compressionParent: CompressionParentOf = leftParent): void {
    this.#deltaKinds.set(kind, compressionParent);
  }

  /** The key a record's bytes are a delta against, or null for self-contained records. */
  compressionParentOf(record: ContentFactory): Key | null {
    const of = this.#deltaKinds.get(record.storageKind);
    return of ? of(record) : null;
  }

  /**
   * The record's bytes in `wanted`: straight from the record when it can give
   * them (the common case), else through a registered adapter. Throws
   * `UnavailableRepresentation` when neither can.
   */
  async adaptRecord(record: ContentFactory, wanted: 'fulltext', context?: AdapterContext): Promise<Uint8Array>;
  async adaptRecord(
    record: ContentFactory,
    wanted: 'chunked' | 'lines',
    context?: AdapterContext,
  ): Promise<readonly Uint8Array[]>;
  async adaptRecord(record: ContentFactory, wanted: StorageKind, context?: AdapterContext): Promise<AdaptedBytes>;
  async adaptRecord(record: ContentFactory, wanted: StorageKind, context: AdapterContext = {}): Promise<AdaptedBytes> {
    const adapter = this.getAdapter(record.storageKind, wanted);
    // A delta kind's own getBytesAs may fail for want of its basis; a
    // registered adapter knows to fetch it, so it goes first.
    if (adapter && this.#deltaKinds.has(record.storageKind)) return adapter(record, wanted, context);
    try {
      return record.getBytesAs(wanted);
    } catch (err) {
      if (!(err instanceof UnavailableRepresentation) || !adapter) throw err;
    }
    return adapter(record, wanted, context);
  }
}

function pairId(fromKind: StorageKind, toKind: StorageKind): string {
  return `${fromKind}\u0000${toKind}`;
}

/** The registry backends plug into; `insertRecordStream` of every store consults it. */
export const defaultAdapters: AdapterRegistry = new AdapterRegistry();
defaultAdapters.registerDeltaKind('knit-delta-gz');
defaultAdapters.registerDeltaKind('knit-annotated-delta-gz');

export function registerAdapter(fromKind: StorageKind, toKind: StorageKind, adapter: Adapter): void {
  defaultAdapters.registerAdapter(fromKind, toKind, adapter);
}

export function registerDeltaKind(kind: StorageKind, compressionParent?: CompressionParentOf): void {
  defaultAdapters.registerDeltaKind(kind, compressionParent);
}

export function compressionParentOf(record: ContentFactory): Key | null {
  return defaultAdapters.compressionParentOf(record);
}

export function adaptRecord(record: ContentFactory, wanted: 'fulltext', context?: AdapterContext): Promise<Uint8Array>;
export function adaptRecord(
  record: ContentFactory,
  wanted: 'chunked' | 'lines',
  context?: AdapterContext,
): Promise<readonly Uint8Array[]>;
export function adaptRecord(record: ContentFactory, wanted: StorageKind, context?: AdapterContext): Promise<AdaptedBytes>;
export function adaptRecord(record: ContentFactory, wanted: StorageKind, context?: AdapterContext): Promise<AdaptedBytes> {
  return defaultAdapters.adaptRecord(record, wanted, context);
}
