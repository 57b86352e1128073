// The `vf` pack layouts (groupcompress, knit-pack) as a Breezy-style pack
// collection in the store's `data/` directory:
//
//   pack-names           the listed packs (a B+Tree index for groupcompress,
//                        a GraphIndex for knit-pack), value = the .tix size
//   packs/NAME.pack      a pack container, NAME = md5 of its bytes
//   indices/NAME.tix     its text index (groupcompress: B+Tree, one reference
//                        list; knit-pack: GraphIndex, parents + compression parent)
//   upload/, obsolete_packs/   packs being written; packs combined away
//
// A write session (`vf add`, `vf import-stream`, ...) is one write group, as
// in Breezy: its records go into one new pack in `upload/`; on `finish` the
// pack and its index are completed, renamed into place, and `pack-names` is
// replaced atomically to list it, so the cost of a write no longer grows with
// the store. Then, when packs outnumber the digit sum of the text count,
// `autopack` combines the small ones (records copied as they are). Reads go
// through every listed pack's index (`CombinedGraphIndex`, bisecting); a
// knit delta may have its basis in an older pack.
//
// Crash safety: pack-names is the commit point; a crash before it leaves
// unlisted files, which the next writer (holding the store lock) deletes.
// Readers take no lock: if autopack moves a pack away under them they get
// `NoSuchFile`, and `ReloadingVersionedFiles` reopens pack-names and retries.
//
// Entry points: `groupcompressPacks(keyLength, zlib)` and `knitPacks(...)`
// (a `PackKind` each), `createPackStore`, `openPackSet` (read only) and
// `openPackWriter` (one write group).

import {
  KeyMap,
  KeySet,
  NoSuchFile,
  ReadOnlyError,
  keysEqual,
  type Key,
  type Parents,
  type Transport,
  type VersionedFiles,
  type ZlibCodec,
} from '@versionedfiles/core';
import {
  CombinedGraphIndex,
  PackCollection,
  autopack,
  bytesRecordLength,
  combinePacks,
  parseGraphIndex,
  type CombinePacks,
  type GraphIndexReader,
  type IndexEntry,
  type NewPack,
  type PackLayout,
  type ValueSpans,
} from '@versionedfiles/pack';
import {
  KnitCorrupt,
  KnitPackIndex,
  KnitVersionedFiles,
  decodePackValue,
  encodePackValue,
  type AddRecordsOptions,
  type BuildDetails,
  type IndexMemo,
  type IndexRecord,
  type KnitAccess,
  type KnitIndex,
} from '@versionedfiles/knit';
import {
  CollectionAccess,
  GroupCompressCorrupt,
  GroupCompressVersionedFiles,
  MemoryGroupIndex,
  ReaderGroupIndex,
  type GroupIndex,
  type GroupIndexEntry,
} from '@versionedfiles/groupcompress';

/** A read store and what identifies the pack set it reads (for `ReloadingVersionedFiles`). */
export interface OpenedPacks {
  readonly vf: VersionedFiles;
  readonly name: string;
}

export interface PackBackend {
  readonly vf: VersionedFiles;
  /** Commits the session's pack (if it holds any record), then autopacks. */
  readonly finish: () => Promise<void>;
}

/** A store over a collection; when writing, with the new pack its texts go to. */
interface PackSession {
  readonly vf: VersionedFiles;
  readonly pack: NewPack | null;
  /** Puts what the store kept aside into the new pack's index builders. */
  beforeFinish(): void;
}

/** How one pack format keeps its texts in a collection. */
export interface PackKind {
  readonly layout: PackLayout;
  /** How autopack combines packs of this format. */
  readonly combine: CombinePacks;
  open(collection: PackCollection, writing: boolean): PackSession;
}

const TEXT_INDEX = (referenceLists: number, keyElements: number) => ({ suffix: '.tix', position: 0, referenceLists, keyElements });

function packNameOf(collection: PackCollection, entry: IndexEntry): string {
  const pack = collection.packFor(entry.index);
  if (pack === undefined) throw new NoSuchFile(`the pack of index entry ${entry.key.join('/')}`);
  return pack.name;
}

