// Groups being written: texts go into a compressor; a group is flushed as one
// block (one pack record, one index node per text) when Breezy would start a
// new one, or when asked.
//
// Breezy's rule (`_insert_record_stream`): keep filling while the text's
// prefix is the one of the largest text so far and the group is under twice
// that text's size; else start a new group past 4 MiB, or past 2 MiB when the
// prefix (the key's first element, for keys of 2+ elements) just changed.
// The text that crossed the line is taken back out and starts the new group.
// On top of Breezy's rule, so that every block written stays readable: a text
// over `settings.maxTextBytes` is refused (`LimitExceeded`) before it touches
// the group, and a group never grows past `readerLimitFor(maxTextBytes)`.
//
// Entry points: `GroupWriter` (`add`, `pending`, `extract`, `flush`,
// `discardFrom`), `PendingTexts`, `prefixOf`,
// `TextWriter` (what the store writes through), `BlockSink`, `BlockText`.

import { KeyMap, checkTextSize, readerLimitFor } from '@versionedfiles/core';
import type { Key, Parents } from '@versionedfiles/core';
import { GroupCompressor } from '../compressor.js';
import type { CompressResult } from '../compressor.js';
import { encodeBlock } from '../format/block.js';
import type { CompressorSettings } from './content-manager.js';

const FULL_BLOCK_SIZE = 4 * 1024 * 1024;
const FULL_MIXED_BLOCK_SIZE = 2 * 1024 * 1024;

/** A text of a block being written: what its index entry needs. */
export interface BlockText {
  readonly key: Key;
  readonly parents: Parents;
  readonly start: number;
  readonly end: number;
}

export interface PendingText extends BlockText {
  readonly sha1: string;
  /** The group it went into (readable until the block is indexed, even while being written). */
  readonly group: GroupCompressor;
}

/** Writes one finished group: the block's chunks and the texts in it. */
export type BlockSink = (blockChunks: Uint8Array[], texts: readonly BlockText[]) => Promise<void>;

/** The texts a writer has not indexed yet, as a store reads them (a `KeyMap` of the writer's own entries). */
export interface PendingTexts {
  readonly size: number;
  get(key: Key): { readonly key: Key; readonly parents: Parents } | undefined;
  has(key: Key): boolean;
  keys(): Iterable<Key>;
}

/** What a store writes texts through: this Breezy-rule writer, or the default mode's `BatchWriter`. */
export interface TextWriter {
  add(key: Key, parents: Parents, chunks: readonly Uint8Array[], length: number, sha1: string | null): Promise<unknown>;
  /** Texts added but not yet indexed. */
  readonly pending: PendingTexts;
  /** The text of a pending key. */
  pendingText(key: Key): Uint8Array;
  flush(signal?: AbortSignal): Promise<void>;
}

/** A key's prefix for grouping: its first element, for keys of 2+ elements (Breezy's rule). */
export function prefixOf(key: Key): string | null {
  return key.length > 1 ? (key[0] as string) : null;
}

export class GroupWriter implements TextWriter {
  #compressor: GroupCompressor;
  #pending = new KeyMap<PendingText>();
  #texts: PendingText[] = [];
  #lastPrefix: string | null = null;
  #maxFulltextLength = 0;
  #maxFulltextPrefix: string | null = null;

  constructor(
    private readonly settings: CompressorSettings,
    private readonly sink: BlockSink,
  ) {
    this.#compressor = this.#newCompressor();
  }

  #newCompressor(): GroupCompressor {
    return new GroupCompressor({ maxBytesToIndex: this.settings.maxBytesToIndex });
  }

  /** Bytes of the group being filled. */
  get size(): number {
    return this.#compressor.endpoint;
  }

  /** The texts added but not yet flushed. */
  get pending(): KeyMap<PendingText> {
    return this.#pending;
  }

  /** Adds one text; may first flush the group it no longer fits in. */
  async add(key: Key, parents: Parents, chunks: readonly Uint8Array[], length: number, sha1: string | null): Promise<CompressResult> {
    checkTextSize(length, this.settings.maxTextBytes);
    const prefix = prefixOf(key);
    if (this.#maxFulltextLength < length) {
      this.#maxFulltextLength = length;
      this.#maxFulltextPrefix = prefix;
    }
    let result = this.#compressor.compress(key, chunks, length, sha1);
    let startNew: boolean;
    if (result.end > readerLimitFor(this.settings.maxTextBytes) && result.start > 0) startNew = true;
    else if (prefix === this.#maxFulltextPrefix && result.end < 2 * this.#maxFulltextLength) startNew = false;
    else if (result.end > FULL_BLOCK_SIZE) startNew = true;
    else startNew = prefix !== null && prefix !== this.#lastPrefix && result.end > FULL_MIXED_BLOCK_SIZE;
    this.#lastPrefix = prefix;
    if (startNew) {
      this.#compressor.popLast();
      await this.flush();
      this.#maxFulltextLength = length;
      result = this.#compressor.compress(key, chunks, length, sha1);
    }
    this.#keep(key, parents, result);
    return result;
  }

  /**
   * Keeps the first `keep` texts of the group being filled and drops the
   * rest: the group is rebuilt from the kept texts, as if only they had been
   * added to it (a delta index cannot forget a source). Nothing is written.
   */
  discardFrom(keep: number): void {
    if (keep >= this.#texts.length) return;
    const kept = this.#texts.slice(0, keep).map((t) => ({ t, bytes: this.extract(t) }));
    for (const t of this.#texts.slice(keep)) this.#pending.delete(t.key);
    this.#compressor = this.#newCompressor();
    this.#texts = [];
    this.#maxFulltextLength = 0;
    for (const { t, bytes } of kept) {
      const prefix = prefixOf(t.key);
      if (this.#maxFulltextLength < bytes.length) {
        this.#maxFulltextLength = bytes.length;
        this.#maxFulltextPrefix = prefix;
      }
      this.#lastPrefix = prefix;
      this.#keep(t.key, t.parents, this.#compressor.compress(t.key, [bytes], bytes.length, t.sha1));
    }
  }

  #keep(key: Key, parents: Parents, result: CompressResult): void {
    const text: PendingText = { key, parents, sha1: result.sha1, start: result.start, end: result.end, group: this.#compressor };
    this.#pending.set(key, text);
    this.#texts.push(text);
  }

  /** The text of a pending key. */
  extract(text: PendingText): Uint8Array {
    return text.group.extract(text.start, text.end, text.key);
  }

  pendingText(key: Key): Uint8Array {
    const text = this.#pending.get(key);
    if (text === undefined) throw new RangeError('no such pending text');
    return this.extract(text);
  }

  /**
   * Writes the group being filled, if it holds any text, and starts a new one.
   * Its texts stay pending (readable from the old group) until the block is
   * written and indexed, so a read during the write still finds them.
   */
  async flush(): Promise<void> {
    if (this.#texts.length === 0) {
      this.#compressor = this.#newCompressor();
      return;
    }
    const { chunks } = this.#compressor.flush();
    const texts = this.#texts;
    this.#compressor = this.#newCompressor();
    this.#texts = [];
    try {
      await this.sink(encodeBlock(chunks, this.settings.zlib), texts);
    } finally {
      this.#pending = new KeyMap<PendingText>();
    }
  }
}
