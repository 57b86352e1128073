// The rabin-fingerprint delta index of Breezy's C extension (diff-delta.c,
// git's delta code adapted to many sources), ported so that for the same
// sources and targets in the same order we emit the same deltas, byte for byte.
//
// Sources are the texts of a group as they are laid out in its content: a
// fulltext is indexed every 16 bytes (or sparser, past `maxBytesToIndex`), a
// delta only in its insert instructions. Copies in the deltas we make use
// offsets into that aggregate content. The index is a hash table of buckets
// laid out in one array with 4 spare slots per bucket; which slot an entry
// lands in, and so which match wins, follows the C code step by step (the
// fill-in-place vs rebuild choices, the per-bucket limit of 64, the
// keep-the-lowest rule for repeated windows).
//
// Deltas are made in WebAssembly (delta-make.wat, through wasm-delta-maker.ts,
// in whose memory the tables are laid out): the same steps as `createDelta`
// here, which makes them where that cannot run (a big-endian host, an index
// past its size) or when asked (`wasm: false`).
//
// The index keeps its own copy of the sources at their content offsets; a
// compressor that gives it the record headers too (`addSource(bytes,
// header)`) has the whole group content there (`content`), and keeps no
// other copy.
//
// Entry points: `DeltaIndex` (`addSource`, `addDeltaSource`, `makeDelta`,
// `makeDeltaInScratch`, `content`, `sourceOffset`, `reset`,
// `release`), `makeDelta(source, target)`, `rabinHash(bytes, at)`.

import { matchLength } from '@versionedfiles/core';
import { RABIN_T as T, RABIN_U as U } from './rabin-tables.js';
import { writeCopy } from './delta.js';
import { WasmDeltaMaker, type EntryArrays, type MirroredTable } from './wasm-delta-maker.js';

const RABIN_WINDOW = 16;
const HASH_LIMIT = 64;
const EXTRA_NULLS = 4;
const MAX_OP_SIZE = 5 + 5 + 1 + RABIN_WINDOW + 7;
/** A match this long is good enough: stop looking for a longer one. */
const GOOD_ENOUGH = 4096;
/** Which hashes the index may hold: one bit per value of a hash's top 20 bits (128 KiB, cache resident). */
const FILTER_SHIFT = 12;
const newFilter = (): Int32Array => new Int32Array(1 << (32 - FILTER_SHIFT - 5));

/** A source's place in the group content (and in the index's copy of it). */
interface Source {
  readonly start: number;
  readonly end: number;
}

/**
 * Entries of one source before they are packed: position of each window's
 * last byte in the group content, and its hash. Typed arrays, not objects: a
 * 1 MiB text makes 65,536 of them.
 */
type NewEntries = EntryArrays;

/** New entries chained per bucket, in ascending position: `head[b]`, then `next[e]`, -1 ends. */
interface Buckets {
  readonly head: Int32Array;
  readonly next: Int32Array;
}

/** The rolling hash of the 16 bytes `bytes[at, at+16)`. */
export function rabinHash(bytes: Uint8Array, at = 0): number {
  let val = 0;
  for (let i = at; i < at + RABIN_WINDOW; i++) val = (((val << 8) | (bytes[i] as number)) ^ (T[val >>> 23] as number)) >>> 0;
  return val;
}

/** The arrays of one table (see `PackedIndex`). */
interface Tables {
  readonly hash: Int32Array;
  readonly slots: Int32Array;
  readonly src: Int32Array;
}

/**
 * A delta index's spare table arrays. A group rebuilds its table for most new
 * fulltexts; a new table takes the arrays of a dead one when they are big
 * enough (fresh arrays get twice the room: a table usually more than doubles
 * by the time its arrays come back), so a group, and the next groups an
 * index is `reset` for, do not churn through megabytes of tables.
 */
class TablePool {
  /** At most two sets, the larger kept. */
  #sets: Tables[] = [];
  /** Sets in a WebAssembly maker's memory: its to reuse, never kept here. */
  readonly #placed = new WeakSet<Tables>();

  /** `place`: arrays in a delta maker's memory, where it can (see `WasmDeltaMaker.takeTables`). */
  constructor(private readonly place: (hsize: number, count: number) => Tables | null = () => null) {}

