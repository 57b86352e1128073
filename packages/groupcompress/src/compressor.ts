// The group compressor: texts in, one block content out (Breezy's
// `PyrexGroupCompressor`, the one Breezy 3.3.2 runs).
//
// Each text becomes a delta against everything already in the group when the
// delta is at most half the text's length (floor), else a fulltext; an empty
// text stores nothing and is `[0, 0)`. The delta index sees fulltexts whole and
// deltas through their inserts, exactly as Breezy feeds it, so the content
// bytes are Breezy's. The index's copy of the sources, given the record
// headers too, is the group content: the compressor keeps no other copy. A
// whole group compressed at once (`compressGroup`) gives its last text by
// `compressLast`: nothing is compared with that text, so it is neither
// indexed nor copied in, and its record is deflated as a chunk of its own.
//
// Entry points: `GroupCompressor` (`compress`, `compressLast`, `extract`,
// `popLast`, `flush`, `endpoint`), `compressGroup` (texts in, one block and
// their ranges out: what a worker thread runs), `compressGroupOnThreadPool`
// (the same, deflating off this thread), `CompressResult`, `NULL_SHA1`,
// `DEFAULT_MAX_BYTES_TO_INDEX`.

import { DEFLATE_PIECE_BYTES, ExistingContent, concatBytes, sha1OfChunks } from '@versionedfiles/core';
import type { Key, ZlibCodec } from '@versionedfiles/core';
import { DeltaIndex } from './format/delta-index.js';
import { encodeBlock, encodeBlockOnThreadPool, extractRecord, recordHeader } from './format/block.js';

/** sha1 of the empty text. */
export const NULL_SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
/** What Breezy's stores index per source: 1 MiB, every 16 bytes of a 1 MiB text. */
export const DEFAULT_MAX_BYTES_TO_INDEX = 1024 * 1024;

export interface CompressResult {
  readonly sha1: string;
  /** The record's range in the group content. */
  readonly start: number;
  readonly end: number;
  readonly kind: 'fulltext' | 'delta';
}

export interface CompressorOptions {
  /** 0: index every 16 bytes of each fulltext (Breezy's compressor default); stores use 1 MiB. */
  readonly maxBytesToIndex?: number;
  /**
   * An index to work in, owned by the caller, who resets it for each group
   * and frees it (`compressGroup` reuses one per thread); the compressor's
   * content is a view of it, good until then. Default: one of its own.
   */
  readonly index?: DeltaIndex;
}

export class GroupCompressor {
  #endpoint = 0;
  #inputBytes = 0;
  /** Holds the content while texts are added; null once flushed or rolled back. */
  #index: DeltaIndex | null;
  /** The content once the index is gone. */
  #content: Uint8Array = new Uint8Array(0);
  /** Where the last text's record starts, for `popLast`. */
  #last: number | null = null;
  /** The record `compressLast` added (its header and body), kept out of the index. */
  #final: Uint8Array[] = [];
  #flushed = false;

  constructor(options: CompressorOptions = {}) {
    const maxBytesToIndex = options.maxBytesToIndex ?? 0;
    if (options.index !== undefined) {
      if (options.index.maxBytesToIndex !== maxBytesToIndex || options.index.sourceCount > 0) {
        throw new RangeError('a compressor needs an empty index with its maxBytesToIndex');
      }
      this.#index = options.index;
    } else {
      this.#index = new DeltaIndex({ maxBytesToIndex });
    }
  }

  /** Bytes of group content so far. */
  get endpoint(): number {
    return this.#endpoint;
  }

  /** Bytes of text compressed so far. */
  get inputBytes(): number {
    return this.#inputBytes;
  }

