// Making a group's deltas in WebAssembly (delta-make.wat).
//
// The JavaScript delta maker (`createDelta`, delta-index.ts) is one big loop
// that V8 runs interpreted until it has optimized it; on a small store that
// warm-up was more than the rest of the insert (a worker thread pays it
// again). The WebAssembly one is compiled before its first call, and makes
// the same bytes: it reads the same tables, in its own memory.
//
// So the index's tables live in the maker's memory: the index lays each new
// table out in arrays the maker gives it (`takeTables`), in whichever of its
// two table regions the current table is not in (a table is built from the
// one before), and a delta reads them where they are. The rabin tables and
// the filter sit at fixed places (the filter is copied in: whole for a new
// table, then word by word for the slots a table fills in place, which it
// notes in its `journal`), then the sources' bounds, the group content
// (copied in as it is appended; all of it for a new group, `generation`),
// the target and room for the delta. A memory is never grown (see core's
// wasm/runtime.ts): a larger one replaces it, starting with room for a
// usual group (untouched room costs no memory). A table left in a replaced
// memory, or made elsewhere, is copied in. Indexes past `MAX_MAKER_BYTES`,
// and big-endian hosts (the memory is little-endian, typed arrays native),
// are left to JavaScript.
//
// The maker also hashes a new source's windows (`hashSource` for a
// fulltext, `hashDelta` for a delta's inserts) and lays out the index's new
// tables (`layOut`), as delta-index.ts's JavaScript does: a group rebuilds
// its table for most fulltexts it adds, over every slot, and both tables
// are in this memory already; only the new entries are copied in. Run
// here, none waits for V8 to optimize it (a small store's insert is mostly
// code running cold).
//
// Entry points: `WasmDeltaMaker` (`create`, `takeTables`, `hashSource`,
// `hashDelta`, `layOut`, `make`), `MirroredTable`, `TableArrays`,
// `EntryArrays`, `MAX_MAKER_BYTES`.

import { CompiledModule, WASM_MEMORY_NATIVE, WASM_PAGE } from '@versionedfiles/core';
import { DELTA_MAKE_WASM } from './delta-make-wasm.js';
import { RABIN_T, RABIN_U } from './rabin-tables.js';

/** Mirrors needing more memory than this are not made: JavaScript makes those deltas. */
export const MAX_MAKER_BYTES = 256 * 1024 * 1024;

/** What the maker reads of a delta index's table (delta-index.ts's `PackedIndex`). */
export interface MirroredTable {
  readonly hash: Int32Array;
  readonly slots: Int32Array;
  readonly src: Int32Array;
  readonly filter: Int32Array;
  readonly hashMask: number;
  readonly slotCount: number;
  /** Slots written since the maker last looked; null until it mirrors the table. */
  journal: number[] | null;
}

/** A source's place in the group content. */
interface SourceBounds {
  readonly start: number;
  readonly end: number;
}

type HashFunction = (ref: number, start: number, numEntries: number, stride: number, ptr: number, val: number) => number;
type HashDeltaFunction = (ref: number, start: number, end: number, maxEntries: number, ptr: number, val: number) => number;

type LayOutFunction = (
  hash: number,
  slots: number,
  src: number,
  hsize: number,
  oldHash: number,
  oldSlots: number,
  oldSrc: number,
  oldMask: number,
  head: number,
  next: number,
  ptr: number,
  val: number,
  newSrc: number,
  spare: number,
) => number;

/** Where hashed entries are copied out to: positions and hashes. */
interface EntryOutput {
  readonly ptr: Int32Array;
  readonly val: Uint32Array;
}

/** A source's new index entries, as delta-index.ts keeps them: positions and hashes, all of source `src`. */
export interface EntryArrays {
  readonly src: number;
  readonly ptr: Int32Array;
  readonly val: Uint32Array;
}

type MakeFunction = (
  hash: number,
  slots: number,
  src: number,
  sources: number,
  ref: number,
  target: number,
  top: number,
  out: number,
  maxSize: number,
  hashMask: number,
) => number;

/** Where the .wat reads its tables and filter. */
const T_AT = 0;
const U_AT = 1024;
const FILTER_AT = 2048;
const FILTER_WORDS = 1 << 15;
/** Two zero words: the one empty bucket of "no old table" for `layOut`. */
const ZERO_AT = FILTER_AT + 4 * FILTER_WORDS;
const FIXED_BYTES = ZERO_AT + 8;
/** The filter's shift, as delta-index.ts sets a slot's bit. */
const FILTER_SHIFT = 12;