  /** Arrays for a table of `hsize` buckets and `count` slots; what they hold is left to the caller to overwrite. */
  take(hsize: number, count: number): Tables {
    const placed = this.place(hsize, count);
    if (placed !== null) {
      this.#placed.add(placed);
      return placed;
    }
    const i = this.#sets.findIndex((t) => t.src.length >= count && t.hash.length >= hsize + 1);
    if (i >= 0) {
      const [t] = this.#sets.splice(i, 1) as [Tables];
      return t;
    }
    const room = 2 * count;
    return { hash: new Int32Array(2 * (hsize + 1)), slots: new Int32Array(2 * room), src: new Int32Array(room) };
  }

  /** Takes back the arrays of a dead table. */
  give(t: Tables): void {
    if (this.#placed.has(t)) return;
    this.#sets.push(t);
    this.#sets.sort((a, b) => b.src.length - a.src.length);
    this.#sets.length = Math.min(this.#sets.length, 2);
  }

  /** Drops every set, or only those over `maxBytes`. */
  free(maxBytes = -1): void {
    this.#sets = this.#sets.filter((t) => tablesBytes(t) <= maxBytes);
  }
}

function tablesBytes(t: Tables): number {
  return t.hash.byteLength + t.slots.byteLength + t.src.byteLength;
}

/**
 * The packed index: bucket `i` is slots `[hash[i], hash[i+1])`. Slot `e`
 * keeps its hash (as int32) at `slots[2e]` and its content position at
 * `slots[2e+1]`, side by side so a bucket scan reads one run of memory; a
 * position of 0 marks a free slot (free slots only at a bucket's tail): an
 * entry's position is its window's last byte, never before byte 15.
 * Which source a slot came from (`src`) is read only on a hash hit.
 * `filter` has a bit set for every hash ever put (shared by the tables an
 * index grows through), so most windows without a match skip their bucket;
 * a bit is set when an entry is hashed, before the table it goes in is
 * built, so a bucket limit's culled entries leave theirs too (a bucket scan
 * that finds nothing, never a wrong match).
 * Its arrays come from, and go back to, its index's `TablePool`.
 */
class PackedIndex implements Tables, MirroredTable {
  /** Slots `put` since the WebAssembly maker last read this table (null: it has not yet). */
  journal: number[] | null = null;
  readonly hashMask: number;
  numEntries: number;
  readonly hash: Int32Array;
  readonly slots: Int32Array;
  readonly src: Int32Array;
  readonly filter: Int32Array;
  /** Slots in use (the arrays may be longer). */
  readonly slotCount: number;

  constructor(hsize: number, numEntries: number, filter: Int32Array, pool: TablePool) {
    this.filter = filter;
    this.hashMask = hsize - 1;
    this.numEntries = numEntries;
    const count = numEntries + hsize * EXTRA_NULLS;
    this.slotCount = count;
    const { hash, slots, src } = pool.take(hsize, count);
    this.hash = hash;
    this.slots = slots;
    this.src = src;
  }

  isFree(slot: number): boolean {
    return this.slots[2 * slot + 1] === 0;
  }

  put(slot: number, from: NewEntries, e: number): void {
    const val = from.val[e] as number;
    this.slots[2 * slot] = val;
    this.slots[2 * slot + 1] = from.ptr[e] as number;
    this.src[slot] = from.src;
    this.journal?.push(slot);
  }

