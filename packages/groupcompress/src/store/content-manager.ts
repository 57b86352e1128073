// Records read from a block, and the block they share (Breezy's
// `_LazyGroupContentManager` and `_LazyGroupCompressFactory`).
//
// A run of records read from one block is one manager: its first record has
// storage kind `groupcompress-block` (its wire bytes carry the block and every
// record of the run), the others `groupcompress-block-ref` (empty wire bytes).
// Texts are extracted on demand, the block inflated once for the run and only
// as far as the run needs. Before a block is sent, a poorly used one is
// trimmed (the run uses less than half of it but only its front) or rebuilt
// from the run's texts, exactly as Breezy decides; `isWellUtilized` is the
// test an inserting store uses to keep a block as it is.
//
// Entry points: `GroupContentManager` (`addRecord`, `records`, `wireBytes`,
// `isWellUtilized`, `fromWire`), `GroupCompressRecord`,
// `networkBlockToRecords`, `CompressorSettings`. Loading this module teaches
// core's network registry the `groupcompress-block` wire kind.

import { MAX_TEXT_BYTES, UnavailableRepresentation, chunksToLines, compatZlib, concatBytes, registerNetworkKind } from '@versionedfiles/core';
import type { ContentFactory, Key, Parents, StorageKind, ZlibCodec } from '@versionedfiles/core';
import { GroupCompressBlock } from '../format/block.js';
import type { WasmDeltaApplier } from '../format/wasm-applier.js';
import { decodeWireBlock, encodeWireBlock } from '../format/wire.js';
import { DEFAULT_MAX_BYTES_TO_INDEX, GroupCompressor } from '../compressor.js';

export interface CompressorSettings {
  readonly zlib: ZlibCodec;
  readonly maxBytesToIndex: number;
  /** Largest text a writer accepts; its groups stay within `readerLimitFor` of it. */
  readonly maxTextBytes: number;
}

export const DEFAULT_SETTINGS: CompressorSettings = { zlib: compatZlib, maxBytesToIndex: DEFAULT_MAX_BYTES_TO_INDEX, maxTextBytes: MAX_TEXT_BYTES };

/** Breezy's thresholds for a block worth keeping as it is. */
const MAX_CUT_FRACTION = 0.75;
const FULL_ENOUGH_BLOCK_SIZE = 3 * 1024 * 1024;
const FULL_ENOUGH_MIXED_BLOCK_SIZE = 2 * 768 * 1024;

export class GroupContentManager {
  #block: GroupCompressBlock;
  readonly #records: GroupCompressRecord[] = [];
  #lastByte = 0;

  /** How far into the block the whole read this run is part of goes (a store's request may hold several runs of one block). */
  readonly #readAhead: number;
  /** Applies the run's deltas, when the reader has one (see `WasmDeltaApplier`). */
  readonly #applier: WasmDeltaApplier | null;

  constructor(
    block: GroupCompressBlock,
    readonly settings: CompressorSettings = DEFAULT_SETTINGS,
    readAhead = 0,
    applier: WasmDeltaApplier | null = null,
  ) {
    this.#block = block;
    this.#readAhead = readAhead;
    this.#applier = applier;
  }

  get block(): GroupCompressBlock {
    return this.#block;
  }

