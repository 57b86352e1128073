// Making a group's deltas in WebAssembly (delta-make.wat).
//
// The JavaScript delta maker (`createDelta`, delta-index.ts) is one big loop
// that V8 runs interpreted until it has optimized it; on a small store that
// warm-up was more than the rest of the insert (a worker thread pays it
// again). The WebAssembly one is compiled before its first call, and makes
// the same bytes: it reads the same tables, in its own memory.
//
// So the maker mirrors the index there: the rabin tables and the filter at
// fixed places, then the bucket table, the slots, their sources, the
// sources' bounds, the group content, the target and room for the delta.
// Between two deltas of a group the index changes little: new entries go
// into free slots (each one noted in the table's `journal`) and content is
// only appended, so each delta copies in what changed since the last one; a
// table laid out anew, a group begun anew (`generation`) or a region that
// outgrew its room is copied whole. A memory is never grown (see
// wasm-runtime.ts): one with room to spare replaces it. Indexes past
// `MAX_MAKER_BYTES`, and big-endian hosts (the memory is little-endian,
// typed arrays native), are left to JavaScript.
//
// Entry points: `WasmDeltaMaker` (`create`, `make`), `MirroredTable`,
// `MAX_MAKER_BYTES`.

import { DELTA_MAKE_WASM } from './delta-make-wasm.js';
import { RABIN_T, RABIN_U } from './rabin-tables.js';
import { CompiledModule, WASM_PAGE } from './wasm-runtime.js';

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
const FIXED_BYTES = FILTER_AT + 4 * FILTER_WORDS;
/** The filter's shift, as delta-index.ts sets a slot's bit. */
const FILTER_SHIFT = 12;

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const module = new CompiledModule(DELTA_MAKE_WASM);

/** The regions' sizes in bytes, in memory order. */
interface Sizes {
  hash: number;
  slots: number;
  src: number;
  sources: number;
  content: number;
  target: number;
  out: number;
}
const REGIONS = ['hash', 'slots', 'src', 'sources', 'content', 'target', 'out'] as const;
const MIB = 1024 * 1024;
/** Each region's least room: about what a group of 4 MiB of text needs (see batch-writer.ts). */
const MIN_ROOM: Sizes = { hash: MIB, slots: 8 * MIB, src: 4 * MIB, sources: 64 * 1024, content: 8 * MIB, target: 4 * MIB, out: 4 * MIB };

/** Each region's offset (8-aligned) and room. */
type Layout = Record<(typeof REGIONS)[number], { readonly at: number; readonly room: number }>;

export class WasmDeltaMaker {
  #make: MakeFunction | null = null;
  #bytes = new Uint8Array(0);
  #words = new Int32Array(0);
  #layout: Layout | null = null;
  /** The table the memory mirrors, and the content: whose, of which group, how far. */
  #table: MirroredTable | null = null;
  #contentOwner: object | null = null;
  #generation = -1;
  #contentSynced = 0;

  private constructor() {}

  /** A maker, or null where WebAssembly cannot read the mirror (a big-endian host). */
  static create(): WasmDeltaMaker | null {
    return LITTLE_ENDIAN ? new WasmDeltaMaker() : null;
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
    const sizes: Sizes = {
      hash: 4 * (table.hashMask + 2),
      slots: 8 * table.slotCount,
      src: 4 * table.slotCount,
      sources: 8 * sources.length,
      content: content.length,
      target: top,
      // A delta passes its limit by at most an instruction before the maker
      // stops; without one it is at most twice its text (a 4-byte copy takes 8).
      out: maxSize > 0 ? Math.min(maxSize, 2 * top) + 64 : 2 * top + 64,
    };
    if (!this.#fits(sizes) && !this.#relayOut(sizes)) return undefined;
    const layout = this.#layout as Layout;
    this.#mirrorTable(table, layout);
    this.#mirrorContent(content, owner, generation, layout);
    const words = this.#words;
    let w = layout.sources.at >> 2;
    for (const { start, end } of sources) {
      words[w++] = start;
      words[w++] = end;
    }
    this.#bytes.set(target, layout.target.at);
    const out = layout.out.at;
    const n = (this.#make as MakeFunction)(
      layout.hash.at,
      layout.slots.at,
      layout.src.at,
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

  #fits(sizes: Sizes): boolean {
    const layout = this.#layout;
    return layout !== null && REGIONS.every((r) => sizes[r] <= layout[r].room);
  }

  /**
   * A new memory with room for twice `sizes`, and at least a usual group's
   * (`MIN_ROOM`); false past `MAX_MAKER_BYTES`. Room costs address space
   * only until touched, while each memory outgrown is garbage until
   * collected: room to spare up front keeps a group from going through several.
   */
  #relayOut(sizes: Sizes): boolean {
    let at = FIXED_BYTES;
    const layout = {} as Record<(typeof REGIONS)[number], { at: number; room: number }>;
    for (const r of REGIONS) {
      const room = Math.max(MIN_ROOM[r], (Math.ceil((2 * sizes[r]) / 8) + 1) * 8);
      layout[r] = { at, room };
      at += room;
    }
    if (at > MAX_MAKER_BYTES) return false;
    const { exported, buffer } = module.instantiateOver(Math.ceil(at / WASM_PAGE), 'make');
    this.#make = exported as MakeFunction;
    this.#bytes = new Uint8Array(buffer);
    this.#words = new Int32Array(buffer);
    new Uint32Array(buffer, T_AT, 256).set(RABIN_T);
    new Uint32Array(buffer, U_AT, 256).set(RABIN_U);
    this.#layout = layout;
    this.#table = null;
    this.#contentOwner = null;
    return true;
  }

  /** Copies `table` in: whole when it is not the one mirrored, else the slots its journal names. */
  #mirrorTable(table: MirroredTable, layout: Layout): void {
    const words = this.#words;
    const slots = layout.slots.at >> 2;
    const src = layout.src.at >> 2;
    if (table !== this.#table || table.journal === null) {
      words.set(table.hash.subarray(0, table.hashMask + 2), layout.hash.at >> 2);
      words.set(table.slots.subarray(0, 2 * table.slotCount), slots);
      words.set(table.src.subarray(0, table.slotCount), src);
      words.set(table.filter, FILTER_AT >> 2);
      table.journal = [];
      this.#table = table;
      return;
    }
    const journal = table.journal;
    for (let i = 0; i < journal.length; i++) {
      const slot = journal[i] as number;
      const val = table.slots[2 * slot] as number;
      words[slots + 2 * slot] = val;
      words[slots + 2 * slot + 1] = table.slots[2 * slot + 1] as number;
      words[src + slot] = table.src[slot] as number;
      const word = (val >>> FILTER_SHIFT) >>> 5;
      words[(FILTER_AT >> 2) + word] = table.filter[word] as number;
    }
    journal.length = 0;
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
