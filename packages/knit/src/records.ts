// Knit records in record streams: the content factories a knit store yields and
// accepts, and the adapters that turn them into other kinds.
//
// - `KnitContentFactory`: one stored record as it is (`knit-ft-gz`,
//   `knit-delta-gz`, and the `annotated` forms). A fulltext record gives its
//   text; a delta gives only its wire bytes (its text needs the basis, which
//   the adapters below fetch from the store the record goes into).
// - `LazyKnitContentFactory`: one text of a delta closure (`knit-delta-closure`
//   for the first record of a batch, `-ref` for the rest, as Breezy). Every
//   record of the batch shares one `TextBuilder` that owns the raw records.
// - `knitRecordFromWire`, `deltaClosureRecords`: records from wire bytes.
// - `registerKnitAdapters`: annotated to plain, and any knit kind to text, in
//   core's adapter registry, and the wire decoders of the knit kinds in core's
//   network kind registry (done on import of this package).
//
// Entry points: the above, and `knitRawOf` (the raw record and build details
// of any knit-kind record, native or decoded from the wire).

import {
  LineInterner,
  UnavailableRepresentation,
  RevisionNotPresent,
  compatZlib,
  concatBytes,
  isAbsent,
  registerAdapter,
  registerNetworkKind,
  sha1Hex,
  TextFactoryBase,
} from '@versionedfiles/core';
import type { AdapterContext, ContentFactory, DeferredLines, Key, MatchingBlock, Parents, ZlibCodec } from '@versionedfiles/core';
import { asLines } from '@versionedfiles/core';
import {
  KnitCorrupt,
  TextBuilder,
  applyDelta,
  contentText,
  decodeDeltaClosure,
  decodeKnitWire,
  decodeRecord,
  encodeDeltaClosure,
  encodeKnitWire,
  encodeRecord,
  isKnitGzKind,
  kindIsAnnotated,
  kindMethod,
  knitGzKind,
  lowerFulltext,
  lowerLineDelta,
  parseFulltext,
  parseLineDelta,
  type DeltaClosure,
  type KnitContent,
  type KnitGzKind,
  type KnitMethod,
} from './format/index.js';

/** The two knit factories: text forms from their lines, their wire form as native bytes. */
abstract class KnitFactoryBase extends TextFactoryBase {
  protected abstract wire(): Uint8Array;
  protected abstract override lines(): readonly Uint8Array[];

  protected override nativeBytes(): Uint8Array {
    return this.wire();
  }

  protected fulltext(): Uint8Array {
    return concatBytes([...this.lines()]);
  }

  protected chunks(): readonly Uint8Array[] {
    return this.lines();
  }
}

export interface KnitRaw {
  readonly kind: KnitGzKind;
  readonly raw: Uint8Array;
  readonly method: KnitMethod;
  readonly noeol: boolean;
}

export class KnitContentFactory extends KnitFactoryBase {
  readonly storageKind: KnitGzKind;
  readonly sha1 = null;
  readonly size = null;
  #wire: Uint8Array | null;

  constructor(
    readonly key: Key,
    readonly parents: Parents,
    readonly method: KnitMethod,
    readonly noeol: boolean,
    readonly raw: Uint8Array,
    readonly annotated: boolean,
    wire: Uint8Array | null = null,
    /** False: the text of a fulltext record is not checked against its sha1. */
    readonly verifySha1 = true,
  ) {
    super();
    this.storageKind = knitGzKind(annotated, method);
    this.#wire = wire;
  }

  protected wire(): Uint8Array {
    this.#wire ??= encodeKnitWire({ kind: this.storageKind, key: this.key, parents: this.parents, noeol: this.noeol, raw: this.raw });
    return this.#wire;
  }

  protected lines(): readonly Uint8Array[] {
    if (this.method !== 'fulltext') throw new UnavailableRepresentation(this.key, 'lines', this.storageKind);
    const record = decodeRecord(this.raw, { key: this.key }, { versionId: this.key[this.key.length - 1] as string });
    const text = contentText(parseFulltext(record.body, this.annotated, this.noeol, { key: this.key }));
    if (this.verifySha1) checkSha1(this.key, text, record.sha1);
    return text;
  }
}

