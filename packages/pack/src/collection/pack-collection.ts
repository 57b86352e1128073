// The packs of a Breezy pack repository, read and written over a core
// `Transport` rooted at the repository directory (`.bzr/repository`).
//
// Entry points:
// - `PackCollection.open(transport, layout)` / `.create(...)`: the packs that
//   `pack-names` lists; `packs()`, `pack(name)`, `index(kind)` (a
//   `CombinedGraphIndex` over every pack's index of that kind, whose entries
//   map back to their pack with `packFor(entry.index)`), `reload()`;
// - `Pack`: one listed pack — its indices and `readRecords(spans)`;
// - `NewPack` (from `collection.newPack()`): records go to `upload/` through a
//   `PackFileWriter`, nodes into one index builder per kind; `finish()`
//   names the pack by the md5 of its bytes, writes the indices into
//   `indices/`, then renames the pack into `packs/`;
// - `collection.addPacks(newPacks, { obsolete })`: under the repository lock,
//   rewrites `pack-names` (atomically: temp file + rename) from what is on
//   disk now plus the new packs minus the obsolete ones, then moves the
//   obsolete packs' files to `obsolete_packs/`.
//
// Order is what makes it crash-safe: a pack-names entry is only ever written
// after its pack and indices are complete in their final places, so a crash
// leaves at worst unlisted files, never a listed pack without its files.

