// `KnitVersionedFiles`: Breezy's KnitVersionedFiles over a `KnitIndex` and a
// `KnitAccess` (knit files or knit packs).
//
// Writing (`storeText`) makes Breezy's choices so compat mode writes its bytes:
// a line delta against the left parent when that parent is stored here and its
// delta chain is short enough (fewer than `maxDeltaChain` links, and the
// fulltext at its root still larger than the deltas on top of it), else a
// fulltext; deltas and annotations come from the patience matcher.
// Reading walks delta chains through a `TextBuilder` and checks sha1s;
// `getRecordStream` yields stored records as they are (`knit-*-gz`) or, with
// the delta closure, batches of `knit-delta-closure` records that build their
// own texts. `insertRecordStream` stores knit records without re-diffing and
// holds a delta's index entry back until its basis is in.
//
// Entry points: `KnitVersionedFiles`, `KnitStoreOptions`.

import {
  AbsentContentFactory,
  KeyMap,
  KeySet,
  LineInterner,
  matchingBlocksIds,
  RevisionAlreadyPresent,
  RevisionNotPresent,
  VersionedFilesBase,
  adaptRecord,
  checkMaxTextOption,
  checkTextSize,
  fastZlib,
  gzipChunks,
  isAbsent,
  keysEqual,
  lineBoundaries,
  lineStarts,
  readerLimitFor,
  throwIfAborted,
  DependencyBuffer,
} from '@versionedfiles/core';
import type {
  AddOptions,
  AnnotatedLine,
  CheckOptions,
  ContentFactory,
  InternedSpans,
  InternedText,
  Key,
  LocalStreamRequest,
  MatchingBlock,
  Parents,
  ValidatedText,
  VersionedFiles,
  WorkOptions,
  ZlibCodec,
} from '@versionedfiles/core';
import {
  KnitCorrupt,
  TextBuilder,
  applyDelta,
  contentText,
  decodeRecord,
  deltaFromBlocks,
  sizedRecordChunks,
  lowerFulltext,
  lowerLineDelta,
  denseLineDelta,
  type DeltaHunk,
  type KnitContent,
  type RawComponent,
} from '../format/index.js';
import {
  ClosureBatch,
  lazyInterner,
  KnitContentFactory,
  knitRawOf,
  registerKnitAdapters,
  stripAnnotations,
  withFinalNewline,
} from '../records.js';
import type { WriteBehind } from './write-behind.js';
import { compareMemos, type BuildDetails, type ChainLink, type IndexMemo, type IndexRecord, type KnitAccess, type KnitIndex } from './types.js';

registerKnitAdapters();

export interface KnitStoreOptions {
  readonly keyLength: number;
  /** Store line annotations with each text (annotated knits). */
  readonly annotated: boolean;
  /** Longest delta chain allowed; 0 stores fulltexts only. Breezy: 200. */
  readonly maxDeltaChain?: number;
  /** Compression for new records: `fastZlib` (default: node's zlib) or `compatZlib` (Breezy's exact bytes). */
  readonly zlib?: ZlibCodec;
  /** Largest text accepted (default and maximum: core's `MAX_TEXT_BYTES`); larger ones get `LimitExceeded` before anything is written. */
  readonly maxTextBytes?: number;
  /**
   * Check every text read against the sha1 in its record (default true).
   * False is for trusted bulk reads: a damaged record then yields a wrong
   * text instead of `KnitCorrupt`. `check()` verifies whatever this says.
   */
  readonly verifySha1?: boolean;
  readonly name?: string;
  /**
   * New records go through this (deflated on a worker, written in order
   * behind `addLines`); `index` and `access` must then be its views.
   */
  readonly writeBehind?: WriteBehind;
}

/** A record's delta chain: deltas above its fulltext, their total size, the fulltext's size. */
interface Chain {
  readonly deltas: number;
  readonly deltaSize: number;
  readonly fulltextSize: number;
}

/** Breezy's `_STREAM_MIN_BUFFER_SIZE`: a delta-closure batch holds about this much record data. */
const CLOSURE_BATCH_BYTES = 5 * 1024 * 1024;
/** Raw records read per batch when streaming stored records. */
const READ_BATCH = 512;
const RECENT_CONTENTS = 64;
/**
 * Bytes of the latest texts kept (`#texts`): in a plain knit, a parent among
 * them needs no reading back. On npm-large a file's next version comes
 * 12 texts (0.3 MB) later at the median, 488 (6.3 MB) at the 99th percentile:
 * 1,077 of its 4,894 parents had left the 64 contents kept before, and
 * reading them back took a fifth of the insert.
 */
