// `VersionedFilesBase`: the machinery every backend shares.
//
// A backend (memory, knit, weave, groupcompress) extends this class and writes
// the few primitives that touch its storage:
//   - `storeText(text, options)`: keep one text that has passed every check;
//   - `localParentMap`, `localSha1s`, `localRecordStream`, `keys`: read what
//     the store itself holds (never its fallbacks);
//   - `withoutFallbacks()`: the same storage seen with no fallbacks.
// In exchange it gets, with Breezy's semantics:
//   - writes: `addLines`, `addChunks`, `addContent` (one validation path, run
//     to completion BEFORE anything is stored, and one write lock so two adds
//     of a key cannot both pass the checks), a default `insertRecordStream`
//     (any kind converted through the adapter registry, deltas held back until
//     their basis arrives), `addMpdiffs`;
//   - the fallback chain: `addFallbackVersionedFiles` (cycles refused),
//     `fallbacks`, `transitiveFallbacks()`, and lookups (`getParentMap`,
//     `getSha1s`, `getRecordStream`) that cascade in order and end in absent
//     records;
//   - the derived reads: `annotate`, `getAnnotator`, `getKnownGraphAncestry`,
//     `iterLinesAddedOrPresentInKeys`, `makeMpdiffs`, `check`.
// Long operations take `{signal, progress}` and check the signal between records.

import { Annotator } from '../annotate/annotator.js';
import { AbsentContentFactory, asLines, isAbsent, type ContentFactory, type Parents } from '../content/factory.js';
import { defaultAdapters, type AdapterRegistry } from '../content/adapters.js';
import { MultiParent, type InternedBytes } from '../diff/multiparent.js';
import { LineInterner } from '../diff/line-interner.js';
import {
  BadParameterNotBytes,
  ExistingContent,
  FallbackCycle,
  InvalidChecksum,
  InvalidKey,
  ReservedId,
  RevisionAlreadyPresent,
  RevisionNotPresent,
  UnsupportedOperation,
  throwIfAborted,
} from '../errors.js';
import { KnownGraph } from '../graph/known-graph.js';
import { KeyMap, KeySet, isPendingKey, keyToId, resolvePendingKey, validateKey, type Key, type PendingKey } from '../keys.js';
import { concatBytes, splitLines, utf8 } from '../bytes.js';
import { checkAddedLines } from '../line-checks.js';
import { sha1Hex, sha1OfChunks } from '../codecs/sha1.js';
import { DelegatingVersionedFiles } from '../decorators/delegating.js';
import { DependencyBuffer } from '../stream/dependency-buffer.js';
import { topoSort } from '../graph/tsort.js';
import { orderKeys, runsBySource } from '../stream/ordering.js';
import type {
  AddOptions,
  AddResult,
  AnnotatedLine,
  CheckOptions,
  MpdiffRecord,
  Ordering,
  StreamOptions,
  VersionedFiles,
  WorkOptions,
} from '../versionedfiles.js';

export interface VersionedFilesBaseOptions {
  readonly keyLength: number;
  /** False for Breezy's "nograph" stores: parents are not kept and read back as null. */
  readonly graph?: boolean;
  /** False when every parent must already be present (as in a weave). Default true. */
  readonly ghosts?: boolean;
  /** Shown in error messages. */
  readonly name?: string;
  /** Where `insertRecordStream` and `addContent` find converters (default: `defaultAdapters`). */
  readonly adapters?: AdapterRegistry;
}

/** One text that passed every check, as `storeText` receives it. */
export interface ValidatedText {
  /** The final key (a pending key already resolved to `sha1:<hex>`). */
  readonly key: Key;
  /** `[]` for a root; null only in a store without a graph. */
  readonly parents: Parents;
  /** The text as lines: each ends in its only `\n` but perhaps the last, and none is empty. */
  readonly lines: readonly Uint8Array[];
  /** The whole text. */
  readonly text: Uint8Array;
  readonly sha1: string;
}

/** What `localRecordStream` is asked for. */
export interface LocalStreamRequest {
  /** True: yield the records in exactly the order of `keys`. False: whatever order suits the store. */
  readonly ordered: boolean;
  readonly includeDeltaClosure: boolean;
  readonly signal?: AbortSignal;
}

const WHITESPACE = /[ \t\n\r\v\f]/;