import { createHash, randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { NoSuchFile } from '@versionedfiles/core';
import type { Transport, WriteLock } from '@versionedfiles/core';
import { BadIndexData } from '../errors.js';
import { BTreeBuilder } from '../format/btree.js';
import type { ContainerRecord, RecordName, RecordSpan } from '../format/container.js';
import { GraphIndexBuilder } from '../format/graph-index.js';
import type { GraphIndexReader } from '../format/index-common.js';
import { decodePackNameValue, encodePackNames, layoutKinds } from '../format/pack-names.js';
import type { IndexKind, IndexSpec, PackLayout, PackNameEntry } from '../format/pack-names.js';
import { BTreeGraphIndex } from '../index/btree-reader.js';
import { CombinedGraphIndex } from '../index/combined.js';
import { GraphIndex } from '../index/graph-index-reader.js';
import { MemoryGraphIndex } from '../index/memory-index.js';
import { BytesRangeReader, transportRangeReader } from '../io/range-reader.js';
import { PackFileWriter, readContainerRecords } from '../io/pack-file-writer.js';
import type { PackFileState } from '../io/pack-file-writer.js';

const PACK_NAMES = 'pack-names';

/** One pack listed in pack-names. */
export class Pack {
  readonly name: string;
  readonly sizes: readonly number[];
  readonly #transport: Transport;
  readonly #indices = new Map<IndexKind, GraphIndexReader>();

  constructor(transport: Transport, layout: PackLayout, entry: PackNameEntry) {
    this.#transport = transport;
    this.name = entry.name;
    this.sizes = entry.sizes;
    for (const kind of layoutKinds(layout)) {
      const spec = layout.indices[kind] as IndexSpec;
      const size = entry.sizes[spec.position];
      if (size === undefined) continue;
      const reader = transportRangeReader(transport, `indices/${entry.name}${spec.suffix}`, size);
      this.#indices.set(kind, layout.indexFormat === 'btree' ? new BTreeGraphIndex(reader) : new GraphIndex(reader));
    }
  }

  get packPath(): string {
    return `packs/${this.name}.pack`;
  }

  /** This pack's index of `kind`, or null when the layout or pack-names entry has none. */
  index(kind: IndexKind): GraphIndexReader | null {
    return this.#indices.get(kind) ?? null;
  }

  /** Reads records by the spans the indices record for them. */
  readRecords(spans: readonly RecordSpan[]): Promise<ContainerRecord[]> {
    return readContainerRecords(this.#transport, this.packPath, spans);
  }
}

export interface OpenOptions {
  /** Take the repository lock (`lock`, a LockDir) around pack-names updates. Default true. */
  readonly lockPackNames?: boolean;
  /**
   * Flush packs, indices and pack-names to stable storage before moving on
   * (Breezy's `repository.fdatasync`, on by default), so the write order
   * that makes adding a pack crash-safe also holds across a power cut.
   */
  readonly fsync?: boolean;
}

export class PackCollection {
  readonly transport: Transport;
  readonly layout: PackLayout;
  readonly #lock: boolean;
  readonly #fsync: boolean;
  #packs = new Map<string, Pack>();
  readonly #combined = new Map<IndexKind, CombinedGraphIndex>();
  readonly #owner = new Map<GraphIndexReader, Pack>();

  private constructor(transport: Transport, layout: PackLayout, options: OpenOptions) {
    this.transport = transport;
    this.layout = layout;
    this.#lock = options.lockPackNames ?? true;
    this.#fsync = options.fsync ?? true;
    for (const kind of layoutKinds(layout)) {
      this.#combined.set(kind, new CombinedGraphIndex([], { reload: () => this.reload() }));
    }
  }

  /** Opens the collection whose `pack-names` is at the transport's root. */
  static async open(transport: Transport, layout: PackLayout, options: OpenOptions = {}): Promise<PackCollection> {
    const collection = new PackCollection(transport, layout, options);
    await collection.reload();
    return collection;
  }

  /** Creates the directories and an empty `pack-names`, then opens it. */
  static async create(transport: Transport, layout: PackLayout, options: OpenOptions = {}): Promise<PackCollection> {
    for (const dir of ['packs', 'indices', 'upload', 'obsolete_packs']) {
      if (!(await transport.exists(dir))) await transport.mkdir(dir, { recursive: true });
    }
    await transport.put(PACK_NAMES, encodePackNames([], layout.indexFormat));
    return PackCollection.open(transport, layout, options);
  }

  /** The listed packs, in pack-names (name) order. */
  packs(): Pack[] {
    return [...this.#packs.values()];
  }

  pack(name: string): Pack | undefined {
    return this.#packs.get(name);
  }

  /** Every pack's index of `kind`, combined. */
  index(kind: IndexKind): CombinedGraphIndex {
    const combined = this.#combined.get(kind);
    if (combined === undefined) throw new BadIndexData(this.layout.name, `the layout has no ${kind} index`);
    return combined;
  }

  /** The pack an index entry came from (`entry.index`). */
  packFor(index: GraphIndexReader): Pack | undefined {
    return this.#owner.get(index);
  }

  /** Reads pack-names from disk now. */
  async readPackNames(): Promise<PackNameEntry[]> {
    const reader = new BytesRangeReader(await this.transport.get(PACK_NAMES), PACK_NAMES);
    const index = this.layout.indexFormat === 'btree' ? new BTreeGraphIndex(reader) : new GraphIndex(reader);
    const entries: PackNameEntry[] = [];
    for await (const entry of index.iterAllEntries()) {
      entries.push({ name: entry.key[0] as string, sizes: decodePackNameValue(entry.value) });
    }
    return entries;
  }

  /** Re-reads pack-names; true when the set of packs changed. */
  async reload(): Promise<boolean> {
    const entries = await this.readPackNames();
    const next = new Map<string, Pack>();
    let changed = entries.length !== this.#packs.size;
    for (const entry of entries) {
      const known = this.#packs.get(entry.name);
      if (known !== undefined && known.sizes.join(' ') === entry.sizes.join(' ')) next.set(entry.name, known);
      else {
        next.set(entry.name, new Pack(this.transport, this.layout, entry));
        changed = true;
      }
    }
    this.#packs = next;
    this.#owner.clear();
    for (const [kind, combined] of this.#combined) {
      const indices: GraphIndexReader[] = [];
      const names: string[] = [];
      for (const pack of next.values()) {
        const index = pack.index(kind);
        if (index === null) continue;
        indices.push(index);
        names.push(pack.name);
        this.#owner.set(index, pack);
      }
      combined.setIndices(indices, names);
    }
    return changed;
  }

  /** Starts a pack in `upload/`. */
  newPack(options: Omit<NewPackOptions, 'fsync'> = {}): NewPack {
    return new NewPack(this.transport, this.layout, { ...options, fsync: this.#fsync });
  }

  /**
   * Lists finished packs in pack-names, and drops the `obsolete` ones (moving
   * their files to `obsolete_packs/`). Finishes any pack not yet finished.
   */
  async addPacks(packs: readonly (NewPack | PackNameEntry)[], options: { obsolete?: readonly string[] } = {}): Promise<void> {
    const added: PackNameEntry[] = [];
    for (const p of packs) added.push(p instanceof NewPack ? await p.finish() : p);
    const obsolete = new Set(options.obsolete ?? []);
    const lock: WriteLock | null = this.#lock ? await this.transport.lockWrite('lock') : null;
    try {
      const byName = new Map<string, PackNameEntry>();
      for (const e of await this.readPackNames()) if (!obsolete.has(e.name)) byName.set(e.name, e);
      for (const e of added) byName.set(e.name, e);
      await this.transport.put(PACK_NAMES, encodePackNames(byName.values(), this.layout.indexFormat), { fsync: this.#fsync });
    } finally {
      await lock?.release();
    }
    for (const name of obsolete) await this.#retire(name);
    await this.reload();
  }

  /** Deletes the files in obsolete_packs/ (a reader still on one of them reloads pack-names and retries). */
  async clearObsoletePacks(): Promise<void> {
    let names: string[];
    try {
      names = await this.transport.list('obsolete_packs');
    } catch (err) {
      if (err instanceof NoSuchFile) return;
      throw err;
    }
    for (const name of names) {
      try {
        await this.transport.delete(`obsolete_packs/${name}`);
      } catch (err) {
        if (!(err instanceof NoSuchFile)) throw err;
      }
    }
  }

  /** Moves a pack and its indices to obsolete_packs/, as Breezy does after a repack. */
  async #retire(name: string): Promise<void> {
    if (!(await this.transport.exists('obsolete_packs'))) await this.transport.mkdir('obsolete_packs');
    const files = [`packs/${name}.pack`, ...layoutKinds(this.layout).map((k) => `indices/${name}${(this.layout.indices[k] as IndexSpec).suffix}`)];
    for (const path of files) {
      try {
        await this.transport.rename(path, `obsolete_packs/${path.slice(path.indexOf('/') + 1)}`);
      } catch (err) {
        if (!(err instanceof NoSuchFile)) throw err;
      }
    }
  }
}

type IndexBuilder = GraphIndexBuilder | BTreeBuilder;

const RANDOM_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export interface NewPackOptions {
  readonly fsync?: boolean;
  /**
   * Index builders to use instead of fresh ones, by kind (e.g. one a store
   * already feeds); each must have the shape the layout gives that kind.
   */
  readonly builders?: Readonly<Partial<Record<IndexKind, IndexBuilder>>>;
}

/** A pack being written: a `PackFileWriter` on `upload/RANDOM.pack` plus one index builder per kind. */
export class NewPack {
  readonly uploadName: string;
  readonly #transport: Transport;
  readonly #layout: PackLayout;
  readonly #file: PackFileWriter;
  readonly #builders = new Map<IndexKind, IndexBuilder>();
  readonly #views = new Map<IndexKind, MemoryGraphIndex>();
  readonly #hash: Hash = createHash('md5');
  #entry: PackNameEntry | null = null;
  readonly #fsync: boolean;

  constructor(transport: Transport, layout: PackLayout, options: NewPackOptions = {}) {
    this.#transport = transport;
    this.#layout = layout;
    this.#fsync = options.fsync ?? true;
    const random = randomBytes(20);
    this.uploadName = `upload/${Array.from(random, (b) => RANDOM_ALPHABET[b % 36]).join('')}.pack`;
    for (const kind of layoutKinds(layout)) {
      const spec = layout.indices[kind] as IndexSpec;
      const shape = { referenceLists: spec.referenceLists, keyElements: spec.keyElements };
      const given = options.builders?.[kind];
      if (given !== undefined && (given.referenceLists !== shape.referenceLists || given.keyElements !== shape.keyElements)) {
        throw new BadIndexData(layout.name, `the ${kind} index builder given has the wrong shape`);
      }
      this.#builders.set(kind, given ?? (layout.indexFormat === 'btree' ? new BTreeBuilder(shape) : new GraphIndexBuilder(shape)));
    }
    this.#file = new PackFileWriter(transport, this.uploadName, { fsync: this.#fsync, onBytes: (chunk) => this.#hash.update(chunk) });
  }

  /** The index builder of `kind`: add nodes to it as records are written. */
  indexBuilder(kind: IndexKind): IndexBuilder {
    const builder = this.#builders.get(kind);
    if (builder === undefined) throw new BadIndexData(this.#layout.name, `the layout has no ${kind} index`);
    return builder;
  }

  /** A live view of the index of `kind` being built, for queries before the pack is finished. */
  index(kind: IndexKind): MemoryGraphIndex {
    let view = this.#views.get(kind);
    if (view === undefined) {
      view = new MemoryGraphIndex(this.indexBuilder(kind));
      this.#views.set(kind, view);
    }
    return view;
  }

  /**
   * Appends a record; returns its span, which index values record. Past
   * 1 MiB of buffered bytes, they are appended to the upload file in the
   * background (in order; `flush()` waits for them).
   */
  addRecord(body: Uint8Array | readonly Uint8Array[], names: readonly RecordName[] = []): RecordSpan {
    return this.#file.addRecord(body, names);
  }

  /** Bytes written to the pack so far. */
  get size(): number {
    return this.#file.size;
  }

  /** `open` until finished (or aborted). */
  get state(): PackFileState {
    return this.#entry !== null ? 'finished' : this.#file.state;
  }

  /** Records added so far. */
  get recordCount(): number {
    return this.#file.recordsWritten;
  }

  /** Appends everything buffered to the upload file. */
  flush(): Promise<void> {
    return this.#file.flush();
  }

  /** Reads back records of this pack before (or after) it is finished. */
  readRecords(spans: readonly RecordSpan[]): Promise<ContainerRecord[]> {
    return this.#file.readRecords(spans);
  }

  /** Ends the container, writes the indices, moves the pack into packs/; returns its pack-names entry. */
  async finish(): Promise<PackNameEntry> {
    if (this.#entry !== null) return this.#entry;
    await this.#file.finish();
    const name = this.#hash.digest('hex');
    const sizes: number[] = [];
    for (const [kind, builder] of this.#builders) {
      const spec = this.#layout.indices[kind] as IndexSpec;
      const bytes = builder.finish();
      await this.#transport.put(`indices/${name}${spec.suffix}`, bytes, { createParentDir: true, fsync: this.#fsync });
      sizes[spec.position] = bytes.length;
    }
    await this.#file.rename(`packs/${name}.pack`);
    this.#entry = { name, sizes };
    return this.#entry;
  }

  /** Drops the pack: deletes the upload file. */
  abort(): Promise<void> {
    return this.#file.abort();
  }
}