  /** The first free slot of bucket `b` (after its last used one), or -1 when it is full. */
  freeSlot(b: number): number {
    const first = this.hash[b] as number;
    const next = this.hash[b + 1] as number;
    let cur = next - 1;
    while (cur >= first && this.isFree(cur)) cur--;
    cur++;
    return cur < next && this.isFree(cur) ? cur : -1;
  }
}

/** Bucket count for `total` entries: a power of two >= 16, about 4 entries a bucket. */
function hashSizeFor(total: number): number {
  const want = Math.floor(total / 4);
  let i = 4;
  while (2 ** i < want && i < 31) i++;
  return 2 ** i;
}

/**
 * What `reset` keeps of each buffer for the next group: up to this many
 * bytes (a group's content is a few MiB; a large file's group of its own
 * would hold its size).
 */
const KEEP_BYTES = 16 * 1024 * 1024;

export class DeltaIndex {
  #sources: Source[] = [];
  /**
   * The sources laid out at their content offsets (record headers left as
   * zeros), so index entries and copies share one coordinate and matching
   * reads one array.
   */
  #content = new Uint8Array(0);
  /** Shared by the index's successive tables; all zeros for a new group. */
  #filter: Int32Array | null = null;
  /** Spare table arrays (see `TablePool`); tables go in the maker's memory when there is one. */
  readonly #tables = new TablePool((hsize, count) => this.#maker?.takeTables(hsize, count) ?? null);
  /**
   * Bucket heads and counts for the entries of one new source, kept between
   * sources (all -1 and 0 at rest: only the buckets a source used are reset),
   * so a small source costs its entries, not the size of the table.
   */
  #head = new Int32Array(0);
  #count = new Uint32Array(0);
  /**
   * Room for a new source's entries (chain links, positions, hashes, buckets
   * used), kept from one source to the next like `#head`: fresh arrays per
   * source were most of a group's garbage, which a worker's heap, with few
   * full collections, let pile up.
   */
  #next = new Int32Array(0);
  #ptr = new Int32Array(0);
  #val = new Uint32Array(0);
  #used = new Int32Array(0);
  #index: PackedIndex | null = null;
  /** Where deltas are made, kept from one to the next (a fresh one each time was half a text of garbage per text). */
  #output: Output | null = null;
  #released = false;
  #sourceOffset = 0;
  /** Makes the deltas in WebAssembly (null: this host cannot, or not asked to). */
  #maker: WasmDeltaMaker | null;
  /** Counts groups (`reset`), so a maker's copy of the content is not taken for the next group's. */
  #generation = 0;
  readonly maxBytesToIndex: number;

  /**
   * `maxBytesToIndex`: 0 indexes every 16 bytes; else at most this many
   * bytes' worth of entries per source. `wasm: false` makes every delta in
   * JavaScript (the same bytes; for comparing the two); `{ roomScale }`
   * sizes the WebAssembly maker's memory (see `WasmDeltaMaker.create`).
   */
  constructor(options: { maxBytesToIndex?: number; wasm?: boolean | { readonly roomScale?: number } } = {}) {
    const wasm = options.wasm ?? true;
    this.#maker = wasm === false ? null : WasmDeltaMaker.create(wasm === true ? {} : wasm);
    const max = options.maxBytesToIndex ?? 0;
    if (!Number.isInteger(max) || max < 0 || (max > 0 && max < RABIN_WINDOW)) {
      throw new RangeError(`maxBytesToIndex must be 0 or at least ${RABIN_WINDOW}, got ${max}`);
    }
    this.maxBytesToIndex = max;
  }

  /** Bytes of group content the sources cover so far (Breezy's `_source_offset`). */
  get sourceOffset(): number {
    return this.#sourceOffset;
  }

  get sourceCount(): number {
    return this.#sources.length;
  }

  /**
   * The group content so far, `[0, sourceOffset)`: the sources at their
   * offsets, and between them the gaps given as bytes (zeros where given as
   * a count). A view, good until the next source is added.
   */
  get content(): Uint8Array {
    return this.#content.subarray(0, this.#sourceOffset);
  }