  /** Adds the next record of the run. */
  addRecord(key: Key, parents: Parents, start: number, end: number): GroupCompressRecord {
    const record = new GroupCompressRecord(key, parents, this, start, end, this.#records.length === 0);
    if (end > this.#lastByte) this.#lastByte = end;
    this.#records.push(record);
    return record;
  }

  records(): readonly GroupCompressRecord[] {
    return this.#records;
  }

  /**
   * The text of one of this manager's records; the block is inflated at once
   * as far as the whole run (or the whole read, `readAhead`) needs, not bit
   * by bit as later records ask.
   */
  extract(record: GroupCompressRecord): Uint8Array {
    this.#block.content(Math.min(Math.max(this.#lastByte, this.#readAhead), this.#block.contentLength), record.key);
    return this.#block.extract(record.key, record.start, record.end, this.#applier);
  }

  #usage(): { action: 'trim' | 'rebuild' | null; lastByteUsed: number; totalBytesUsed: number } {
    let totalBytesUsed = 0;
    let lastByteUsed = 0;
    for (const r of this.#records) {
      totalBytesUsed += r.end - r.start;
      if (lastByteUsed < r.end) lastByteUsed = r.end;
    }
    const length = this.#block.contentLength;
    if (totalBytesUsed * 2 >= length) return { action: null, lastByteUsed, totalBytesUsed };
    if (totalBytesUsed * 2 > lastByteUsed) return { action: 'trim', lastByteUsed, totalBytesUsed };
    return { action: 'rebuild', lastByteUsed, totalBytesUsed };
  }

  /** Breezy's check_is_well_utilized: should an inserting store keep this block as it is? */
  isWellUtilized(): boolean {
    if (this.#records.length === 1) return false;
    const { totalBytesUsed } = this.#usage();
    const size = this.#block.contentLength;
    if (totalBytesUsed < size * MAX_CUT_FRACTION) return false;
    if (size >= FULL_ENOUGH_BLOCK_SIZE) return true;
    let common: string | null = null;
    for (const r of this.#records) {
      const prefix = r.key.slice(0, -1).join('\0');
      if (common === null) common = prefix;
      else if (prefix !== common) return size >= FULL_ENOUGH_MIXED_BLOCK_SIZE;
    }
    return false;
  }

  /** Trims or rebuilds a block the run uses poorly. */
  #checkRebuild(): void {
    const { action, lastByteUsed } = this.#usage();
    if (action === 'trim') {
      const content = this.#block.content(lastByteUsed).subarray(0, lastByteUsed);
      this.#block = GroupCompressBlock.fromContent(content.slice(), this.settings.zlib);
    } else if (action === 'rebuild') {
      const compressor = new GroupCompressor({ maxBytesToIndex: this.settings.maxBytesToIndex });
      let end = 0;
      for (const r of this.#records) {
        const text = r.getBytesAs('fulltext');
        const result = compressor.compress(r.key, [text], text.length, r.sha1);
        r.start = result.start;
        r.end = result.end;
        end = result.end;
      }
      this.#lastByte = end;
      const { chunks } = compressor.flush();
      this.#block = GroupCompressBlock.fromContent(concatBytes(chunks), this.settings.zlib);
    }
  }

  /** The `groupcompress-block` wire bytes of the run (after a trim or rebuild if Breezy would). */
  wireBytes(): Uint8Array {
    this.#checkRebuild();
    const entries = this.#records.map((r) => ({ key: r.key, parents: r.parents, start: r.start, end: r.end }));
    return encodeWireBlock(this.#block.toChunks(), entries, this.settings.zlib);
  }

  /** A manager and its records from `groupcompress-block` wire bytes. */
  static fromWire(bytes: Uint8Array, settings: CompressorSettings = DEFAULT_SETTINGS): GroupContentManager {
    const { block, entries } = decodeWireBlock(bytes, settings.zlib);
    const manager = new GroupContentManager(block, settings);
    for (const e of entries) manager.addRecord(e.key, e.parents, e.start, e.end);
    return manager;
  }
}

/** One text of a block (lazy: extracted on first use, then kept). */
export class GroupCompressRecord implements ContentFactory {
  readonly storageKind: 'groupcompress-block' | 'groupcompress-block-ref';
  readonly sha1: string | null = null;
  readonly size: number | null = null;
  #text: Uint8Array | null = null;

  constructor(
    readonly key: Key,
    readonly parents: Parents,
    readonly manager: GroupContentManager,
    /** The record's range in the block content (moves if the block is rebuilt). */
    public start: number,
    public end: number,
    readonly first: boolean,
  ) {
    this.storageKind = first ? 'groupcompress-block' : 'groupcompress-block-ref';
  }

  #fulltext(): Uint8Array {
    this.#text ??= this.manager.extract(this);
    return this.#text;
  }

  /** Drops the text kept since it was first asked for (asking again extracts it again). */
  release(): void {
    this.#text = null;
  }

  getBytesAs(kind: 'fulltext'): Uint8Array;
  getBytesAs(kind: 'chunked' | 'lines'): readonly Uint8Array[];
  getBytesAs(kind: StorageKind): Uint8Array | readonly Uint8Array[];
  getBytesAs(kind: StorageKind): Uint8Array | readonly Uint8Array[] {
    if (kind === this.storageKind) return this.first ? this.manager.wireBytes() : new Uint8Array(0);
    switch (kind) {
      case 'fulltext':
        return this.#fulltext();
      case 'chunked':
        return [this.#fulltext()];
      case 'lines':
        return chunksToLines([this.#fulltext()]);
      default:
        throw new UnavailableRepresentation(this.key, kind, this.storageKind);
    }
  }

  iterBytesAs(kind: 'chunked' | 'lines'): Iterable<Uint8Array> {
    if (kind === 'chunked' || kind === 'lines') return this.getBytesAs(kind);
    throw new UnavailableRepresentation(this.key, kind, this.storageKind);
  }
}

/** The records of a `groupcompress-block` wire record (Breezy's network_block_to_records). */
export function networkBlockToRecords(bytes: Uint8Array, settings: CompressorSettings = DEFAULT_SETTINGS): readonly GroupCompressRecord[] {
  return GroupContentManager.fromWire(bytes, settings).records();
}


registerNetworkKind('groupcompress-block', (_kind, bytes) => networkBlockToRecords(bytes));