export abstract class VersionedFilesBase implements VersionedFiles {
  readonly keyLength: number;
  /** Whether this store keeps parents. */
  readonly hasGraph: boolean;
  /** Whether parents may be ghosts. */
  readonly allowsGhosts: boolean;
  readonly storeName: string;
  protected readonly adapters: AdapterRegistry;
  readonly #fallbacks: VersionedFiles[] = [];
  #writeLock: Promise<unknown> = Promise.resolve();

  protected constructor(options: VersionedFilesBaseOptions) {
    if (!Number.isInteger(options.keyLength) || options.keyLength < 1) {
      throw new RangeError(`keyLength must be a positive integer, got ${options.keyLength}`);
    }
    this.keyLength = options.keyLength;
    this.hasGraph = options.graph ?? true;
    this.allowsGhosts = options.ghosts ?? true;
    this.storeName = options.name ?? this.constructor.name;
    this.adapters = options.adapters ?? defaultAdapters;
  }

  // -- the primitives a backend writes -----------------------------------------

  /** Keeps one checked text. Called under the write lock, after every check passed. */
  protected abstract storeText(text: ValidatedText, options: AddOptions): Promise<void>;
  /** Parents of the keys this store itself holds; absent keys are left out. */
  protected abstract localParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>>;
  /** Sha1s of the keys this store itself holds; absent keys are left out. */
  protected abstract localSha1s(keys: readonly Key[]): Promise<KeyMap<string>>;
  /** One record per key: the stored record, or an `absent` one for keys this store lacks. */
  protected abstract localRecordStream(keys: readonly Key[], request: LocalStreamRequest): AsyncIterable<ContentFactory>;
  abstract keys(): Promise<KeySet>;
  abstract withoutFallbacks(): VersionedFiles;

  // -- writes ------------------------------------------------------------------

  addLines(
    key: PendingKey,
    parents: readonly Key[] | null,
    lines: readonly Uint8Array[],
    options: AddOptions = {},
  ): Promise<AddResult> {
    return this.exclusive(() => this.addLinesUnlocked(key, parents, lines, options));
  }

  addChunks(
    key: PendingKey,
    parents: readonly Key[] | null,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options: AddOptions = {},
  ): Promise<AddResult> {
    return this.exclusive(async () => {
      if (!isIterable(chunks)) throw new BadParameterNotBytes('chunks', -1);
      const list: Uint8Array[] = [];
      for await (const chunk of chunks) {
        if (!(chunk instanceof Uint8Array)) throw new BadParameterNotBytes('chunks', list.length);
        list.push(chunk);
      }
      // Arbitrary chunks are re-split here, so they cannot hold embedded newlines.
      return this.addLinesUnlocked(key, parents, asLines(list), { ...options, checkContent: false });
    });
  }

  addContent(factory: ContentFactory, options: AddOptions = {}): Promise<AddResult> {
    return this.exclusive(async () => {
      const lines = await this.adapters.adaptRecord(factory, 'lines', { basis: this, ...signalOf(options) });
      return this.addLinesUnlocked(factory.key, factory.parents, lines, {
        ...options,
        checkContent: false,
        expectedSha1: factory.sha1,
      });
    });
  }

  /** Checks everything, then stores. `expectedSha1`: the caller's claim about the text. */
  protected async addLinesUnlocked(
    key: PendingKey,
    parents: readonly Key[] | null,
    lines: readonly Uint8Array[],
    options: AddOptions & { readonly expectedSha1?: string | null },
  ): Promise<AddResult> {
    const pending = this.checkNewKey(key);
    const contentAddressed = isPendingKey(pending);
    const checkedParents = await this.checkParents(parents);
    const { text, proper: alreadyLines } = checkAddedLines(lines, options.checkContent ?? true);
    const sha1 = sha1Hex(text);
    const finalKey = contentAddressed ? resolvePendingKey(pending, sha1) : (pending as Key);
    if (options.expectedSha1 != null && options.expectedSha1 !== sha1) {
      throw new InvalidChecksum(finalKey, options.expectedSha1, sha1);
    }
    if (options.nostoreSha !== undefined && options.nostoreSha === sha1) {
      throw new ExistingContent(contentAddressed ? null : finalKey, sha1);
    }
    const result: AddResult = { key: finalKey, sha1, size: text.length };
    if (!options.randomId) {
      const existing = (await this.localParentMap([finalKey])).get(finalKey);
      if (existing !== undefined) {
        // A content-addressed key re-added with the same parents is the same
        // text: nothing to do, as Breezy's indices drop identical adds.
        if (contentAddressed && sameParents(existing, checkedParents)) return result;
        throw new RevisionAlreadyPresent(finalKey, this.storeName);
      }
    }
    const properLines = alreadyLines ? lines : splitLines(text);
    await this.storeText({ key: finalKey, parents: checkedParents, lines: properLines, text, sha1 }, options);
    return result;
  }