/** Reads runs of consecutive memos of one pack with one call each, keeping the order. */
async function readRuns<M>(memos: readonly M[], packOf: (m: M) => string, read: (pack: string, run: readonly M[]) => Promise<Uint8Array[]>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < memos.length; ) {
    const pack = packOf(memos[i] as M);
    let j = i;
    while (j < memos.length && packOf(memos[j] as M) === pack) j++;
    out.push(...(await read(pack, memos.slice(i, j))));
    i = j;
  }
  return out;
}

// -- groupcompress ---------------------------------------------------------------

/** The listed packs' index, plus the session's pack's (in memory, fed to its B+Tree builder). */
class CollectionGroupIndex implements GroupIndex {
  readonly hasGraph = true;

  constructor(
    private readonly listed: ReaderGroupIndex,
    private readonly fresh: MemoryGroupIndex | null,
  ) {}

  async getEntries(keys: readonly Key[]): Promise<KeyMap<GroupIndexEntry>> {
    const out = this.fresh ? await this.fresh.getEntries(keys) : new KeyMap<GroupIndexEntry>();
    const rest = out.size === 0 ? keys : keys.filter((k) => !out.has(k));
    if (rest.length > 0) for (const [k, e] of await this.listed.getEntries(rest)) out.set(k, e);
    return out;
  }

  async keys(): Promise<KeySet> {
    const out = await this.listed.keys();
    if (this.fresh) for (const k of await this.fresh.keys()) out.add(k);
    return out;
  }

  async addEntries(entries: readonly GroupIndexEntry[], randomId: boolean): Promise<void> {
    if (this.fresh === null) throw new ReadOnlyError('groupcompress pack collection (read only)');
    // A key an older pack holds is never added again; with other parents it is corrupt, as in Breezy.
    const present = await this.listed.getEntries(entries.map((e) => e.key));
    for (const e of entries) {
      const old = present.get(e.key);
      if (old !== undefined && !randomId && !sameKeys(old.parents ?? [], e.parents ?? [])) {
        throw new GroupCompressCorrupt('inconsistent details in add_records', { key: e.key });
      }
    }
    await this.fresh.addEntries(present.size === 0 ? entries : entries.filter((e) => !present.has(e.key)), randomId);
  }
}

export function groupcompressPacks(keyLength: number, zlib: ZlibCodec): PackKind {
  const name = (collection: PackCollection) => `groupcompress packs at ${collection.transport.base}`;
  /** A store over some listed packs; with `pack`, writing to it alone (its index sees no other pack). */
  const store = (collection: PackCollection, index: GroupIndex, pack: NewPack | null) =>
    new GroupCompressVersionedFiles({ keyLength, index, access: new CollectionAccess(collection, pack), zlib, name: name(collection) });
  return {
    layout: { name: 'vf-groupcompress', indexFormat: 'btree', indices: { text: TEXT_INDEX(1, keyLength) } },
    // As Breezy's groupcompress packer: stream the packs' texts in groupcompress order into a new pack,
    // regrouping them, so texts added one session at a time end up compressed together.
    async combine(collection, names) {
      const packs = names.map((n) => collection.pack(n)).filter((p) => p !== undefined);
      const source = store(collection, new ReaderGroupIndex(new CombinedGraphIndex(packs.map((p) => p.index('text') as GraphIndexReader)), true, (e) => packNameOf(collection, e)), null);
      const fresh = new MemoryGroupIndex(true, keyLength);
      const pack = collection.newPack({ builders: { text: fresh.builder } });
      try {
        const target = store(collection, fresh, pack);
        await target.insertRecordStream(source.getRecordStream(await source.keys(), 'groupcompress', false));
        await target.close();
        await collection.addPacks([pack], { obsolete: names });
      } catch (err) {
        await pack.abort();
        throw err;
      }
    },
    open(collection, writing) {
      const listed = new ReaderGroupIndex(collection.index('text'), true, (entry) => packNameOf(collection, entry));
      // The session's index nodes go straight into the new pack's B+Tree builder.
      const fresh = writing ? new MemoryGroupIndex(true, keyLength) : null;
      const pack = fresh === null ? null : collection.newPack({ builders: { text: fresh.builder } });
      return { vf: store(collection, new CollectionGroupIndex(listed, fresh), pack), pack, beforeFinish: () => {} };
    },
  };
}

// -- knit packs ------------------------------------------------------------------