const module = new CompiledModule(DELTA_MAKE_WASM);

/** The regions' sizes in bytes, in memory order: two tables, then the rest. */
interface Sizes {
  hash0: number;
  slots0: number;
  src0: number;
  hash1: number;
  slots1: number;
  src1: number;
  sources: number;
  content: number;
  target: number;
  out: number;
  entries: number;
}
type Region = keyof Sizes;
const REGIONS: readonly Region[] = ['hash0', 'slots0', 'src0', 'hash1', 'slots1', 'src1', 'sources', 'content', 'target', 'out', 'entries'];
const TABLE_REGIONS = [
  { hash: 'hash0', slots: 'slots0', src: 'src0' },
  { hash: 'hash1', slots: 'slots1', src: 'src1' },
] as const;
const MIB = 1024 * 1024;
/** Each region's least room: about what a group of 4 MiB of text needs (see batch-writer.ts). */
const MIN_ROOM: Sizes = {
  hash0: MIB,
  slots0: 8 * MIB,
  src0: 4 * MIB,
  hash1: MIB,
  slots1: 8 * MIB,
  src1: 4 * MIB,
  sources: 64 * 1024,
  content: 8 * MIB,
  target: 4 * MIB,
  out: 4 * MIB,
  entries: 4 * MIB,
};

/** Each region's offset (8-aligned) and room. */
type Layout = Record<Region, { readonly at: number; readonly room: number }>;

/** A table's arrays, as delta-index.ts's `TablePool` hands them out. */
export interface TableArrays {
  readonly hash: Int32Array;
  readonly slots: Int32Array;
  readonly src: Int32Array;
}

export class WasmDeltaMaker {
  #make: MakeFunction | null = null;
  #layOut: LayOutFunction | null = null;
  #hashSource: HashFunction | null = null;
  #hashDelta: HashDeltaFunction | null = null;
  /** Room the entries of a layout asked for and did not find: the next memory has it. */
  #entriesWanted = 0;
  #buffer: ArrayBuffer | null = null;
  #bytes = new Uint8Array(0);
  #words = new Int32Array(0);
  #layout: Layout | null = null;
  /**
   * Which table region the current table is in (laid out there, or copied
   * in); a new table is laid out in the other, so the one it is built from
   * stays whole meanwhile.
   */
  #active: 0 | 1 = 0;
  /** The table each region holds a copy of (a table laid out in place is not a copy), and the filter's. */
  readonly #copied: [MirroredTable | null, MirroredTable | null] = [null, null];
  #filterOf: MirroredTable | null = null;
  /** The content: whose, of which group, how far copied in. */
  #contentOwner: object | null = null;
  #generation = -1;
  #contentSynced = 0;
  /** The sources' bounds, likewise (a group's sources only grow, and each delta reads them all). */
  #sourcesOwner: object | null = null;
  #sourcesGeneration = -1;
  #sourcesSynced = 0;

  private constructor(private readonly roomScale: number) {}

  /**
   * A maker, or null where WebAssembly cannot read the mirror (a big-endian
   * host). `roomScale` scales the least room of each region (1: a usual
   * group's; less for a memory that starts small and grows as needed).
   */
  static create(options: { roomScale?: number } = {}): WasmDeltaMaker | null {
    const scale = options.roomScale ?? 1;
    if (!(scale >= 0 && scale <= 1)) throw new RangeError(`roomScale must be from 0 to 1, got ${scale}`);
    return WASM_MEMORY_NATIVE ? new WasmDeltaMaker(scale) : null;
  }