  /** A new key: the right length, strings (the last may be null), not reserved, no whitespace in the last. */
  protected checkNewKey(key: PendingKey): PendingKey {
    if (!Array.isArray(key)) throw new InvalidKey(key, 'a key must be an array');
    if (key.length !== this.keyLength) {
      throw new InvalidKey(key, `expected ${this.keyLength} element(s), got ${key.length}`);
    }
    const last = key[key.length - 1];
    if (last === null) {
      if (key.length > 1) validateKey(key.slice(0, -1));
      return key;
    }
    validateKey(key, { checkReserved: true });
    if (WHITESPACE.test(last as string)) throw new InvalidKey(key, 'the last element must not contain whitespace');
    return key;
  }

  /** Parents as stored: validated keys, `[]` for none, null in a store without a graph. */
  protected async checkParents(parents: readonly Key[] | null): Promise<Parents> {
    if (parents === null || parents === undefined) return this.hasGraph ? [] : null;
    if (!Array.isArray(parents)) throw new InvalidKey(parents, 'parents must be an array of keys');
    const checked = parents.map((p: unknown) => validateKey(p, { length: this.keyLength }));
    if (!this.hasGraph) {
      if (checked.length > 0) {
        throw new UnsupportedOperation('parents', this.storeName, 'this store keeps no graph');
      }
      return null;
    }
    if (!this.allowsGhosts && checked.length > 0) {
      const present = await this.getParentMap(checked);
      const ghost = checked.find((p) => !present.has(p));
      if (ghost) throw new RevisionNotPresent(ghost, this.storeName);
    }
    return checked;
  }

  /**
   * Breezy's insert_record_stream for stores that keep texts: absent records
   * raise `RevisionNotPresent`, keys already present are skipped, every other
   * record is converted to lines through the adapter registry; a delta whose
   * basis is not reachable yet waits until it is.
   */
  insertRecordStream(
    stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>,
    options: WorkOptions = {},
  ): Promise<void> {
    return this.exclusive(async () => {
      const waiting = new DependencyBuffer<ContentFactory>();
      let done = 0;
      for await (const record of stream) {
        throwIfAborted(options.signal);
        this.checkRecordKeys(record);
        if (isAbsent(record)) throw new RevisionNotPresent(record.key, this.storeName);
        const basis = this.adapters.compressionParentOf(record);
        if (basis && !(await this.getParentMap([basis])).has(basis)) {
          waiting.hold(basis, record.key, record);
          continue;
        }
        await this.insertOneRecord(record, options);
        for (const [, held] of waiting.release(record.key)) await this.insertOneRecord(held, options);
        options.progress?.({ phase: 'insert', done: ++done, total: null });
      }
      const missing = waiting.waitingFor();
      if (missing.size > 0) throw new RevisionNotPresent([...missing][0] as Key, this.storeName);
    });
  }

  /** A streamed record's key and parents are well-formed keys of this store's length. */
  protected checkRecordKeys(record: ContentFactory): void {
    validateKey(record.key, { length: this.keyLength });
    if (record.parents === null) return;
    if (!Array.isArray(record.parents)) throw new InvalidKey(record.parents, 'parents must be an array of keys');
    for (const p of record.parents) validateKey(p, { length: this.keyLength });
  }

  /** Stores one record of a stream unless its key is already here. */
  protected async insertOneRecord(record: ContentFactory, options: WorkOptions): Promise<void> {
    if ((await this.localParentMap([record.key])).has(record.key)) return;
    const lines = await this.adapters.adaptRecord(record, 'lines', { basis: this, ...signalOf(options) });
    await this.addLinesUnlocked(record.key, record.parents, lines, {
      checkContent: false,
      expectedSha1: record.sha1,
      ...signalOf(options),
    });
  }