  /**
   * Adds one text. `expectedSha1`: trusted as the text's sha1 (as Breezy does).
   * `nostoreSha1`: refuse (ExistingContent) a text with this sha1.
   */
  compress(
    key: Key | null,
    chunks: readonly Uint8Array[],
    length: number,
    expectedSha1: string | null = null,
    nostoreSha1: string | null = null,
  ): CompressResult {
    if (this.#index === null) throw new Error('this compressor was flushed or rolled back');
    if (length === 0) {
      if (nostoreSha1 === NULL_SHA1) throw new ExistingContent(key, NULL_SHA1);
      return { sha1: NULL_SHA1, start: 0, end: 0, kind: 'fulltext' };
    }
    const sha1 = expectedSha1 ?? sha1OfChunks(chunks);
    if (nostoreSha1 !== null && sha1 === nostoreSha1) throw new ExistingContent(key, sha1);
    const text = chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(chunks);
    return { sha1, ...this.compressText(text) };
  }

  /** Adds one non-empty text whose sha1 nobody needs (`compress` without the checks). */
  compressText(text: Uint8Array): Omit<CompressResult, 'sha1'> {
    return this.#add(text, false);
  }

  /**
   * Adds the group's last text (as `compressText`) without indexing it or
   * copying it into the index's content: no text can follow it, so the index
   * would never be asked about it. Its record joins the content at `flush`,
   * as a chunk of its own; only `flush` and `release` may follow.
   */
  compressLast(text: Uint8Array): Omit<CompressResult, 'sha1'> {
    return this.#add(text, true);
  }

  #add(text: Uint8Array, last: boolean): Omit<CompressResult, 'sha1'> {
    if (this.#index === null || this.#final.length > 0) throw new Error('this compressor was flushed or rolled back, or given its last text');
    const length = text.length;
    // The delta is copied at once (into the index's content, or out as the last record): it can stay in the index's scratch.
    const delta = this.#index.makeDeltaInScratch(text, Math.floor(length / 2));
    const start = this.#endpoint;
    this.#last = start;
    let kind: 'fulltext' | 'delta';
    if (delta === null) {
      kind = 'fulltext';
      const header = recordHeader('fulltext', length);
      if (last) this.#final = [header, text];
      else this.#index.addSource(text, header);
      this.#endpoint += header.length + length;
    } else {
      kind = 'delta';
      const header = recordHeader('delta', delta.length);
      if (last) this.#final = [header, delta.slice()];
      else this.#index.addDeltaSource(delta, header);
      this.#endpoint += header.length + delta.length;
    }
    this.#inputBytes += length;
    return { start, end: this.#endpoint, kind };
  }

  /** The group content so far (a view: good until the next text is added). */
  #contentSoFar(): Uint8Array {
    return this.#index?.content ?? this.#content;
  }

  /** The text of a record added to this group, from its range (not the one `compressLast` added). */
  extract(start: number, end: number, key: Key | null = null): Uint8Array {
    if (this.#final.length > 0) throw new Error('a compressor given its last text cannot extract');
    return extractRecord(this.#contentSoFar(), start, end, { key, source: 'group being compressed' }).slice();
  }

  /** Lets go of the index, keeping the content's first `length` bytes (a view of the index's, good until a caller's index is reset). */
  #close(length: number): void {
    this.#content = this.#contentSoFar().subarray(0, length);
    this.#index = null;
  }

  /** Revokes the last text; no text can be added afterwards (Breezy's pop_last). */
  popLast(): void {
    if (this.#last === null) throw new Error('nothing to pop');
    this.#close(this.#last);
    this.#final = [];
    this.#endpoint = this.#last;
    this.#last = null;
  }

  /**
   * Ends the group: its content as chunks (a view of the index's buffer,
   * then the record `compressLast` added; none when empty), and its length.
   * Its texts stay readable with `extract`.
   */
  flush(): { chunks: Uint8Array[]; length: number } {
    if (this.#flushed) throw new Error('compressor already flushed');
    this.#flushed = true;
    this.#close(this.#last !== null && this.#final.length > 0 ? this.#last : this.#endpoint);
    const chunks = [this.#content, ...this.#final].filter((chunk) => chunk.length > 0);
    return { chunks, length: this.#endpoint };
  }

  /**
   * Drops the content (a caller's index keeps it for the next group), once
   * flushed: nothing can be extracted afterwards.
   */
  release(): void {
    if (!this.#flushed) throw new Error('release a compressor once it is flushed');
    this.#content = new Uint8Array(0);
    this.#final = [];
  }

  /** Compression achieved so far: input bytes per content byte. */
  ratio(): number {
    return this.#endpoint === 0 ? 0 : this.#inputBytes / this.#endpoint;
  }
}

/** A whole group compressed at once: the block's chunks, and `[start, end)` of text `i` at `ranges[2i]`, `ranges[2i+1]`. */
export interface CompressedGroup {
  readonly block: Uint8Array[];
  readonly ranges: Int32Array;
}

/**
 * Compresses `texts` in order into one group and encodes its block. Pure and
 * synchronous, so a worker thread and the calling thread run the same code
 * and write the same bytes. `index`: a thread's index, reset and used for
 * this group, its arrays kept for the next (else a fresh one, freed after).
 * `afterText`: called after each text (the calling thread answers its
 * workers there, so none waits for this group to end for its next job).
 */
export function compressGroup(
  texts: readonly Uint8Array[],
  maxBytesToIndex: number,
  zlib: ZlibCodec,
  index?: DeltaIndex,
  afterText?: () => void,
): CompressedGroup {
  const { compressor, ranges } = fillGroup(texts, maxBytesToIndex, index, afterText);
  const block = encodeBlock(compressor.flush().chunks, zlib);
  // The block is deflated: the content (as long as the group) is let go at once.
  compressor.release();
  return { block, ranges };
}

/**
 * `compressGroup` with core's native codec at `level`, deflating on libuv's
 * thread pool (the same bytes): this thread is free for the next group as
 * soon as this one's deltas are made. The content is copied out of `index`,
 * which the next group reuses at once.
 */
export function compressGroupOnThreadPool(
  texts: readonly Uint8Array[],
  maxBytesToIndex: number,
  level: number,
  index?: DeltaIndex,
  afterText?: () => void,
): Promise<CompressedGroup> {
  const { compressor, ranges } = fillGroup(texts, maxBytesToIndex, index, afterText);
  const { chunks, length } = compressor.flush();
  // The first chunk may be the index's buffer, which the next group reuses at
  // once: it is copied. A content deflated in one call is joined by that copy
  // (the call takes one buffer); a longer one is deflated in pieces, which
  // are views of the chunks (the last record's are the caller's text, or a
  // delta already copied).
  const owned = length <= DEFLATE_PIECE_BYTES ? [concatBytes(chunks)] : chunks.map((chunk, i) => (i === 0 ? chunk.slice() : chunk));
  compressor.release();
  return encodeBlockOnThreadPool(owned, level).then((block) => ({ block, ranges }));
}

/** A compressor given `texts` in order (the last one by `compressLast`), and their ranges. */
function fillGroup(
  texts: readonly Uint8Array[],
  maxBytesToIndex: number,
  index: DeltaIndex | undefined,
  afterText: (() => void) | undefined,
): { compressor: GroupCompressor; ranges: Int32Array } {
  index?.reset();
  const compressor = new GroupCompressor({ maxBytesToIndex, ...(index !== undefined ? { index } : {}) });
  const ranges = new Int32Array(2 * texts.length);
  let last = texts.length - 1;
  while (last >= 0 && (texts[last] as Uint8Array).length === 0) last--;
  texts.forEach((text, i) => {
    if (text.length === 0) return;
    const { start, end } = i === last ? compressor.compressLast(text) : compressor.compressText(text);
    ranges[2 * i] = start;
    ranges[2 * i + 1] = end;
    afterText?.();
  });
  return { compressor, ranges };
}