function checkSha1(key: Key, lines: readonly Uint8Array[], expected: string): void {
  const actual = sha1Hex(concatBytes([...lines]));
  if (actual !== expected) throw new KnitCorrupt(`sha1 mismatch: text is ${actual}, record says ${expected}`, { key });
}

/** One batch of a delta closure: the raw records and the builder over them. */
export class ClosureBatch {
  readonly builder: TextBuilder;
  #wire: Uint8Array | null;

  /**
   * `verifySha1: false` (a store that trusts its records) builds texts
   * without checking their sha1s. `interner`: the line interner an annotator's
   * texts are interned with, shared by the batches of one stream so that
   * their ids compare (made only if an annotator asks).
   */
  constructor(
    readonly closure: DeltaClosure,
    wire: Uint8Array | null = null,
    verifySha1 = true,
    readonly interner: () => LineInterner = lazyInterner(),
  ) {
    this.builder = new TextBuilder(closure.annotated, closure.components, '', verifySha1, closure.keys);
    this.#wire = wire;
  }

  wireBytes(): Uint8Array {
    this.#wire ??= encodeDeltaClosure(this.closure);
    return this.#wire;
  }

  /** The records for the closure's keys, the first carrying the whole closure. */
  *records(): Generator<LazyKnitContentFactory> {
    let first = true;
    for (const key of this.closure.keys) {
      yield new LazyKnitContentFactory(key, this.closure.parents.get(key) ?? null, this, first);
      first = false;
    }
  }
}

export class LazyKnitContentFactory extends KnitFactoryBase {
  readonly storageKind: 'knit-delta-closure' | 'knit-delta-closure-ref';
  readonly sha1 = null;
  readonly size = null;

  constructor(
    readonly key: Key,
    readonly parents: Parents,
    readonly batch: ClosureBatch,
    readonly first: boolean,
  ) {
    super();
    this.storageKind = first ? 'knit-delta-closure' : 'knit-delta-closure-ref';
  }

  protected wire(): Uint8Array {
    return this.first ? this.batch.wireBytes() : new Uint8Array(0);
  }

  protected lines(): readonly Uint8Array[] {
    return this.batch.builder.text(this.key);
  }

  protected override fulltext(): Uint8Array {
    return this.batch.builder.fulltext(this.key);
  }

  /** How this text matches its delta basis's, once its text was built (core's `KnownMatchingBlocks`). */
  takeMatchingBlocks(parent: Key): readonly MatchingBlock[] | null {
    return this.batch.builder.takeMatchingBlocks(this.key, parent);
  }

  /** Its line count and line ids, and its lines (checked) only if an annotator asks for them (core's `KnownMatchingBlocks`). */
  deferredLines(): DeferredLines {
    return this.batch.builder.deferredText(this.key, this.batch.interner());
  }
}

/** One line interner, made when first asked for: what the batches of one stream share. */
export function lazyInterner(): () => LineInterner {
  let interner: LineInterner | null = null;
  return () => (interner ??= new LineInterner({ copyLines: true }));
}

/** A knit-kind record decoded from its wire bytes. */
export function knitRecordFromWire(bytes: Uint8Array): KnitContentFactory {
  const w = decodeKnitWire(bytes);
  return new KnitContentFactory(w.key, w.parents, kindMethod(w.kind), w.noeol, w.raw, kindIsAnnotated(w.kind), bytes);
}

/** The records a `knit-delta-closure` wire record carries. */
export function deltaClosureRecords(bytes: Uint8Array): LazyKnitContentFactory[] {
  return [...new ClosureBatch(decodeDeltaClosure(bytes), bytes).records()];
}

/** The raw record of any knit-kind record, ours or another implementation's. */
export function knitRawOf(record: ContentFactory): KnitRaw | null {
  if (!isKnitGzKind(record.storageKind)) return null;
  if (record instanceof KnitContentFactory) {
    return { kind: record.storageKind, raw: record.raw, method: record.method, noeol: record.noeol };
  }
  const w = decodeKnitWire(record.getBytesAs(record.storageKind) as Uint8Array);
  return { kind: w.kind, raw: w.raw, method: kindMethod(w.kind), noeol: w.noeol };
}