  /**
   * Breezy's add_mpdiffs: rebuilds every text from its diff and its parents
   * (other records of the batch, in any order, or texts already reachable),
   * checks each sha1 and that no key is present, and only then stores them,
   * parents first, so a bad record leaves the store unchanged.
   */
  addMpdiffs(records: Iterable<MpdiffRecord>): Promise<void> {
    return this.exclusive(async () => {
      const list = [...records];
      const batch = new KeyMap<MpdiffRecord>();
      for (const r of list) {
        if (batch.has(r.key)) throw new RevisionAlreadyPresent(r.key, this.storeName);
        batch.set(r.key, r);
      }
      const already = await this.localParentMap([...batch.keys()]);
      for (const key of already.keys()) throw new RevisionAlreadyPresent(key, this.storeName);
      const needed = new KeySet();
      for (const r of list) for (const p of r.parents) if (!batch.has(p)) needed.add(p);
      const texts = new KeyMap<readonly Uint8Array[]>();
      for await (const record of this.getRecordStream(needed, 'unordered', true)) {
        if (!isAbsent(record)) texts.set(record.key, await this.adapters.adaptRecord(record, 'lines', { basis: this }));
      }
      // Rebuild parents before children, whatever order the batch came in.
      const order = topoSort(list.map((r) => [r.key, r.parents.filter((p) => batch.has(p))] as const));
      const built: { record: MpdiffRecord; lines: readonly Uint8Array[] }[] = [];
      for (const key of order) {
        const record = batch.get(key) as MpdiffRecord;
        // makeMpdiffs diffs against the parents that are present, in order;
        // ghosts have no text and take no parent slot.
        const parentLines = record.parents.flatMap((p) => {
          const t = texts.get(p);
          return t ? [t] : [];
        });
        const lines = record.diff.toLines(parentLines);
        const sha1 = sha1OfChunks(lines);
        if (sha1 !== record.sha1) throw new InvalidChecksum(record.key, record.sha1, sha1);
        texts.set(record.key, lines);
        built.push({ record, lines });
      }
      for (const { record, lines } of built) {
        const parent0 = record.parents.length === 1 ? texts.get(record.parents[0] as Key) : undefined;
        const blocks = parent0 ? record.diff.getMatchingBlocks(0, parent0.length) : undefined;
        await this.addLinesUnlocked(record.key, record.parents, lines, {
          checkContent: false,
          ...(blocks ? { leftMatchingBlocks: blocks } : {}),
        });
      }
    });
  }