const KEPT_TEXT_BYTES = 16 * 1024 * 1024;
/** Distinct lines the store's interner holds before it starts afresh (bounds its memory). */
const INTERNER_LINES = 1 << 18;
const NL = Uint8Array.of(0x0a);

export class KnitVersionedFiles extends VersionedFilesBase {
  readonly annotated: boolean;
  readonly maxDeltaChain: number;
  readonly zlib: ZlibCodec;
  readonly maxTextBytes: number;
  readonly verifySha1: boolean;
  /** Largest uncompressed record written: what a reader takes for texts of `maxTextBytes`. */
  readonly #maxRecordBytes: number;
  /** An annotated knit's contents just written or built, so chains of adds do not re-extract their parents. */
  readonly #recent = new KeyMap<KnitContent>();
  readonly #chains = new KeyMap<Chain>();
  /**
   * Line ids of texts in `#recent` or `#texts`, from `#interner`: a new text is interned
   * once, mostly by comparing it in order with its first parent's lines, and
   * diffed against each parent's ids without hashing the parent again.
   */
  #interner = new LineInterner({ copyLines: true });
  readonly #ids = new KeyMap<Int32Array>();
  /**
   * The latest texts written or read back, `KEPT_TEXT_BYTES` of them, oldest
   * let go first: with them the interner finds the lines a new text shares
   * with its parent at both ends by native compares, before comparing the
   * rest line by line; and a plain knit's delta basis is its text as it is.
   */
  readonly #texts = new KeyMap<Uint8Array>();
  #textBytes = 0;
  /** Where the lines of kept texts start (`lineBoundaries`): a plain knit's, kept with each text added, made for one read back. */
  readonly #bounds = new KeyMap<Int32Array>();

  constructor(
    readonly index: KnitIndex,
    readonly access: KnitAccess,
    readonly options: KnitStoreOptions,
  ) {
    super({ keyLength: options.keyLength, graph: index.hasGraph, name: options.name ?? 'KnitVersionedFiles' });
    this.annotated = options.annotated;
    this.maxDeltaChain = options.maxDeltaChain ?? 200;
    this.zlib = options.zlib ?? fastZlib;
    this.maxTextBytes = checkMaxTextOption(options.maxTextBytes);
    this.verifySha1 = options.verifySha1 ?? true;
    this.#maxRecordBytes = readerLimitFor(this.maxTextBytes);
  }

  withoutFallbacks(): VersionedFiles {
    return new KnitVersionedFiles(this.index, this.access, this.options);
  }

  override clearCache(): void {
    this.#recent.clear();
    this.#chains.clear();
    this.#ids.clear();
    this.#texts.clear();
    this.#bounds.clear();
    this.#textBytes = 0;
    this.#interner = new LineInterner({ copyLines: true });
  }

  // -- writing -------------------------------------------------------------------