/** An annotated record re-encoded as a plain one (Breezy's FT/DeltaAnnotatedToUnannotated), compressed by `zlib`. */
export function stripAnnotations(key: Key, raw: KnitRaw, zlib: ZlibCodec = compatZlib): Uint8Array {
  const versionId = key[key.length - 1] as string;
  const record = decodeRecord(raw.raw, { key }, { versionId });
  let body: readonly Uint8Array[];
  if (raw.method === 'fulltext') {
    body = lowerFulltext({ ...parseFulltext(record.body, true, raw.noeol, { key }), origins: null }, false);
  } else {
    body = lowerLineDelta(
      parseLineDelta(record.body, true, { key }).map((h) => ({ ...h, origins: null })),
      false,
    );
  }
  return encodeRecord(record.versionId, record.sha1, body, { zlib });
}

/** The text of a knit record; a delta's basis comes from `context.basis`. */
async function knitRecordLines(record: ContentFactory, context: AdapterContext): Promise<readonly Uint8Array[]> {
  const raw = knitRawOf(record);
  if (raw === null) throw new UnavailableRepresentation(record.key, 'lines', record.storageKind);
  const key = record.key;
  const versionId = key[key.length - 1] as string;
  const parsed = decodeRecord(raw.raw, { key }, { versionId });
  const annotated = kindIsAnnotated(raw.kind);
  let content: KnitContent;
  if (raw.method === 'fulltext') {
    content = parseFulltext(parsed.body, annotated, raw.noeol, { key });
  } else {
    const basisKey = record.parents?.[0];
    if (basisKey === undefined) throw new KnitCorrupt('line-delta record without a parent', { key });
    const basis = context.basis;
    if (basis === undefined) throw new UnavailableRepresentation(key, 'lines', record.storageKind);
    let basisLines: readonly Uint8Array[] | null = null;
    for await (const r of basis.getRecordStream([basisKey], 'unordered', true, context.signal ? { signal: context.signal } : {})) {
      if (isAbsent(r)) throw new RevisionNotPresent(basisKey);
      basisLines = asLines(r.getBytesAs('lines'));
    }
    if (basisLines === null) throw new RevisionNotPresent(basisKey);
    const internal = withFinalNewline(basisLines);
    const hunks = parseLineDelta(parsed.body, annotated, { key });
    content = applyDelta({ lines: internal, origins: null, noeol: false }, hunks, raw.noeol, versionId, { key });
  }
  const text = contentText(content);
  checkSha1(key, text, parsed.sha1);
  return text;
}

/** Lines in knit's internal form: the last one given its newline back. */
export function withFinalNewline(lines: readonly Uint8Array[]): readonly Uint8Array[] {
  const last = lines[lines.length - 1];
  if (last === undefined || last[last.length - 1] === 0x0a) return lines;
  const out = lines.slice();
  out[out.length - 1] = concatBytes([last, Uint8Array.of(0x0a)]);
  return out;
}

let registered = false;

/** Puts the knit adapters and wire decoders in core's default registries (idempotent). */
export function registerKnitAdapters(): void {
  if (registered) return;
  registered = true;
  registerNetworkKind('knit-delta-closure', (_kind, bytes) => deltaClosureRecords(bytes));
  for (const kind of ['knit-ft-gz', 'knit-delta-gz', 'knit-annotated-ft-gz', 'knit-annotated-delta-gz'] as const) {
    registerNetworkKind(kind, (_kind, bytes) => [knitRecordFromWire(bytes)]);
    registerAdapter(kind, 'lines', (r, _to, ctx) => knitRecordLines(r, ctx));
    registerAdapter(kind, 'chunked', (r, _to, ctx) => knitRecordLines(r, ctx));
    registerAdapter(kind, 'fulltext', async (r, _to, ctx) => concatBytes([...(await knitRecordLines(r, ctx))]));
  }
  for (const [from, to] of [
    ['knit-annotated-ft-gz', 'knit-ft-gz'],
    ['knit-annotated-delta-gz', 'knit-delta-gz'],
  ] as const) {
    registerAdapter(from, to, async (r) => {
      const raw = knitRawOf(r);
      if (raw === null) throw new UnavailableRepresentation(r.key, to, r.storageKind);
      return encodeKnitWire({ kind: to, key: r.key, parents: r.parents, noeol: raw.noeol, raw: stripAnnotations(r.key, raw) });
    });
  }
}