  /** Runs `work` with no other write of this store in between. */
  protected exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#writeLock.then(work, work);
    this.#writeLock = run.catch(() => undefined);
    return run;
  }

  // -- the fallback chain --------------------------------------------------------

  get fallbacks(): readonly VersionedFiles[] {
    return this.#fallbacks;
  }

  addFallbackVersionedFiles(fallback: VersionedFiles): void {
    if (reachableFallbacks(fallback).has(this)) throw new FallbackCycle(this.storeName);
    this.#fallbacks.push(fallback);
  }

  /** Every store below this one, depth first, in lookup order (Breezy's `_transitive_fallbacks`). */
  transitiveFallbacks(): VersionedFiles[] {
    const out: VersionedFiles[] = [];
    const seen = new Set<VersionedFiles>([this]);
    const walk = (store: VersionedFiles): void => {
      for (const fb of store.fallbacks) {
        if (seen.has(fb)) continue;
        seen.add(fb);
        out.push(fb);
        walk(fb);
      }
    };
    walk(this);
    return out;
  }

  /**
   * Not an async function: a single lookup is a few microseconds, and before
   * V8 has optimized it (a process's first thousand calls) one more async
   * frame and await was a good part of that.
   */
  getParentMap(keys: Iterable<Key>): Promise<KeyMap<Parents>> {
    try {
      const wanted = lookupKeys(keys);
      if (wanted.length === 0) return Promise.resolve(new KeyMap<Parents>());
      const local = this.localParentMap(wanted);
      if (this.#fallbacks.length === 0) return local;
      return local.then((result) => this.cascade(wanted, result, (fb, missing) => fb.getParentMap(missing)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async getSha1s(keys: Iterable<Key>): Promise<KeyMap<string>> {
    const wanted = lookupKeys(keys);
    const result = wanted.length === 0 ? new KeyMap<string>() : await this.localSha1s(wanted);
    return this.#fallbacks.length === 0 ? result : this.cascade(wanted, result, (fb, missing) => fb.getSha1s(missing));
  }

  /** Asks each fallback in turn for what is still missing. */
  private async cascade<V>(
    wanted: readonly Key[],
    result: KeyMap<V>,
    ask: (fallback: VersionedFiles, missing: Key[]) => Promise<KeyMap<V>>,
  ): Promise<KeyMap<V>> {
    for (const fallback of this.#fallbacks) {
      const missing = wanted.filter((k) => !result.has(k));
      if (missing.length === 0) break;
      for (const [k, v] of await ask(fallback, missing)) if (!result.has(k)) result.set(k, v);
    }
    return result;
  }

  getRecordStream(
    keys: Iterable<Key>,
    ordering: Ordering,
    includeDeltaClosure: boolean,
    options: StreamOptions = {},
  ): AsyncGenerator<ContentFactory> {
    const plan = { total: 0 };
    return relayRecords(this.#streamParts(keys, ordering, includeDeltaClosure, options, plan), plan, options);
  }

  /**
   * The parts of a record stream, in order: each local or fallback stream,
   * and the absent records. Resumed once per part, never per record: the
   * per-record path is `relayRecords` alone, small enough that V8 optimizes
   * it once. (This planning, when it sat on that path, was recompiled after
   * every stream that took another branch: on npm-large about 100 ms of a
   * compiler thread per stream, on a two-core machine.)
   */
  async *#streamParts(
    keys: Iterable<Key>,
    ordering: Ordering,
    includeDeltaClosure: boolean,
    options: StreamOptions,
    plan: { total: number },
  ): AsyncGenerator<RecordPart> {
    if (!ORDERINGS.has(ordering)) throw new UnsupportedOperation(`ordering ${JSON.stringify(ordering)}`, this.storeName);
    const wanted = lookupKeys(keys);
    plan.total = wanted.length;
    if (wanted.length === 0) return;
    throwIfAborted(options.signal);
    if (ordering === 'unordered') {
      const local = this.localRecordStream(wanted, { ordered: false, includeDeltaClosure, ...signalOf(options) });
      if (this.#fallbacks.length === 0) {
        yield local;
        return;
      }
      // Local records first, then each fallback for what is still missing.
      let missing = new KeySet();
      yield presentOnly(local, missing);
      for (const fallback of this.#fallbacks) {
        if (missing.size === 0) break;
        const still = new KeySet();
        yield presentOnly(fallback.getRecordStream(missing, 'unordered', includeDeltaClosure, signalOf(options)), still);
        missing = still;
      }
      yield Array.from(missing, (key) => new AbsentContentFactory(key));
      return;
    }
    // Ordered: place every key first, sort globally, then stream runs per source.
    // Only keys a fallback holds are placed: the rest are local (a large
    // request pays no map of every key to its source).
    const local = await this.localParentMap(wanted);
    let parentMap = local;
    const fallbackOf = new KeyMap<VersionedFiles>();
    for (const fallback of this.#fallbacks) {
      const missing = wanted.filter((k) => !parentMap.has(k));
      if (missing.length === 0) break;
      if (parentMap === local) parentMap = new KeyMap<Parents>(local);
      for (const [k, parents] of await fallback.getParentMap(missing)) {
        if (parentMap.has(k)) continue;
        parentMap.set(k, parents);
        fallbackOf.set(k, fallback);
      }
    }
    const absent = wanted.filter((key) => !parentMap.has(key));
    if (absent.length > 0) yield absent.map((key) => new AbsentContentFactory(key));
    const order = orderKeys(ordering, parentMap);
    const runs = fallbackOf.size === 0 ? [[null, order] as const] : runsBySource(order, (k) => fallbackOf.get(k) ?? null);
    for (const [source, run] of runs) {
      yield source === null
        ? this.localRecordStream(run, { ordered: true, includeDeltaClosure, ...signalOf(options) })
        : source.getRecordStream(run, ordering, includeDeltaClosure, signalOf(options));
    }
  }

  // -- derived reads ---------------------------------------------------------------

  async annotate(key: Key): Promise<readonly AnnotatedLine[]> {
    await this.requirePresent([key]);
    return this.getAnnotator().annotateFlat(key);
  }

  getAnnotator(): Annotator {
    return new Annotator(this);
  }

  /** Breezy's basic get_known_graph_ancestry: walk getParentMap (fallbacks included) to the roots. */
  async getKnownGraphAncestry(keys: Iterable<Key>): Promise<KnownGraph> {
    const parentMap = new KeyMap<readonly Key[]>();
    let pending = new KeySet(keys);
    while (pending.size > 0) {
      const found = await this.getParentMap(pending);
      const next = new KeySet();
      for (const [key, parents] of found) {
        parentMap.set(key, parents ?? []);
        for (const p of parents ?? []) if (!parentMap.has(p) && !found.has(p)) next.add(p);
      }
      pending = next;
    }
    return new KnownGraph(parentMap);
  }

  /**
   * Each line of each requested text with that text's key, lines normalised to
   * end in `\n` as Breezy's stores give them. Missing keys raise
   * `RevisionNotPresent`. Progress: `Walking content`, one step per text.
   */
  async *iterLinesAddedOrPresentInKeys(
    keys: Iterable<Key>,
    options: WorkOptions = {},
  ): AsyncGenerator<readonly [Uint8Array, Key]> {
    const wanted = lookupKeys(keys);
    const total = wanted.length;
    let done = 0;
    for await (const record of this.getRecordStream(wanted, 'unordered', true, signalOf(options))) {
      if (isAbsent(record)) throw new RevisionNotPresent(record.key, this.storeName);
      options.progress?.({ phase: 'Walking content', done: done++, total });
      const lines = await this.adapters.adaptRecord(record, 'lines', { basis: this, ...signalOf(options) });
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as Uint8Array;
        const last = i === lines.length - 1 && line[line.length - 1] !== 0x0a;
        yield [last ? concatBytes([line, NEWLINE]) : line, record.key];
      }
    }
    if (total > 0) options.progress?.({ phase: 'Walking content', done: total, total });
  }

  /**
   * Breezy's `_MPDiffGenerator`: one multi-parent diff per key against its
   * present parents, texts streamed topologically and each parent text kept
   * only while a child still needs it.
   */
  async makeMpdiffs(keys: readonly Key[]): Promise<MultiParent[]> {
    const parentMap = await this.getParentMap(keys);
    const absent = keys.find((k) => !parentMap.has(k));
    if (absent) throw new RevisionNotPresent(absent, this.storeName);
    const needed = new KeySet(keys);
    const refcounts = new KeyMap<number>();
    const justParents = new KeySet();
    for (const parents of parentMap.values()) {
      for (const p of parents ?? []) {
        justParents.add(p);
        needed.add(p);
        refcounts.set(p, (refcounts.get(p) ?? 0) + 1);
      }
    }
    const outside = [...justParents].filter((p) => !parentMap.has(p));
    const present = await this.getParentMap(outside);
    const ghosts = new KeySet(outside.filter((p) => !present.has(p)));
    for (const g of ghosts) needed.delete(g);

    const diffs = new KeyMap<MultiParent>();
    // Each text is interned once (against its first parent) and matched by line ids.
    const interner = new LineInterner({ copyLines: true });
    const cache = new KeyMap<InternedBytes>();
    const todo = new KeyMap<Parents>(parentMap);
    for await (const record of this.getRecordStream(needed, 'topological', true)) {
      if (isAbsent(record)) throw new RevisionNotPresent(record.key, this.storeName);
      const lines = await this.adapters.adaptRecord(record, 'lines', { basis: this });
      const parents = todo.get(record.key);
      if (parents !== undefined) {
        todo.delete(record.key);
        const parentTexts: InternedBytes[] = [];
        for (const p of parents ?? []) {
          if (ghosts.has(p)) continue;
          const count = refcounts.get(p) as number;
          parentTexts.push(cache.get(p) as InternedBytes);
          if (count === 1) {
            refcounts.delete(p);
            cache.delete(p);
          } else refcounts.set(p, count - 1);
        }
        const text = { lines, ids: interner.internAll(lines, parentTexts[0]) };
        diffs.set(record.key, MultiParent.fromInterned(text, parentTexts));
        if (refcounts.has(record.key)) cache.set(record.key, text);
      } else if (refcounts.has(record.key)) {
        cache.set(record.key, { lines, ids: interner.internAll(lines) });
      }
    }
    return keys.map((k) => diffs.get(k) as MultiParent);
  }

  /**
   * Every text's sha1 recomputed from its content (local texts, or `keys`),
   * then each fallback's own check when no keys were named.
   */
  async check(options: CheckOptions = {}): Promise<void> {
    const keys = options.keys ? [...new KeySet(options.keys)] : [...(await this.keys())];
    const total = keys.length;
    const expected = await this.getSha1s(keys);
    let done = 0;
    const stream = options.keys ? this.getRecordStream(keys, 'unordered', true) : this.localRecordStream(keys, { ordered: false, includeDeltaClosure: true });
    for await (const record of stream) {
      throwIfAborted(options.signal);
      if (isAbsent(record)) throw new RevisionNotPresent(record.key, this.storeName);
      const chunks = await this.adapters.adaptRecord(record, 'chunked', { basis: this, ...signalOf(options) });
      const actual = sha1OfChunks(chunks);
      const want = expected.get(record.key) ?? record.sha1;
      if (want !== null && want !== actual) throw new InvalidChecksum(record.key, want, actual);
      options.progress?.({ phase: 'check', done: ++done, total });
    }
    if (!options.keys) for (const fallback of this.#fallbacks) await fallback.check(signalOf(options));
  }

  async getMissingCompressionParentKeys(): Promise<KeySet> {
    return new KeySet();
  }

  clearCache(): void {}

  /** Throws `RevisionNotPresent` for the first key no store in reach has. */
  protected async requirePresent(keys: readonly Key[]): Promise<void> {
    const found = await this.getParentMap(keys);
    const missing = keys.find((k) => !found.has(k));
    if (missing) throw new RevisionNotPresent(missing, this.storeName);
  }
}

const NEWLINE = utf8('\n');
const ORDERINGS: ReadonlySet<string> = new Set<Ordering>(['unordered', 'topological', 'groupcompress']);

/**
 * Every store reachable from `store` through fallbacks, `store` included. A
 * decorator answers with the store it wraps, so both count as the same node:
 * otherwise a store stacked on a decorator of itself would recurse forever.
 */
function reachableFallbacks(store: VersionedFiles): Set<VersionedFiles> {
  const seen = new Set<VersionedFiles>();
  const stack = [store];
  while (stack.length > 0) {
    for (const s of withWrapped(stack.pop() as VersionedFiles)) {
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...s.fallbacks);
    }
  }
  return seen;
}

/** A store and, for decorators, the stores they wrap. */
function withWrapped(store: VersionedFiles): VersionedFiles[] {
  const out = [store];
  let s: VersionedFiles = store;
  while (s instanceof DelegatingVersionedFiles) {
    s = s.backing;
    out.push(s);
  }
  return out;
}

function sameParents(a: Parents, b: Parents): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  return a.every((k, i) => {
    const other = b[i] as Key;
    return k.length === other.length && k.every((e, j) => e === other[j]);
  });
}

/** One part of a record stream (see `#streamParts`). */
type RecordPart = Iterable<ContentFactory> | AsyncIterable<ContentFactory>;

/** Every record of `parts`, checking the signal and reporting progress against `plan.total`. */
async function* relayRecords(
  parts: AsyncIterable<RecordPart>,
  plan: { readonly total: number },
  options: StreamOptions,
): AsyncGenerator<ContentFactory> {
  let done = 0;
  for await (const part of parts) {
    for await (const record of part) {
      throwIfAborted(options.signal);
      options.progress?.({ phase: 'stream', done: ++done, total: plan.total });
      yield record;
    }
  }
}

/** The present records of `records`; the keys of absent ones go to `missing`. */
async function* presentOnly(records: AsyncIterable<ContentFactory>, missing: KeySet): AsyncGenerator<ContentFactory> {
  for await (const record of records) {
    if (isAbsent(record)) missing.add(record.key);
    else yield record;
  }
}

/** Requested keys, deduplicated; anything that is not a key gets `InvalidKey` (a key of another length is just absent). */
function lookupKeys(keys: Iterable<Key>): Key[] {
  // KeySet's deduplication, without the class and the spread: a lookup of one
  // key runs this before V8 has optimized it (docs/architecture.md, keys).
  const out: Key[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    const id = keyToId(validateKey(key));
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(key);
  }
  return out;
}

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && (Symbol.iterator in value || Symbol.asyncIterator in value);
}

function signalOf(options: WorkOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