  protected async storeText(text: ValidatedText, options: AddOptions): Promise<void> {
    const { key, lines, sha1 } = text;
    checkTextSize(text.text.length, this.maxTextBytes);
    const parents = text.parents ?? [];
    const versionId = key[key.length - 1] as string;
    const present = await this.index.getParentMap(parents);
    const presentParents = parents.filter((p) => present.has(p));
    const left = presentParents[0];
    // Only the left parent, stored here, can be a delta basis.
    const delta = left !== undefined && keysEqual(left, parents[0] as Key) && (await this.#shouldDelta(left));
    const noeol = lacksFinalNewline(text.text);
    // An annotated knit remembers the content, and callers may reuse their
    // array: a copy (a plain knit keeps the text's bytes instead).
    const internal = noeol ? withFinalNewline(lines) : this.annotated ? lines.slice() : lines;
    let content: KnitContent = {
      lines: internal,
      origins: this.annotated ? new Array<string>(internal.length).fill(versionId) : null,
      noeol,
    };
    if (this.#interner.size > INTERNER_LINES) {
      this.#interner = new LineInterner({ copyLines: true });
      this.#ids.clear();
    }
    // `lines` are proper lines of `text.text` (checked, or split from it), as the interner's shared runs need.
    const userLines = contentText(content);
    // A plain knit keeps where the lines start with the text, for when it is a delta basis.
    const bounds = this.annotated ? undefined : lineBoundaries(userLines);
    const diff = new NewTextDiff(this.#interner, userLines, text.text, bounds, (k, c) => ({ ids: this.#idsOf(k, c), text: this.#texts.get(k) }));
    const hint = validBlocks(options.leftMatchingBlocks, internal.length);
    let leftBlocks = hint;
    if (this.annotated && presentParents.length > 0) [content, leftBlocks] = await this.#mergeAnnotations(content, presentParents, hint, diff);
    const recordOptions = noeol ? ['no-eol'] : [];
    let record: { chunks: Uint8Array[]; size: number };
    const encoding = { maxSize: this.#maxRecordBytes };
    if (delta) {
      recordOptions.push('line-delta');
      const hunks = await this.#delta(left as Key, content, leftBlocks, diff);
      const body = lowerLineDelta(hunks, this.annotated);
      record = sizedRecordChunks(versionId, sha1, body, bounds === undefined ? encoding : { ...encoding, dense: denseLineDelta(body, hunks, text.text, bounds) });
      // Lines a delta leaves alone keep the basis' origins when read back,
      // whatever the merge said: remember the content as it will read.
      if (this.annotated) content = applyDelta(await this.#content(left as Key), hunks, noeol, versionId);
    } else {
      recordOptions.push('fulltext');
      record = this.annotated
        ? sizedRecordChunks(versionId, sha1, lowerFulltext(content, true), encoding)
        : sizedRecordChunks(versionId, sha1, internal, { ...encoding, dense: noeol ? [text.text, NL] : [text.text] });
    }
    const entry = { key, options: recordOptions, parents: text.parents };
    const addOptions = { randomId: options.randomId ?? false };
    if (this.options.writeBehind !== undefined) {
      // A plain fulltext's record holds the store's own copy of the text; a delta's, the caller's lines.
      await this.options.writeBehind.add(entry, addOptions, record.chunks, record.size, !delta && !this.annotated);
    } else {
      const [memo] = await this.access.addRawRecords([{ key, bytes: gzipChunks(record.chunks, this.zlib) }]);
      await this.index.addRecords([{ ...entry, memo: memo as IndexMemo }], addOptions);
    }
    this.#remember(key, content, diff.ids, text.text, bounds);
  }

  /** The line ids of a remembered text (interned now if it has none yet). */
  #idsOf(key: Key, content: KnitContent): Int32Array {
    let ids = this.#ids.get(key);
    if (ids === undefined) {
      ids = this.#interner.internAll(contentText(content));
      if (this.#recent.has(key) || this.#texts.has(key)) this.#ids.set(key, ids);
    }
    return ids;
  }

  /**
   * Breezy's `_check_should_delta`: a delta only if the parent's chain holds
   * fewer than `maxDeltaChain` deltas and its root fulltext is still larger
   * than the deltas stacked on it; a chain with a missing link means fulltext.
   */
  async #shouldDelta(parent: Key): Promise<boolean> {
    const settled = this.#shouldDeltaNow(parent);
    if (settled !== null) return settled;
    const chain = await this.#chain(parent);
    return chain !== null && chain.deltas < this.maxDeltaChain && chain.fulltextSize > chain.deltaSize;
  }

  /**
   * The same choice made now, when the sizes known without waiting settle
   * it: records still being deflated count by the bounds of their size, and
   * the choice stands if it is the same at either end (the first delta on
   * a fulltext, say, whatever the fulltext's size). Null when they do not
   * settle it, or a link is neither queued nor walked before: `#chain`
   * then waits for the members and reads the index. The exact walk, as a
   * writer that deflated every record itself would make it; only which
   * records the writer waits for differs.
   */
  #shouldDeltaNow(parent: Key): boolean | null {
    const writeBehind = this.options.writeBehind;
    if (writeBehind === undefined) return null;
    let deltas = 0;
    let leastDeltas = 0;
    let mostDeltas = 0;
    let fulltext: { readonly least: number; readonly most: number };
    for (let cursor: Key = parent; ; ) {
      const below = this.#chains.get(cursor);
      if (below !== undefined) {
        deltas += below.deltas;
        leastDeltas += below.deltaSize;
        mostDeltas += below.deltaSize;
        fulltext = { least: below.fulltextSize, most: below.fulltextSize };
        break;
      }
      const link = writeBehind.queuedLinkNow(cursor);
      if (link === undefined) return null;
      if (link.compressionParent === null) {
        fulltext = link;
        break;
      }
      if (++deltas >= this.maxDeltaChain) return false;
      leastDeltas += link.least;
      mostDeltas += link.most;
      cursor = link.compressionParent;
    }
    if (deltas >= this.maxDeltaChain) return false;
    if (fulltext.least > mostDeltas) return true;
    if (fulltext.most <= leastDeltas) return false;
    return null;
  }

  /** The delta chain below `key` (memoised: records never change once stored). */
  async #chain(key: Key): Promise<Chain | null> {
    const walked: [Key, ChainLink][] = [];
    let below: Chain | null | undefined;
    for (let cursor: Key | null = key; ; ) {
      below = this.#chains.get(cursor);
      if (below !== undefined) break;
      const link = await this.#link(cursor);
      if (link === undefined) return null;
      walked.push([cursor, link]);
      if (link.compressionParent === null) {
        below = null;
        break;
      }
      // Past the limit the answer is "fulltext" whatever lies further down.
      if (walked.length > this.maxDeltaChain) return { deltas: Infinity, deltaSize: 0, fulltextSize: 0 };
      cursor = link.compressionParent;
    }
    for (let i = walked.length - 1; i >= 0; i--) {
      const [k, d] = walked[i] as [Key, ChainLink];
      const chain: Chain =
        below === null || below === undefined
          ? { deltas: 0, deltaSize: 0, fulltextSize: d.size }
          : { deltas: below.deltas + 1, deltaSize: below.deltaSize + d.size, fulltextSize: below.fulltextSize };
      this.#chains.set(k, chain);
      below = chain;
    }
    return below ?? null;
  }

  /** A record's basis and stored size: from the write-behind queue while it waits there, else the index. */
  async #link(key: Key): Promise<ChainLink | undefined> {
    const queued = await this.options.writeBehind?.queuedLink(key);
    if (queued !== undefined) return queued;
    const details = (await this.index.getBuildDetails([key])).get(key);
    return details === undefined ? undefined : { compressionParent: details.compressionParent, size: details.memo.size };
  }