  /**
   * Adds a fulltext. `gap`: the group bytes between the previous source and
   * this one, not indexed (a record's header), or just how many there are.
   */
  addSource(bytes: Uint8Array, gap: Uint8Array | number = 0): void {
    if (bytes.length === 0) throw new RangeError('cannot index an empty source');
    this.#checkLive();
    const location = this.#sources.length;
    if (location !== 0 && this.#index === null) this.#populateFirstIndex();
    const src = this.#push(bytes, gap);
    // The first source is indexed lazily, when a delta is first asked for.
    if (location !== 0) this.#index = this.#indexSource(src, this.#index);
  }

  /** Adds a delta made by `makeDelta`: its insert instructions are indexed. `gap` as for `addSource`. */
  addDeltaSource(delta: Uint8Array, gap: Uint8Array | number = 0): void {
    if (delta.length === 0) throw new RangeError('cannot index an empty delta');
    this.#checkLive();
    if (this.#index === null) throw new RangeError('a delta source needs an index (add a fulltext first)');
    const src = this.#push(delta, gap);
    this.#index = this.#indexDelta(src, this.#index);
  }

  /**
   * The delta from the sources to `target`, or null when there are no sources
   * yet or the delta would be longer than `maxDeltaSize` (0: no limit).
   */
  makeDelta(target: Uint8Array, maxDeltaSize = 0): Uint8Array | null {
    return this.makeDeltaInScratch(target, maxDeltaSize)?.slice() ?? null;
  }

  /**
   * `makeDelta`, the delta left in this index's scratch: a view good until
   * the next call, for a caller that copies it at once (a compressor adding
   * it as a source).
   */
  makeDeltaInScratch(target: Uint8Array, maxDeltaSize = 0): Uint8Array | null {
    this.#checkLive();
    if (this.#index === null) {
      if (this.#sources.length === 0) return null;
      this.#populateFirstIndex();
    }
    if (target.length === 0) throw new RangeError('cannot make a delta to an empty text');
    const maxSize = Math.floor(maxDeltaSize);
    const made = this.#maker?.make(this.#index as PackedIndex, this.#sources, this.content, this, this.#generation, target, maxSize);
    if (made !== undefined) return made;
    this.#output ??= new Output(0);
    return createDelta(this.#index as PackedIndex, this.#sources, this.#content, target, maxSize, this.#output);
  }

  /**
   * Forgets every source, keeping the arrays (those up to 16 MiB) for the
   * next group: a thread compressing group after group (`compressGroup`)
   * reuses one index rather than making a fresh one's megabytes of arrays
   * each time. Views of `content` are invalid afterwards.
   */
  reset(): void {
    this.#checkLive();
    if (this.#index !== null) this.#tables.give(this.#index);
    this.#index = null;
    this.#tables.free(KEEP_BYTES);
    this.#sources = [];
    this.#sourceOffset = 0;
    this.#generation++;
    this.#filter?.fill(0);
    if (this.#content.byteLength > KEEP_BYTES) this.#content = new Uint8Array(0);
    if (this.#output !== null && this.#output.bytes.byteLength > KEEP_BYTES) this.#output = null;
  }

  /**
   * Drops everything the index holds (for the collector): it takes no
   * source and makes no delta afterwards.
   */
  release(): void {
    this.#released = true;
    this.#index = null;
    this.#maker = null;
    this.#tables.free();
    this.#filter = null;
    this.#output = null;
    this.#head = new Int32Array(0);
    this.#count = new Uint32Array(0);
    this.#next = this.#ptr = this.#used = new Int32Array(0);
    this.#val = new Uint32Array(0);
    this.#content = new Uint8Array(0);
    this.#sourceOffset = 0;
  }

  /** What a new table is laid out with: arrays, the filter, the maker (for entries `[0, count)`). */
  #layOutRoom(filter: Int32Array, count: number): LayOutRoom {
    return { pool: this.#tables, filter, maker: this.#maker, count };
  }

  /** The filter of the index's tables. */
  #filterOf(): Int32Array {
    this.#filter ??= newFilter();
    return this.#filter;
  }

  /** The entry arrays, grown (geometrically) to at least `n` entries; their contents are not kept. */
  #roomForEntries(n: number): void {
    if (this.#ptr.length >= n) return;
    const size = Math.max(n, 2 * this.#ptr.length, 1024);
    this.#next = new Int32Array(size);
    this.#ptr = new Int32Array(size);
    this.#val = new Uint32Array(size);
    this.#used = new Int32Array(size);
  }

  #checkLive(): void {
    if (this.#released) throw new Error('this delta index was released');
  }

  #push(bytes: Uint8Array, gap: Uint8Array | number): number {
    const start = this.#sourceOffset + (typeof gap === 'number' ? gap : gap.length);
    const end = start + bytes.length;
    if (end > this.#content.length) {
      const old = this.#content;
      const grown = new Uint8Array(Math.max(end, 2 * old.length, 4096));
      grown.set(old.subarray(0, this.#sourceOffset));
      this.#content = grown;
    }
    // A gap given as a count is zeros (the buffer may hold an earlier group's bytes).
    if (typeof gap === 'number') this.#content.fill(0, this.#sourceOffset, start);
    else this.#content.set(gap, this.#sourceOffset);
    this.#content.set(bytes, start);
    this.#sources.push({ start, end });
    this.#sourceOffset = end;
    return this.#sources.length - 1;
  }

  #populateFirstIndex(): void {
    this.#index = this.#indexSource(0, null);
  }

  /** create_delta_index: every `stride` bytes of a fulltext, hashed (in the maker where there is one), chained per bucket, then packed. */
  #indexSource(srcId: number, old: PackedIndex | null): PackedIndex {
    const { start, end } = this.#sources[srcId] as Source;
    const length = end - start;
    let stride = RABIN_WINDOW;
    let numEntries = Math.floor((length - 1) / RABIN_WINDOW);
    if (this.maxBytesToIndex > 0) {
      const maxEntries = Math.floor(this.maxBytesToIndex / RABIN_WINDOW);
      if (numEntries > maxEntries) {
        numEntries = maxEntries;
        stride = Math.floor((length - 1) / numEntries);
      }
    }
    let total = numEntries + (old ? old.numEntries : 0);
    let hsize = hashSizeFor(total);
    if (old && old.hashMask > hsize - 1) hsize = old.hashMask + 1;

    // Entries come in descending position: pushed on the bucket heads in
    // that order, each bucket's chain ascends.
    if (this.#head.length < hsize) {
      this.#head = new Int32Array(hsize).fill(-1);
      this.#count = new Uint32Array(hsize);
    }
    const head = this.#head;
    const count = this.#count;
    this.#roomForEntries(Math.max(numEntries, 0));
    const next = this.#next;
    const entries: NewEntries = { src: srcId, ptr: this.#ptr, val: this.#val };
    const n =
      this.#maker?.hashSource(this.content, this, this.#generation, start, numEntries, stride, entries) ??
      hashWindows(this.#content, start, numEntries, stride, entries);
    // One window per entry, each a new entry or merged into the one before.
    total -= numEntries - n;
    const used = this.#used;
    let usedCount = 0;
    const crowded: number[] = [];
    const filter = this.#filterOf();
    for (let e = 0; e < n; e++) {
      const val = entries.val[e] as number;
      const b = val & (hsize - 1);
      const bit = val >>> FILTER_SHIFT;
      filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
      if (head[b] === -1) used[usedCount++] = b;
      next[e] = head[b] as number;
      head[b] = e;
      count[b] = (count[b] as number) + 1;
      if (count[b] === HASH_LIMIT + 1) crowded.push(b);
    }
    const usedBuckets = used.subarray(0, usedCount);
    try {
      total = limitHashBuckets(crowded, head, next, count, total);
      return packIndex(entries, { head, next }, usedBuckets, hsize, total, old, this.#layOutRoom(filter, n));
    } finally {
      for (const b of usedBuckets) {
        head[b] = -1;
        count[b] = 0;
      }
    }
  }

  /** create_delta_index_from_delta: the insert instructions of a delta, hashed (in the maker where there is one), into free slots or a rebuilt index. */
  #indexDelta(srcId: number, old: PackedIndex): PackedIndex {
    const { start, end } = this.#sources[srcId] as Source;
    const maxEntries = Math.floor((end - start - 1) / RABIN_WINDOW);
    if (maxEntries === 0) return old;
    this.#roomForEntries(maxEntries + 1);
    const found: NewEntries = { src: srcId, ptr: this.#ptr, val: this.#val };
    const n =
      this.#maker?.hashDelta(this.content, this, this.#generation, start, end, maxEntries, found) ??
      hashDeltaInserts(this.#content, start, end, maxEntries, found);
    if (n < 0) throw new RangeError('delta source is not a well-formed delta');
    if (n === 0) return old;
    const filter = this.#filterOf();
    for (let e = 0; e < n; e++) {
      const bit = (found.val[e] as number) >>> FILTER_SHIFT;
      filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
    }
    let i = 0;
    for (; i < n; i++) {
      const slot = old.freeSlot((found.val[i] as number) & old.hashMask);
      if (slot === -1) break;
      old.put(slot, found, i);
      old.numEntries++;
    }
    return i < n ? rebuildWithEntries(old, found, i, n, this.#layOutRoom(filter, n)) : old;
  }
}

/**
 * The entries of the fulltext at `content[start, ...)`: the windows ending
 * every `stride` bytes (`numEntries` of them), from the last down, each its
 * end position and hash; a window hashing as the one above it only moves
 * that entry down (the lowest of a run is kept). Returns how many entries.
 * Entries come out in descending position, so pushing them on bucket heads
 * in this order leaves each bucket's chain ascending.
 */
function hashWindows(content: Uint8Array, start: number, numEntries: number, stride: number, out: NewEntries): number {
  let n = 0;
  let prevVal = 0xffffffff;
  for (let d = numEntries * stride - RABIN_WINDOW; d >= 0; d -= stride) {
    const val = rabinHash(content, start + d + 1);
    const at = start + d + RABIN_WINDOW;
    if (val === prevVal) {
      out.ptr[n - 1] = at;
    } else {
      prevVal = val;
      out.ptr[n] = at;
      out.val[n] = val;
      n++;
    }
  }
  return n;
}

/**
 * The entries of the delta at `content[start, end)`: past its length
 * header, each insert longer than 19 bytes gives a window every 16 bytes
 * (a copy needs 4 bytes past a full window, so shorter inserts are not
 * worth indexing; a run of equal hashes gives one entry), at most
 * `maxEntries + 1` in all. Returns how many, or -1 when the instructions do
 * not end at the delta's end.
 */
function hashDeltaInserts(content: Uint8Array, start: number, end: number, maxEntries: number, out: NewEntries): number {
  const top = end - start;
  let n = 0;
  let prevVal = 0xffffffff;
  let data = 0;
  // The target-length header: as get_delta_hdr_size, no length limit.
  for (;;) {
    const c = content[start + data++] as number;
    if (!(c & 0x80) || data >= top) break;
  }
  while (data < top) {
    let cmd = content[start + data++] as number;
    if (cmd & 0x80) {
      for (let bit = 0x01; bit <= 0x40; bit <<= 1) if (cmd & bit) data++;
    } else if (cmd) {
      if (data + cmd > top) break;
      for (; cmd > RABIN_WINDOW + 3; cmd -= RABIN_WINDOW, data += RABIN_WINDOW) {
        const val = rabinHash(content, start + data + 1);
        if (val !== prevVal) {
          prevVal = val;
          out.ptr[n] = start + data + RABIN_WINDOW;
          out.val[n] = val;
          n++;
          if (n > maxEntries) break;
        }
      }
      data += cmd;
    } else {
      break;
    }
  }
  return data === top ? n : -1;
}

/**
 * Culls the `crowded` buckets (more than 64 new entries) down to 64, spread
 * evenly over the bucket (limit_hash_buckets). Returns the new total.
 */
function limitHashBuckets(crowded: readonly number[], head: Int32Array, next: Int32Array, count: Uint32Array, total: number): number {
  for (const b of crowded) {
    const n = count[b] as number;
    total -= n - HASH_LIMIT;
    let entry = head[b] as number;
    let acc = 0;
    do {
      acc += n - HASH_LIMIT;
      if (acc > 0) {
        const keep = entry;
        do {
          entry = next[entry] as number;
          acc -= HASH_LIMIT;
        } while (acc > 0);
        next[keep] = next[entry] as number;
      }
      entry = next[entry] as number;
    } while (entry !== -1);
  }
  return total;
}

/**
 * pack_delta_index: first tries to drop the new entries into the free slots
 * of `old` (same bucket count only); if any does not fit, lays out a new
 * index, old entries of each bucket first, then the new ones, then 4 free slots.
 * Either way each bucket ends as its old entries then its new ones in order,
 * so only the `used` buckets are visited, in any order.
 */
function packIndex(
  entries: NewEntries,
  buckets: Buckets,
  used: Int32Array,
  hsize: number,
  total: number,
  old: PackedIndex | null,
  room: LayOutRoom,
): PackedIndex {
  const hmask = hsize - 1;
  const { head, next } = buckets;
  if (old && old.hashMask === hmask) {
    let fits = true;
    for (let i = 0; i < used.length && fits; i++) {
      const b = used[i] as number;
      let slot = -1;
      while (head[b] !== -1) {
        if (slot === -1) {
          slot = (old.hash[b + 1] as number) - 1;
          while (slot >= (old.hash[b] as number) && old.isFree(slot)) slot--;
          slot++;
        }
        if (slot >= (old.hash[b + 1] as number) || !old.isFree(slot)) {
          fits = false;
          break;
        }
        const e = head[b] as number;
        old.put(slot++, entries, e);
        head[b] = next[e] as number;
        old.numEntries++;
      }
    }
    if (fits) return old;
  }
  return layOut(hsize, total, old, entries, buckets, room);
}

/** create_index_from_old_and_new_entries: a bigger table holding `old` and entries `[from, to)` that did not fit. */
function rebuildWithEntries(old: PackedIndex, entries: NewEntries, from: number, to: number, room: LayOutRoom): PackedIndex {
  const total = to - from + old.numEntries;
  let hsize = hashSizeFor(total);
  if (hsize < old.hashMask) hsize = old.hashMask + 1;
  const hmask = hsize - 1;
  const head = new Int32Array(hsize).fill(-1);
  const next = new Int32Array(to);
  for (let e = to - 1; e >= from; e--) {
    const b = (entries.val[e] as number) & hmask;
    next[e] = head[b] as number;
    head[b] = e;
  }
  return layOut(hsize, total, old, entries, { head, next }, room);
}

/** What `layOut` builds a table with: its arrays' pool, the filter, the maker, and how many entries there are. */
interface LayOutRoom {
  readonly pool: TablePool;
  readonly filter: Int32Array;
  readonly maker: WasmDeltaMaker | null;
  /** Entries `[0, count)` of the new entries' arrays (those not chained are ignored). */
  readonly count: number;
}

/**
 * A new table: per bucket, the entries of `old` that hash to it, then the new
 * ones, then 4 free slots. Every slot is written, so the arrays need not
 * come zeroed. This runs for most fulltexts a group adds, over the whole
 * table: the WebAssembly maker lays it out where it holds both tables (the
 * same slots), else the loop here.
 */
function layOut(hsize: number, total: number, old: PackedIndex | null, entries: NewEntries, buckets: Buckets, room: LayOutRoom): PackedIndex {
  const index = new PackedIndex(hsize, total, room.filter, room.pool);
  const made = room.maker?.layOut(index, hsize, old, entries, buckets, room.count, EXTRA_NULLS) ?? layOutHere(index, hsize, old, entries, buckets);
  if (made !== index.slotCount) throw new Error(`delta index layout: expected ${index.slotCount} slots, made ${made}`);
  // Everything of `old` is in the new table now.
  if (old) room.pool.give(old);
  return index;
}

/** `layOut`'s slots, laid out in JavaScript; returns how many. */
function layOutHere(index: PackedIndex, hsize: number, old: PackedIndex | null, entries: NewEntries, buckets: Buckets): number {
  const hmask = hsize - 1;
  const { hash, slots, src } = index;
  const { head, next } = buckets;
  const { ptr, val } = entries;
  const newSrc = entries.src;
  // With no old table, its one empty bucket.
  const oldHash = old?.hash ?? ZERO_BUCKET;
  const oldSlots = old?.slots ?? ZERO_BUCKET;
  const oldSrc = old?.src ?? ZERO_BUCKET;
  const oldMask = old?.hashMask ?? 0;
  const sameSize = oldMask === hmask;
  let pos = 0;
  for (let b = 0; b < hsize; b++) {
    hash[b] = pos;
    const j = b & oldMask;
    const last = oldHash[j + 1] as number;
    for (let e = oldHash[j] as number; e < last; e++) {
      const at = oldSlots[2 * e + 1] as number;
      if (at === 0) break;
      const v = oldSlots[2 * e] as number;
      if (sameSize || (v & hmask) === b) {
        slots[2 * pos] = v;
        slots[2 * pos + 1] = at;
        src[pos++] = oldSrc[e] as number;
      }
    }
    for (let e = head[b] as number; e !== -1; e = next[e] as number) {
      slots[2 * pos] = val[e] as number;
      slots[2 * pos + 1] = ptr[e] as number;
      src[pos++] = newSrc;
    }
    for (let k = 2 * pos, stop = 2 * (pos + EXTRA_NULLS); k < stop; k++) slots[k] = 0;
    pos += EXTRA_NULLS;
  }
  hash[hsize] = pos;
  return pos;
}

/** An old table of one bucket and no slots. */
const ZERO_BUCKET = new Int32Array(2);

/** A byte buffer that grows; `at` may move back (an insert absorbed into a copy). */
class Output {
  bytes: Uint8Array;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  ensure(size: number): void {
    if (size <= this.bytes.length) return;
    const old = this.bytes;
    const grown = new Uint8Array(Math.max(size, old.length * 2));
    grown.set(old);
    this.bytes = grown;
  }
  /** At least `size` bytes for a new delta (what is there need not be kept). */
  reserve(size: number): void {
    if (size <= this.bytes.length) return;
    this.bytes = new Uint8Array(size);
  }
}

/**
 * create_delta: an insert of the first 16 bytes, then at each position the
 * longest match among the index entries of the window's hash (first found
 * wins ties; 4096 bytes is enough), extended backwards into the pending
 * insert; copies of at most 64 KiB; inserts of at most 127 bytes.
 */
function createDelta(
  index: PackedIndex,
  sources: readonly Source[],
  ref: Uint8Array,
  target: Uint8Array,
  maxSize: number,
  out: Output,
): Uint8Array | null {
  let outsize = 8192;
  if (maxSize && outsize >= maxSize) outsize = maxSize + MAX_OP_SIZE + 1;
  const top = target.length;
  // With a limit the output never passes it by more than one op; without,
  // it may outgrow the text (grown below).
  out.reserve(maxSize ? Math.min(maxSize, top + 64) + 2 * MAX_OP_SIZE + 64 : top + 64);
  let o = out.bytes;
  let outpos = 0;
  let n = top;
  while (n >= 0x80) {
    o[outpos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  o[outpos++] = n;

  let data = 0;
  outpos++; // the first insert's length byte
  let val = 0;
  let i = 0;
  for (; i < RABIN_WINDOW && data < top; i++, data++) {
    const c = target[data] as number;
    o[outpos++] = c;
    val = (((val << 8) | c) ^ (T[val >>> 23] as number)) >>> 0;
  }
  let inscnt = i;
  let moff = 0;
  let msize = 0;
  let mstart = 0;
  const { hash, slots, src: entSrc, hashMask, filter } = index;

  while (data < top) {
    if (msize < GOOD_ENOUGH) {
      val = (val ^ (U[target[data - RABIN_WINDOW] as number] as number)) >>> 0;
      val = (((val << 8) | (target[data] as number)) ^ (T[val >>> 23] as number)) >>> 0;
      const bit = val >>> FILTER_SHIFT;
      const b = val & hashMask;
      const end = ((filter[bit >>> 5] as number) >>> (bit & 31)) & 1 ? 2 * (hash[b + 1] as number) : 0;
      const want = val | 0;
      for (let e = 2 * (hash[b] as number); e < end; e += 2) {
        const ref0 = slots[e + 1] as number;
        if (ref0 === 0) break;
        if (slots[e] !== want) continue;
        const s = sources[entSrc[e >> 1] as number] as Source;
        let refSize = s.end - ref0;
        if (refSize > top - data) refSize = top - data;
        if (refSize <= msize) break;
        const m = matchLength(target, data, ref, ref0, refSize);
        if (msize < m) {
          msize = m;
          mstart = s.start;
          moff = ref0;
          if (msize >= GOOD_ENOUGH) break;
        }
      }
    }

    if (msize < 4) {
      if (!inscnt) outpos++;
      o[outpos++] = target[data++] as number;
      inscnt++;
      if (inscnt === 0x7f) {
        o[outpos - inscnt - 1] = inscnt;
        inscnt = 0;
      }
      msize = 0;
    } else {
      if (inscnt) {
        while (moff > mstart && ref[moff - 1] === target[data - 1]) {
          // The match extends one byte back: take it from the insert.
          msize++;
          moff--;
          data--;
          outpos--;
          if (--inscnt) continue;
          outpos--; // the insert is gone, and its length byte with it
          inscnt--;
          break;
        }
        if (inscnt > 0) o[outpos - inscnt - 1] = inscnt;
        inscnt = 0;
      }
      const left = msize < 0x10000 ? 0 : msize - 0x10000;
      msize -= left;
      outpos = writeCopy(o, outpos, moff, msize);
      data += msize;
      moff += msize;
      msize = left;
      if (msize < GOOD_ENOUGH) {
        val = 0;
        for (let j = -RABIN_WINDOW; j < 0; j++) val = (((val << 8) | (target[data + j] as number)) ^ (T[val >>> 23] as number)) >>> 0;
      }
    }

    if (outpos >= outsize - MAX_OP_SIZE) {
      outsize = Math.floor((outsize * 3) / 2);
      if (maxSize && outsize >= maxSize) outsize = maxSize + MAX_OP_SIZE + 1;
      if (maxSize && outpos > maxSize) break;
    }
    if (outpos + MAX_OP_SIZE + 2 > o.length) {
      out.ensure(outpos + MAX_OP_SIZE + 2 + (top - data));
      o = out.bytes;
    }
  }
  if (inscnt) o[outpos - inscnt - 1] = inscnt;
  if (maxSize && outpos > maxSize) return null;
  return o.subarray(0, outpos);
}

/** A delta from one source text to a target (Breezy's module-level make_delta). */
export function makeDelta(source: Uint8Array, target: Uint8Array): Uint8Array | null {
  const index = new DeltaIndex();
  index.addSource(source, 0);
  return index.makeDelta(target);
}