/** A knit index node of a listed pack, as build details. */
function knitDetails(entry: IndexEntry, pack: string): BuildDetails {
  const value = decodePackValue(entry.value, entry.key);
  const basis = entry.references[1]?.[0] ?? null;
  return {
    memo: { file: pack, pos: value.pos, size: value.size },
    compressionParent: basis,
    parents: entry.references[0] ?? [],
    method: basis === null ? 'fulltext' : 'line-delta',
    noeol: value.noeol,
  };
}

/** The listed packs' GraphIndex nodes, plus the session's pack's `KnitPackIndex`. */
class CollectionKnitIndex implements KnitIndex {
  readonly hasGraph = true;

  constructor(
    private readonly collection: PackCollection,
    readonly fresh: KnitPackIndex | null,
  ) {}

  async #listed(keys: readonly Key[]): Promise<KeyMap<IndexEntry>> {
    const out = new KeyMap<IndexEntry>();
    if (keys.length > 0) for await (const e of this.collection.index('text').iterEntries(keys)) out.set(e.key, e);
    return out;
  }

  async getBuildDetails(keys: readonly Key[]): Promise<KeyMap<BuildDetails>> {
    const out = this.fresh ? await this.fresh.getBuildDetails(keys) : new KeyMap<BuildDetails>();
    for (const [k, e] of await this.#listed(keys.filter((k) => !out.has(k)))) out.set(k, knitDetails(e, packNameOf(this.collection, e)));
    return out;
  }

  async getParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>> {
    const out = this.fresh ? await this.fresh.getParentMap(keys) : new KeyMap<Parents>();
    for (const [k, e] of await this.#listed(keys.filter((k) => !out.has(k)))) out.set(k, e.references[0] ?? []);
    return out;
  }

  async keys(): Promise<KeySet> {
    const out = this.fresh ? await this.fresh.keys() : new KeySet();
    for await (const e of this.collection.index('text').iterAllEntries()) out.add(e.key);
    return out;
  }

  async addRecords(records: readonly IndexRecord[], options: AddRecordsOptions = {}): Promise<void> {
    if (this.fresh === null) throw new ReadOnlyError('knit pack collection (read only)');
    // A key an older pack holds is never added again; with other details it is corrupt, as in Breezy.
    const present = await this.#listed(records.map((r) => r.key));
    for (const r of records) {
      const old = present.get(r.key);
      if (old === undefined || options.randomId) continue;
      if (decodePackValue(old.value, r.key).noeol !== r.options.includes('no-eol') || !sameKeys(old.references[0] ?? [], r.parents ?? [])) {
        throw new KnitCorrupt('inconsistent details in add_records', { key: r.key });
      }
    }
    await this.fresh.addRecords(present.size === 0 ? records : records.filter((r) => !present.has(r.key)), options);
  }

  missingCompressionParents(): KeySet {
    return this.fresh?.missingCompressionParents() ?? new KeySet();
  }
}

/** Records of the listed packs, and of the session's pack (memos name packs by name, the new one by its upload name). */
class CollectionKnitAccess implements KnitAccess {
  constructor(
    private readonly collection: PackCollection,
    private readonly fresh: NewPack | null,
  ) {}

  async addRawRecords(records: readonly { readonly key: Key; readonly bytes: Uint8Array }[]): Promise<IndexMemo[]> {
    const fresh = this.fresh;
    if (fresh === null || fresh.state !== 'open') throw new ReadOnlyError('knit pack collection (read only)');
    return records.map(({ bytes }) => {
      const span = fresh.addRecord(bytes);
      return { file: fresh.uploadName, pos: span.offset, size: span.length };
    });
  }

  /** A container record: its header, then the bytes. */
  storedSize(length: number): number {
    return bytesRecordLength(length);
  }

  getRawRecords(memos: readonly IndexMemo[]): Promise<Uint8Array[]> {
    return readRuns(memos, (m) => m.file, async (name, run) => {
      const pack = name === this.fresh?.uploadName ? this.fresh : this.collection.pack(name);
      if (pack === undefined) throw new NoSuchFile(`pack ${name}`);
      return (await pack.readRecords(run.map((m) => ({ offset: m.pos, length: m.size })))).map((r) => r.body);
    });
  }
}

/** Where a knit pack index value keeps its record's span. */
const KNIT_SPANS: ValueSpans = {
  spanOf: (value, key) => {
    const v = decodePackValue(value, key);
    return { offset: v.pos, length: v.size };
  },
  withSpan: (value, span, key) => encodePackValue({ noeol: decodePackValue(value, key).noeol, pos: span.offset, size: span.length }),
};

export function knitPacks(keyLength: number, zlib: ZlibCodec): PackKind {
  return {
    layout: { name: 'vf-knit-pack', indexFormat: 'graph', indices: { text: TEXT_INDEX(2, keyLength) } },
    // As Breezy's knit packer: records copied as they are (a delta's basis may stay in another pack).
    combine: (collection, names) => combinePacks(collection, names, KNIT_SPANS),
    open(collection, writing) {
      const pack = writing ? collection.newPack() : null;
      const fresh = pack === null ? null : new KnitPackIndex({ graph: true, deltas: true }, keyLength, pack.uploadName);
      const vf = new KnitVersionedFiles(new CollectionKnitIndex(collection, fresh), new CollectionKnitAccess(collection, pack), {
        keyLength,
        annotated: false,
        maxDeltaChain: 200,
        zlib,
        name: `knit packs at ${collection.transport.base}`,
      });
      return {
        vf,
        pack,
        beforeFinish() {
          // The session's nodes go into the new pack's GraphIndex builder, absent parents and all.
          if (fresh === null || pack === null) return;
          const builder = pack.indexBuilder('text');
          for (const node of parseGraphIndex(fresh.finishBytes(), pack.uploadName).nodes) builder.addNode(node.key, node.value, node.references);
        },
      };
    },
  };
}

function sameKeys(a: readonly Key[], b: readonly Key[]): boolean {
  return a.length === b.length && a.every((k, i) => keysEqual(k, b[i] as Key));
}

// -- opening -----------------------------------------------------------------------

const COLLECTION_DIRS = ['packs', 'indices', 'upload', 'obsolete_packs'];

/** Makes the empty collection (directories and `pack-names`) if it is not there yet. */
export async function createPackStore(transport: Transport, kind: PackKind): Promise<void> {
  if (await transport.exists('pack-names')) return;
  await PackCollection.create(transport, kind.layout, { lockPackNames: false });
}

/** What identifies the pack set a reader reads: the listed names. */
function packSetName(collection: PackCollection): string {
  return collection.packs().map((p) => p.name).join(' ');
}

/** A read-only store over the packs pack-names lists now. */
export async function openPackSet(transport: Transport, kind: PackKind): Promise<OpenedPacks> {
  const collection = await PackCollection.open(transport, kind.layout, { lockPackNames: false });
  return { vf: kind.open(collection, false).vf, name: packSetName(collection) };
}

/** Deletes what crashed writers left: upload files, and packs or indices pack-names does not list (the caller holds the store lock). */
async function dropUnlisted(collection: PackCollection): Promise<void> {
  const listed = new Set(collection.packs().map((p) => p.name));
  const transport = collection.transport;
  for (const dir of COLLECTION_DIRS) {
    if (dir === 'obsolete_packs' || !(await transport.exists(dir))) continue;
    for (const file of await transport.list(dir)) {
      const name = file.slice(0, file.indexOf('.') < 0 ? file.length : file.indexOf('.'));
      if (dir === 'upload' || !listed.has(name)) await transport.delete(`${dir}/${file}`);
    }
  }
}

/** A store whose writes go into one new pack, committed by `finish`; the caller holds the store lock. */
export async function openPackWriter(transport: Transport, kind: PackKind): Promise<PackBackend> {
  await createPackStore(transport, kind);
  const collection = await PackCollection.open(transport, kind.layout, { lockPackNames: false });
  await dropUnlisted(collection);
  const { vf, pack, beforeFinish } = kind.open(collection, true);
  if (pack === null) throw new ReadOnlyError(`${kind.layout.name} store opened to write`);
  let finished = false;
  return {
    vf,
    async finish() {
      if (finished) return;
      finished = true;
      try {
        if (vf instanceof GroupCompressVersionedFiles) await vf.close();
        if (pack.recordCount === 0) {
          await pack.abort();
          return;
        }
        beforeFinish();
        await collection.addPacks([pack]);
      } catch (err) {
        await pack.abort();
        throw err;
      }
      await autopack(collection, 'text', kind.combine);
    },
  };
}