  /**
   * Each line's origin taken from the parents it matches, later parents
   * winning. Also returns the blocks matched against the first parent, which
   * a delta against it reuses.
   */
  async #mergeAnnotations(
    content: KnitContent,
    parents: readonly Key[],
    hint: readonly MatchingBlock[] | null,
    diff: NewTextDiff,
  ): Promise<[KnitContent, readonly MatchingBlock[] | null]> {
    const origins = (content.origins as readonly string[]).slice();
    let first: readonly MatchingBlock[] | null = null;
    for (let p = 0; p < parents.length; p++) {
      const parentKey = parents[p] as Key;
      const parent = await this.#content(parentKey);
      const blocks = p === 0 && hint !== null ? hint : diff.blocksAgainst(parentKey, parent);
      if (p === 0) first = blocks;
      const parentOrigins = parent.origins as readonly string[];
      for (const [i, j, n] of blocks) {
        for (let k = 0; k < n; k++) origins[j + k] = parentOrigins[i + k] ?? (origins[j + k] as string);
      }
    }
    return [{ ...content, origins }, first];
  }

  async #delta(basisKey: Key, content: KnitContent, hint: readonly MatchingBlock[] | null, diff: NewTextDiff): Promise<DeltaHunk[]> {
    const sentinel = hint?.[hint.length - 1];
    if (hint !== null && sentinel !== undefined && sentinel[2] === 0) return deltaFromBlocks(hint, sentinel[0], content);
    if (!this.annotated) {
      const spans = await this.#spans(basisKey);
      return deltaFromBlocks(hint ?? diff.blocksAgainstSpans(spans), spans.bounds.length - 1, content);
    }
    const basis = await this.#content(basisKey);
    const blocks = hint ?? diff.blocksAgainst(basisKey, basis);
    return deltaFromBlocks(blocks, basis.lines.length, content);
  }

  /**
   * Remembers a content just written or built. A plain knit keeps texts as
   * bytes and line boundaries (`#texts`, `#bounds`), never as line views:
   * contents held for dozens of adds kept every line object alive past the
   * young generation, to be copied by each scavenge and promoted.
   */
  #remember(key: Key, content: KnitContent, ids: Int32Array | null, text: Uint8Array | null, bounds?: Int32Array): void {
    this.#forget(key);
    if (text !== null) this.#keepText(key, text, bounds);
    if (this.annotated) {
      this.#recent.set(key, content);
      if (this.#recent.size > RECENT_CONTENTS) {
        const oldest = this.#recent.keys().next().value as Key;
        this.#recent.delete(oldest);
        if (!this.#texts.has(oldest)) this.#ids.delete(oldest);
      }
    }
    if (ids !== null) this.#ids.set(key, ids);
  }

  #forget(key: Key): void {
    this.#recent.delete(key);
    this.#forgetText(key);
    this.#ids.delete(key);
  }

  /** Keeps a text, letting the oldest go past `KEPT_TEXT_BYTES` (the newest stays, even alone past it). */
  #keepText(key: Key, text: Uint8Array, bounds?: Int32Array): void {
    this.#texts.set(key, text);
    if (bounds !== undefined) this.#bounds.set(key, bounds);
    this.#textBytes += text.length;
    while (this.#textBytes > KEPT_TEXT_BYTES && this.#texts.size > 1) this.#forgetText(this.#texts.keys().next().value as Key);
  }

  #forgetText(key: Key): void {
    const text = this.#texts.get(key);
    if (text === undefined) return;
    this.#texts.delete(key);
    this.#bounds.delete(key);
    this.#textBytes -= text.length;
    if (!this.#recent.has(key)) this.#ids.delete(key);
  }

  /**
   * A plain knit's text of a local key as a delta basis: its bytes (kept,
   * else read back and kept), where its lines start and their ids, so the
   * new text is interned and diffed against it without a view of each of
   * its lines (on npm-large such splits were 290 MB of the insert's young
   * garbage).
   */
  async #spans(key: Key): Promise<InternedSpans> {
    let text = this.#texts.get(key);
    if (text === undefined) {
      text = (await this.#builderFor([key], false)).fulltext(key);
      this.#keepText(key, text);
    }
    // Its line ids are of the lines a user gave (a no-eol text's last without a newline), as `NewTextDiff` interns a new text's.
    let bounds = this.#bounds.get(key);
    if (bounds === undefined) {
      bounds = lineStarts(text);
      this.#bounds.set(key, bounds);
    }
    let ids = this.#ids.get(key);
    if (ids === undefined) {
      ids = this.#interner.internText(text, bounds);
      this.#ids.set(key, ids);
    }
    return { text, bounds, ids };
  }

  /** An annotated knit's stored content of a local key: remembered, else read back (and remembered). */
  async #content(key: Key): Promise<KnitContent> {
    const cached = this.#recent.get(key);
    if (cached !== undefined) return cached;
    const content = (await this.#builderFor([key], false)).checkedContent(key);
    this.#remember(key, content, null, null);
    return content;
  }

  // -- reading -------------------------------------------------------------------

  /** Build details of `keys` and of every record their delta chains need. */
  async #components(keys: readonly Key[], allowMissing: boolean, known?: KeyMap<BuildDetails>): Promise<KeyMap<BuildDetails>> {
    const out = new KeyMap<BuildDetails>();
    let pending = [...new KeySet(keys)];
    // `known`: the details of `keys` already looked up (every one present, or missing).
    for (let first = true; pending.length > 0; first = false) {
      const details = first && known !== undefined ? known : await this.index.getBuildDetails(pending);
      if (!allowMissing) {
        const missing = pending.find((k) => !details.has(k));
        if (missing !== undefined) throw new RevisionNotPresent(missing, this.storeName);
      }
      const next = new KeySet();
      for (const [key, d] of details) {
        out.set(key, d);
        if (d.compressionParent !== null && !out.has(d.compressionParent) && !details.has(d.compressionParent)) {
          next.add(d.compressionParent);
        }
      }
      pending = [...next];
    }
    return out;
  }

  async #readRaw(details: KeyMap<BuildDetails>): Promise<KeyMap<RawComponent>> {
    const entries = [...details].sort((a, b) => compareMemos(a[1].memo, b[1].memo));
    const bytes = await this.access.getRawRecords(entries.map(([, d]) => d.memo));
    const out = new KeyMap<RawComponent>();
    entries.forEach(([key, d], i) => {
      out.set(key, { bytes: bytes[i] as Uint8Array, method: d.method, noeol: d.noeol, next: d.compressionParent });
    });
    return out;
  }

  async #builderFor(keys: readonly Key[], allowMissing: boolean): Promise<TextBuilder> {
    return new TextBuilder(this.annotated, await this.#readRaw(await this.#components(keys, allowMissing)), this.storeName, this.verifySha1);
  }

  /** Not an async function, for the reason `VersionedFilesBase.getParentMap` gives. */
  protected localParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>> {
    const map = this.index.getParentMap(keys);
    if (this.hasGraph) return map;
    return map.then((found) => new KeyMap([...found.keys()].map((k) => [k, null] as const)));
  }

  protected async localSha1s(keys: readonly Key[]): Promise<KeyMap<string>> {
    const details = await this.index.getBuildDetails(keys);
    const raw = await this.#readRaw(details);
    const out = new KeyMap<string>();
    for (const key of keys) {
      const r = raw.get(key);
      if (r === undefined) continue;
      out.set(key, decodeRecord(r.bytes, { key, file: this.storeName }, { versionId: key[key.length - 1] as string }).sha1);
    }
    return out;
  }

  async keys(): Promise<KeySet> {
    return this.index.keys();
  }

  protected localRecordStream(keys: readonly Key[], request: LocalStreamRequest): AsyncIterable<ContentFactory> {
    // The per-record generators below hold little else: V8 optimizes them
    // for their loops, and recompiled the planning with them whenever a
    // stream took another branch (see core's `getRecordStream`).
    return request.includeDeltaClosure ? this.#closureStream(keys, request) : this.#rawStream(keys, request);
  }

  /** The build details of `keys`; the present keys in stream order (by position in the files if unordered); absent records. */
  async #placeKeys(keys: readonly Key[], ordered: boolean): Promise<{ details: KeyMap<BuildDetails>; present: Key[]; absent: ContentFactory[] }> {
    const details = await this.index.getBuildDetails(keys);
    const absent: ContentFactory[] = [];
    let present: Key[] = [];
    for (const key of keys) {
      if (details.has(key)) present.push(key);
      else absent.push(new AbsentContentFactory(key));
    }
    if (!ordered) {
      present = present
        .map((key) => [key, (details.get(key) as BuildDetails).memo] as const)
        .sort((a, b) => compareMemos(a[1], b[1]))
        .map(([key]) => key);
    }
    return { details, present, absent };
  }

  /** The records as stored, read in batches of `READ_BATCH`. */
  async *#rawStream(keys: readonly Key[], request: LocalStreamRequest): AsyncGenerator<ContentFactory> {
    const { details, present, absent } = await this.#placeKeys(keys, request.ordered);
    yield* absent;
    for (let i = 0; i < present.length; i += READ_BATCH) {
      throwIfAborted(request.signal);
      const batch = present.slice(i, i + READ_BATCH);
      const bytes = await this.access.getRawRecords(batch.map((k) => (details.get(k) as BuildDetails).memo));
      for (let j = 0; j < batch.length; j++) {
        const key = batch[j] as Key;
        const d = details.get(key) as BuildDetails;
        yield new KnitContentFactory(key, this.hasGraph ? d.parents : null, d.method, d.noeol, bytes[j] as Uint8Array, this.annotated, null, this.verifySha1);
      }
    }
  }

  /**
   * Self-contained records, in batches of about `CLOSURE_BATCH_BYTES` of
   * record data. While one batch's texts are built, the next batch is read
   * and its records inflated on libuv's thread pool, so two cores share the
   * work.
   */
  async *#closureStream(keys: readonly Key[], request: LocalStreamRequest): AsyncGenerator<ContentFactory> {
    const { details, present, absent } = await this.#placeKeys(keys, request.ordered);
    yield* absent;
    const components = await this.#components(present, true, details);
    const batches = closureBatchKeys(present, components);
    // An annotator's texts are interned with one interner for the whole stream.
    const interner = lazyInterner();
    const open = (batch: readonly Key[], first: boolean): Promise<ClosureBatch> => {
      const opened = this.#openClosureBatch(batch, details, components, interner, first);
      // Read ahead: if the reader stops before it, nobody awaits it.
      opened.catch(() => {});
      return opened;
    };
    let next = batches.length > 0 ? open(batches[0] as Key[], true) : null;
    for (let i = 0; next !== null; i++) {
      throwIfAborted(request.signal);
      const current = await next;
      next = i + 1 < batches.length ? open(batches[i + 1] as Key[], false) : null;
      yield* current.records();
    }
  }

  /** The records of `batch` and of every record their delta chains need, read and inflated. */
  async #openClosureBatch(
    batch: readonly Key[],
    details: KeyMap<BuildDetails>,
    components: KeyMap<BuildDetails>,
    interner: () => LineInterner,
    first: boolean,
  ): Promise<ClosureBatch> {
    const needed = new KeyMap<BuildDetails>();
    for (const key of batch) {
      for (let c: Key | null = key; c !== null && !needed.has(c); ) {
        const d = components.get(c);
        if (d === undefined) break;
        needed.set(c, d);
        c = d.compressionParent;
      }
    }
    const parents = new KeyMap<Parents>(batch.map((k) => [k, this.hasGraph ? (details.get(k) as BuildDetails).parents : null] as const));
    const closure = { annotated: this.annotated, keys: batch, parents, components: await this.#readRaw(needed) };
    const opened = new ClosureBatch(closure, null, this.verifySha1, interner);
    // A batch read ahead inflates on the pool while the one before is built;
    // the first is needed at once, and gains from the pool only in parallel.
    await opened.builder.inflateAll(first);
    return opened;
  }

  // -- inserting streams -----------------------------------------------------------

  override insertRecordStream(
    stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>,
    options: WorkOptions = {},
  ): Promise<void> {
    return this.exclusive(async () => {
      const annotated = this.annotated ? 'annotated-' : '';
      const deltas = this.maxDeltaChain > 0;
      const native = new Set<string>([`knit-${annotated}ft-gz`]);
      if (deltas) native.add(`knit-${annotated}delta-gz`);
      // A plain knit takes annotated records too: stripping annotations is cheap.
      const convertible = new Set<string>();
      if (!this.annotated) {
        convertible.add('knit-annotated-ft-gz');
        if (deltas) convertible.add('knit-annotated-delta-gz');
      }
      const held = new DependencyBuffer<IndexRecord>();
      // Records that must become text but whose basis has not arrived yet.
      const unbuilt = new DependencyBuffer<ContentFactory>();
      let done = 0;
      const insert = async (record: ContentFactory): Promise<void> => {
        await this.#insertOne(record, native, convertible, held, unbuilt, options);
        for (const [, next] of unbuilt.release(record.key)) await this.#insertOne(next, native, convertible, held, unbuilt, options);
      };
      for await (const record of stream) {
        throwIfAborted(options.signal);
        if (isAbsent(record)) throw new RevisionNotPresent(record.key, this.storeName);
        await insert(record);
        options.progress?.({ phase: 'insert', done: ++done, total: null });
      }
      const unbuildable = unbuilt.waitingFor();
      if (unbuildable.size > 0) throw new RevisionNotPresent([...unbuildable][0] as Key, this.storeName);
      const waiting: IndexRecord[] = [];
      for (const basis of held.waitingFor()) for (const [, entry] of held.release(basis)) waiting.push(entry);
      if (waiting.length > 0) await this.index.addRecords(waiting, { missingCompressionParents: true });
    });
  }

  async #insertOne(
    record: ContentFactory,
    native: ReadonlySet<string>,
    convertible: ReadonlySet<string>,
    held: DependencyBuffer<IndexRecord>,
    unbuilt: DependencyBuffer<ContentFactory>,
    options: WorkOptions,
  ): Promise<void> {
    const key = record.key;
    const kind = record.storageKind;
    if ((await this.index.getParentMap([key])).has(key)) return;
    const raw = knitRawOf(record);
    if (raw !== null && (native.has(kind) || convertible.has(kind))) {
      // Check the record names this key, and that a reader can take it, before storing it as it is.
      decodeRecord(raw.raw, { key }, { versionId: key[key.length - 1] as string, maxSize: this.#maxRecordBytes });
      const basis = raw.method === 'line-delta' ? (record.parents?.[0] ?? null) : null;
      if (raw.method === 'line-delta' && basis === null) throw new KnitCorrupt('line-delta record without parents', { key });
      const basisHere = basis === null || (await this.index.getParentMap([basis])).has(basis);
      // A delta whose basis only a fallback holds is expanded: deltas never span stores.
      const onlyInFallback = !basisHere && this.fallbacks.length > 0 && (await this.getParentMap([basis as Key])).has(basis as Key);
      if (!onlyInFallback) {
        const bytes = native.has(kind) ? raw.raw : stripAnnotations(key, raw, this.zlib);
        const recordOptions = raw.noeol ? [raw.method, 'no-eol'] : [raw.method];
        const [memo] = await this.access.addRawRecords([{ key, bytes }]);
        const entry: IndexRecord = { key, options: recordOptions, memo: memo as IndexMemo, parents: this.hasGraph ? record.parents ?? [] : null };
        if (!basisHere) {
          held.hold(basis as Key, key, entry);
          return;
        }
        await this.index.addRecords([entry]);
        const released = [...held.release(key)].map(([, e]) => e);
        if (released.length > 0) await this.index.addRecords(released);
        return;
      }
    }
    const basis = this.adapters.compressionParentOf(record);
    if (basis !== null && !(await this.getParentMap([basis])).has(basis)) {
      unbuilt.hold(basis, key, record);
      return;
    }
    const lines = await adaptRecord(record, 'lines', { basis: this, ...(options.signal ? { signal: options.signal } : {}) });
    try {
      await this.addLinesUnlocked(key, record.parents, lines, { checkContent: false, expectedSha1: record.sha1 });
    } catch (err) {
      if (!(err instanceof RevisionAlreadyPresent)) throw err;
    }
    const released = [...held.release(key)].map(([, e]) => e);
    if (released.length > 0) await this.index.addRecords(released);
  }

  override async getMissingCompressionParentKeys(): Promise<KeySet> {
    return this.index.missingCompressionParents();
  }

  // -- derived reads -----------------------------------------------------------------

  /** Annotated knits answer from their stored annotations; plain ones compute them. */
  override async annotate(key: Key): Promise<readonly AnnotatedLine[]> {
    if (!this.annotated || !(await this.index.getParentMap([key])).has(key)) return super.annotate(key);
    const content = await this.#content(key);
    const prefix = key.slice(0, -1);
    const text = contentText(content);
    const origins = content.origins as readonly string[];
    return text.map((line, i) => [[...prefix, origins[i] as string], line] as const);
  }

  /** Every text's sha1, and no delta whose basis is missing (Breezy's logical check). */
  override async check(options: CheckOptions = {}): Promise<void> {
    if (!options.keys) {
      const keys = [...(await this.index.keys())];
      const details = await this.index.getBuildDetails(keys);
      for (const [key, d] of details) {
        if (d.compressionParent !== null && !details.has(d.compressionParent)) {
          throw new KnitCorrupt(`missing basis parent ${JSON.stringify(d.compressionParent)}`, { key, file: this.storeName });
        }
      }
    }
    await super.check(options);
  }
}

/**
 * Diffs of one new text against its parents through the store's interner:
 * the text is interned once, against the first parent it is diffed with
 * (most lines then cost one comparison), and each parent's ids come from the
 * store.
 */
class NewTextDiff {
  #ids: Int32Array | null = null;

  constructor(
    private readonly interner: LineInterner,
    private readonly lines: readonly Uint8Array[],
    /** The whole text `lines` are the proper lines of. */
    private readonly text: Uint8Array,
    /** Their boundaries in it, when the caller made them. */
    private readonly bounds: Int32Array | undefined,
    private readonly internedOf: (key: Key, content: KnitContent) => { ids: Int32Array; text: Uint8Array | undefined },
  ) {}

  /** The new text's ids, once it has been diffed. */
  get ids(): Int32Array | null {
    return this.#ids;
  }

  blocksAgainst(parentKey: Key, parent: KnitContent): readonly MatchingBlock[] {
    const interned = this.internedOf(parentKey, parent);
    const base = interned.text === undefined ? { lines: contentText(parent), ids: interned.ids } : { lines: contentText(parent), ids: interned.ids, text: interned.text };
    return this.#blocksAgainstBase(base);
  }

  /** The same against a parent given as its text, line boundaries and ids. */
  blocksAgainstSpans(parent: InternedSpans): readonly MatchingBlock[] {
    return this.#blocksAgainstBase(parent);
  }

  #blocksAgainstBase(base: InternedText | InternedSpans): readonly MatchingBlock[] {
    this.#ids ??= this.interner.internAll(this.lines, base, this.text, this.bounds);
    return matchingBlocksIds(base.ids, this.#ids);
  }
}

/** Matching blocks given as a hint, if they fit the new text; null otherwise. */
function validBlocks(blocks: AddOptions['leftMatchingBlocks'], newLength: number): readonly MatchingBlock[] | null {
  if (blocks === undefined) return null;
  for (const [, j, n] of blocks) {
    if (!(Number.isInteger(j) && Number.isInteger(n) && j >= 0 && n >= 0 && j + n <= newLength)) return null;
  }
  return blocks;
}

/** A text that is not empty and does not end in a newline (a knit's no-eol). */
function lacksFinalNewline(text: Uint8Array): boolean {
  return text.length > 0 && text[text.length - 1] !== 0x0a;
}

/**
 * `keys` cut into batches, each closed once the records its texts need (their
 * delta chains, counted once per batch) pass `CLOSURE_BATCH_BYTES`.
 */
function closureBatchKeys(keys: readonly Key[], components: KeyMap<BuildDetails>): Key[][] {
  const batches: Key[][] = [];
  let batch: Key[] = [];
  let size = 0;
  const counted = new KeySet();
  for (const key of keys) {
    batch.push(key);
    for (let c: Key | null = key; c !== null && !counted.has(c); ) {
      const d = components.get(c);
      if (d === undefined) break;
      counted.add(c);
      size += d.memo.size;
      c = d.compressionParent;
    }
    if (size > CLOSURE_BATCH_BYTES) {
      batches.push(batch);
      batch = [];
      size = 0;
      counted.clear();
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
