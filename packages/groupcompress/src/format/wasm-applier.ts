// Applying a block's deltas in WebAssembly (delta-apply.wat).
//
// In JavaScript each copy or insert instruction is a `copyWithin` call of
// 60-90 ns, and a block's deltas hold one per 73 bytes of text (npm-large);
// here it is one `memory.copy`, and a block's texts are made 2-3 times
// faster. The price is a copy of the block into the applier's memory: its
// content from the start, as far as the records read so far need, again
// each time the reader switches blocks (`loadCost` says how much, so a
// store can leave a short run in JavaScript). An applier serves one stream
// at a time, and blocks and texts past `MAX_WASM_BYTES` are left to
// JavaScript, which bounds its memory. (A record kept past its stream may
// still use it, after another stream took it: each read names its block, so
// it reloads, and neither gets a wrong text.)
//
// The WebAssembly code checks each instruction as delta.ts does and answers
// only whether the delta is sound; for one that is not, the caller applies
// it in JavaScript, which throws the error a reader gets either way.
//
// A memory is never grown: growing detaches its old buffer, and the first
// detach in a process turns off V8's fast typed-array access for good (see
// docs/formats/groupcompress.md §7). An applier makes its memory at first
// use, twice what that needs (its pages fault in at first touch, about
// 0.8 ms a MiB), and replaces it by a larger one when a read needs more, up to
// two `MAX_WASM_BYTES` and a page. Each memory reserves gigabytes of address
// space, so at most `MAX_APPLIERS` are in use at once (`acquire` gives null
// past that), each let go by `release` at the end of its stream (or,
// abandoned, when collected). The last one released is kept for a second
// for the next stream, which then finds its pages already in memory.
//
// Entry point: `WasmDeltaApplier` (`acquire`, `apply`, `release`).

import { CompiledModule, WASM_PAGE, copyOfRange } from '@versionedfiles/core';
import { targetLengthOf } from './delta.js';
import { DELTA_APPLY_WASM } from './delta-apply-wasm.js';
import type { GroupCompressWhere } from './errors.js';

/** Contents and texts larger than this are applied in JavaScript. */
export const MAX_WASM_BYTES = 16 * 1024 * 1024;
/** Appliers in use at once, at most. */
const MAX_APPLIERS = 4;

/** Pages of an applier's memory: at least (1 MiB), and at most (room for the largest content and text). */
const MIN_PAGES = 16;
const MAX_PAGES = (2 * MAX_WASM_BYTES) / WASM_PAGE + 1;

type ApplyFunction = (pos: number, end: number, sourceLength: number, out: number, targetLength: number) => number;

/** An applier released this long ago and not taken again is dropped (its memory with it). */
const IDLE_MS = 1000;

const module = new CompiledModule(DELTA_APPLY_WASM);
let inUse = 0;
/**
 * The last applier released, for the next stream: a fresh memory's pages
 * fault in on first touch, about 0.8 ms a MiB, a third of a small store's
 * extraction when each stream made its own.
 */
let idle: WasmDeltaApplier | null = null;
let idleTimer: ReturnType<typeof setTimeout> | null = null;
/** An applier dropped unreleased (a stream its reader abandoned) gives back its place when collected. */
const unreleased = new FinalizationRegistry<null>(() => {
  inUse--;
});

export class WasmDeltaApplier {
  #apply: ApplyFunction | null = null;
  #bytes = new Uint8Array(0);
  /** Whose content the memory holds, and how much of it. */
  #owner: object | null = null;
  #loaded = 0;
  #released = false;

  private constructor() {}

  /** Makes sure the memory holds `bytes`: if not, a new one (and nothing of any content in it). */
  #reserve(bytes: number): void {
    if (this.#bytes.length >= bytes) return;
    const pages = Math.min(MAX_PAGES, Math.max(MIN_PAGES, Math.ceil((2 * bytes) / WASM_PAGE)));
    const { exported, buffer } = module.instantiateOver(pages, 'apply');
    this.#apply = exported as ApplyFunction;
    this.#bytes = new Uint8Array(buffer);
    this.#owner = null;
    this.#loaded = 0;
  }

  /** An applier (the one last released, if still kept), or null while `MAX_APPLIERS` are in use. */
  static acquire(): WasmDeltaApplier | null {
    if (inUse >= MAX_APPLIERS) return null;
    inUse++;
    const applier = idle ?? new WasmDeltaApplier();
    idle = null;
    applier.#released = false;
    unreleased.register(applier, null, applier);
    return applier;
  }

  /** Ends this applier's use (it applies nothing more until acquired again); it is kept a while for the next. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#owner = null;
    unreleased.unregister(this);
    inUse--;
    idle = this;
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idle = null;
      idleTimer = null;
    }, IDLE_MS);
    idleTimer.unref();
  }

  /** Bytes of `owner`'s content a read up to `end` would copy in. */
  loadCost(owner: object, end: number): number {
    return owner === this.#owner ? Math.max(0, end - this.#loaded) : end;
  }

  /**
   * The text made by the delta at `content[start, end)` from the source
   * `content[0, start)`, where `content` is `owner`'s (the same bytes every
   * time `owner` is given); null when it is too big for this applier, not
   * sound, or the applier is released. Errors of the declared length are
   * thrown as delta.ts throws them.
   */
  apply(owner: object, content: Uint8Array, start: number, end: number, where: GroupCompressWhere = {}): Uint8Array | null {
    if (this.#released || end > MAX_WASM_BYTES) return null;
    const [targetLength, used] = targetLengthOf(content, start, end, where);
    if (targetLength > MAX_WASM_BYTES) return null;
    if (owner !== this.#owner) this.#loaded = 0;
    this.#reserve(Math.max(end, this.#loaded) + targetLength);
    this.#owner = owner;
    if (this.#loaded < end) {
      this.#bytes.set(content.subarray(this.#loaded, end), this.#loaded);
      this.#loaded = end;
    }
    const out = this.#loaded;
    if ((this.#apply as ApplyFunction)(start + used, end, start, out, targetLength) !== 1) return null;
    return copyOfRange(this.#bytes, out, out + targetLength);
  }
}