  /**
   * Arrays for a new table of `hsize` buckets and room for `room` slots, in
   * this maker's memory (the table region not in use), so that a delta made
   * from it copies nothing; null past `MAX_MAKER_BYTES`. Slots not zeroed.
   */
  takeTables(hsize: number, room: number): TableArrays | null {
    const next: 0 | 1 = this.#active === 0 ? 1 : 0;
    const names = TABLE_REGIONS[next];
    const want = { hash: 4 * (hsize + 1), slots: 8 * room, src: 4 * room };
    const layout = this.#layout;
    if (layout === null || want.hash > layout[names.hash].room || want.slots > layout[names.slots].room || want.src > layout[names.src].room) {
      const sizes = this.#roomsNow();
      for (const t of TABLE_REGIONS) {
        sizes[t.hash] = Math.max(sizes[t.hash], want.hash);
        sizes[t.slots] = Math.max(sizes[t.slots], want.slots);
        sizes[t.src] = Math.max(sizes[t.src], want.src);
      }
      if (!this.#relayOut(sizes)) return null;
    }
    const at = this.#layout as Layout;
    const buffer = this.#buffer as ArrayBuffer;
    this.#active = next;
    this.#copied[next] = null;
    return {
      hash: new Int32Array(buffer, at[names.hash].at, hsize + 1),
      slots: new Int32Array(buffer, at[names.slots].at, 2 * room),
      src: new Int32Array(buffer, at[names.src].at, room),
    };
  }

  /**
   * The delta `createDelta` makes of `target` from `table` over `content`
   * (the group so far; `owner`'s, in its `generation`th group): a view of
   * this maker's memory, good until its next call; null when longer than
   * `maxSize` (0: no limit); undefined when too big for a mirror here.
   */
  make(
    table: MirroredTable,
    sources: readonly SourceBounds[],
    content: Uint8Array,
    owner: object,
    generation: number,
    target: Uint8Array,
    maxSize: number,
  ): Uint8Array | null | undefined {
    const top = target.length;
    let region = this.#regionOf(table);
    const sizes = this.#roomsNow();
    if (region === -1) {
      const names = TABLE_REGIONS[this.#active];
      sizes[names.hash] = Math.max(sizes[names.hash], 4 * (table.hashMask + 2));
      sizes[names.slots] = Math.max(sizes[names.slots], 8 * table.slotCount);
      sizes[names.src] = Math.max(sizes[names.src], 4 * table.slotCount);
    }
    sizes.sources = 8 * sources.length;
    sizes.content = content.length;
    sizes.target = top;
    // A delta passes its limit by at most an instruction before the maker
    // stops; without one it is at most twice its text (a 4-byte copy takes 8).
    sizes.out = maxSize > 0 ? Math.min(maxSize, 2 * top) + 64 : 2 * top + 64;
    if (!this.#fits(sizes)) {
      if (!this.#relayOut(sizes)) return undefined;
      // A table laid out in the old memory is copied into the new one.
      region = this.#regionOf(table);
    }
    const layout = this.#layout as Layout;
    if (region === -1) region = this.#copyTable(table, layout);
    this.#active = region;
    this.#mirrorFilter(table);
    this.#mirrorContent(content, owner, generation, layout);
    this.#mirrorSources(sources, owner, generation, layout);
    this.#bytes.set(target, layout.target.at);
    const names = TABLE_REGIONS[region];
    const out = layout.out.at;
    const n = (this.#make as MakeFunction)(
      layout[names.hash].at,
      layout[names.slots].at,
      layout[names.src].at,
      layout.sources.at,
      layout.content.at,
      layout.target.at,
      top,
      out,
      maxSize,
      table.hashMask,
    );
    return n < 0 ? null : this.#bytes.subarray(out, out + n);
  }

  /**
   * The entries delta-index.ts's `hashWindows` makes of the fulltext at
   * `content[start, ...)` (`owner`'s content in its `generation`th group, as
   * for `make`), written to `out`; returns how many, or null past
   * `MAX_MAKER_BYTES`. The content is copied in as for a delta (a delta
   * made next copies nothing more).
   */
  hashSource(
    content: Uint8Array,
    owner: object,
    generation: number,
    start: number,
    numEntries: number,
    stride: number,
    out: EntryOutput,
  ): number | null {
    return this.#hashInto(content, owner, generation, numEntries, out, (ref, ptr, val) =>
      (this.#hashSource as HashFunction)(ref, start, numEntries, stride, ptr, val),
    );
  }

  /**
   * The entries delta-index.ts's `hashDeltaInserts` makes of the delta at
   * `content[start, end)` (at most `maxEntries + 1`), as `hashSource` does;
   * -1 when the delta's instructions do not end at its end.
   */
  hashDelta(content: Uint8Array, owner: object, generation: number, start: number, end: number, maxEntries: number, out: EntryOutput): number | null {
    return this.#hashInto(content, owner, generation, maxEntries + 1, out, (ref, ptr, val) =>
      (this.#hashDelta as HashDeltaFunction)(ref, start, end, maxEntries, ptr, val),
    );
  }

  /** Mirrors the content, runs `hash` with room for `most` entries, copies what it made out to `out`. */
  #hashInto(
    content: Uint8Array,
    owner: object,
    generation: number,
    most: number,
    out: EntryOutput,
    hash: (ref: number, ptr: number, val: number) => number,
  ): number | null {
    const sizes = this.#roomsNow();
    sizes.content = Math.max(sizes.content, content.length);
    sizes.entries = Math.max(sizes.entries, 8 * most);
    if (!this.#fits(sizes) && !this.#relayOut(sizes)) return null;
    const layout = this.#layout as Layout;
    this.#mirrorContent(content, owner, generation, layout);
    const ptrAt = layout.entries.at;
    const valAt = ptrAt + 4 * most;
    const n = hash(layout.content.at, ptrAt, valAt);
    if (n > 0) {
      out.ptr.set(this.#words.subarray(ptrAt >> 2, (ptrAt >> 2) + n));
      out.val.set(new Uint32Array(this.#buffer as ArrayBuffer, valAt, n));
    }
    return n;
  }

  /**
   * Lays `table` (arrays `takeTables` gave) out as delta-index.ts's `layOut`
   * does, in WebAssembly: from `old` (null: none) and the new entries chained
   * from `head` through `next` (of entries `[0, count)`), with `spare` free
   * slots a bucket. Returns the slots laid out; null when either table is
   * not in this memory (one made before it was replaced) or the entries do
   * not fit their room here (the next memory has room for them), and the
   * caller lays it out in JavaScript. The entries are copied in: the
   * layout reads and writes every slot of both tables, they are a fraction.
   */
  layOut(
    table: TableArrays,
    hsize: number,
    old: (TableArrays & { readonly hashMask: number }) | null,
    entries: EntryArrays,
    chains: { readonly head: Int32Array; readonly next: Int32Array },
    count: number,
    spare: number,
  ): number | null {
    const layout = this.#layout;
    const layOut = this.#layOut;
    if (layout === null || layOut === null) return null;
    const region = this.#regionOf(table);
    const oldRegion = old === null ? -1 : this.#regionOf(old);
    if (region === -1 || (old !== null && (oldRegion === -1 || oldRegion === region))) return null;
    const need = 4 * hsize + 12 * count;
    if (need > layout.entries.room) {
      this.#entriesWanted = Math.max(this.#entriesWanted, need);
      return null;
    }
    const words = this.#words;
    const headAt = layout.entries.at;
    const nextAt = headAt + 4 * hsize;
    const ptrAt = nextAt + 4 * count;
    const valAt = ptrAt + 4 * count;
    words.set(chains.head.subarray(0, hsize), headAt >> 2);
    words.set(chains.next.subarray(0, count), nextAt >> 2);
    words.set(entries.ptr.subarray(0, count), ptrAt >> 2);
    words.set(new Int32Array(entries.val.buffer, entries.val.byteOffset, count), valAt >> 2);
    return layOut(
      table.hash.byteOffset,
      table.slots.byteOffset,
      table.src.byteOffset,
      hsize,
      old === null ? ZERO_AT : old.hash.byteOffset,
      old === null ? 0 : old.slots.byteOffset,
      old === null ? 0 : old.src.byteOffset,
      old === null ? 0 : old.hashMask,
      headAt,
      nextAt,
      ptrAt,
      valAt,
      entries.src,
      spare,
    );
  }

  /** The table region `table` was laid out in, in this memory; -1 when it is elsewhere. */
  #regionOf(table: { readonly slots: Int32Array }): 0 | 1 | -1 {
    const layout = this.#layout;
    if (layout === null || table.slots.buffer !== this.#buffer) return -1;
    if (table.slots.byteOffset === layout.slots0.at) return 0;
    if (table.slots.byteOffset === layout.slots1.at) return 1;
    return -1;
  }

  /** The rooms of the current layout (zero before the first), and the entries' room wanted. */
  #roomsNow(): Sizes {
    const layout = this.#layout;
    const sizes = {} as Sizes;
    for (const r of REGIONS) sizes[r] = layout === null ? 0 : layout[r].room;
    sizes.entries = Math.max(sizes.entries, this.#entriesWanted);
    return sizes;
  }

  #fits(sizes: Sizes): boolean {
    const layout = this.#layout;
    return layout !== null && REGIONS.every((r) => sizes[r] <= layout[r].room);
  }

  /**
   * A new memory with room for twice `sizes`, and at least a usual group's
   * (`MIN_ROOM`); false past `MAX_MAKER_BYTES`. Room costs address space
   * only until touched, while each memory outgrown is garbage until
   * collected: room to spare up front keeps a group from going through
   * several. A table laid out in the old memory stays readable there, and is
   * copied in when a delta needs it.
   */
  #relayOut(sizes: Sizes): boolean {
    let at = FIXED_BYTES;
    const layout = {} as Record<Region, { at: number; room: number }>;
    for (const r of REGIONS) {
      const room = (Math.ceil(Math.max(MIN_ROOM[r] * this.roomScale, 2 * sizes[r]) / 8) + 1) * 8;
      layout[r] = { at, room };
      at += room;
    }
    if (at > MAX_MAKER_BYTES) return false;
    const { exports, buffer } = module.instantiateWithExports(Math.ceil(at / WASM_PAGE));
    this.#make = exports['make'] as MakeFunction;
    this.#layOut = exports['layOut'] as LayOutFunction;
    this.#hashSource = exports['hashSource'] as HashFunction;
    this.#hashDelta = exports['hashDelta'] as HashDeltaFunction;
    this.#buffer = buffer;
    this.#bytes = new Uint8Array(buffer);
    this.#words = new Int32Array(buffer);
    new Uint32Array(buffer, T_AT, 256).set(RABIN_T);
    new Uint32Array(buffer, U_AT, 256).set(RABIN_U);
    this.#layout = layout;
    this.#copied[0] = this.#copied[1] = null;
    this.#filterOf = null;
    this.#contentOwner = null;
    this.#sourcesOwner = null;
    return true;
  }

  /**
   * Copies `table` into the active table region: whole when that region holds
   * another, else the slots its journal names. Returns the region.
   */
  #copyTable(table: MirroredTable, layout: Layout): 0 | 1 {
    const region = this.#active;
    const names = TABLE_REGIONS[region];
    const words = this.#words;
    const slots = layout[names.slots].at >> 2;
    const src = layout[names.src].at >> 2;
    if (this.#copied[region] !== table || table.journal === null) {
      words.set(table.hash.subarray(0, table.hashMask + 2), layout[names.hash].at >> 2);
      words.set(table.slots.subarray(0, 2 * table.slotCount), slots);
      words.set(table.src.subarray(0, table.slotCount), src);
      this.#copied[region] = table;
      this.#filterOf = null;
      return region;
    }
    for (const slot of table.journal) {
      words[slots + 2 * slot] = table.slots[2 * slot] as number;
      words[slots + 2 * slot + 1] = table.slots[2 * slot + 1] as number;
      words[src + slot] = table.src[slot] as number;
    }
    return region;
  }

  /** Copies in the filter: whole for another table, else the words of the slots its journal names. */
  #mirrorFilter(table: MirroredTable): void {
    const words = this.#words;
    const at = FILTER_AT >> 2;
    if (this.#filterOf !== table || table.journal === null) {
      words.set(table.filter, at);
      this.#filterOf = table;
    } else {
      for (const slot of table.journal) {
        const word = ((table.slots[2 * slot] as number) >>> FILTER_SHIFT) >>> 5;
        words[at + word] = table.filter[word] as number;
      }
    }
    table.journal = [];
  }

  /** Copies in the bounds of the sources added since the last delta of the same group (all of them for another). */
  #mirrorSources(sources: readonly SourceBounds[], owner: object, generation: number, layout: Layout): void {
    if (owner !== this.#sourcesOwner || generation !== this.#sourcesGeneration || sources.length < this.#sourcesSynced) {
      this.#sourcesOwner = owner;
      this.#sourcesGeneration = generation;
      this.#sourcesSynced = 0;
    }
    const words = this.#words;
    let w = (layout.sources.at >> 2) + 2 * this.#sourcesSynced;
    for (let i = this.#sourcesSynced; i < sources.length; i++) {
      const { start, end } = sources[i] as SourceBounds;
      words[w++] = start;
      words[w++] = end;
    }
    this.#sourcesSynced = sources.length;
  }

  /** Copies in the content appended since the last delta of the same group (all of it for another). */
  #mirrorContent(content: Uint8Array, owner: object, generation: number, layout: Layout): void {
    if (owner !== this.#contentOwner || generation !== this.#generation || content.length < this.#contentSynced) {
      this.#contentOwner = owner;
      this.#generation = generation;
      this.#contentSynced = 0;
    }
    this.#bytes.set(content.subarray(this.#contentSynced), layout.content.at + this.#contentSynced);
    this.#contentSynced = content.length;
  }
}
