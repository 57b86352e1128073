// A text's newlines found in WebAssembly (newlines.wat), for bytes.ts: the
// line offsets of every text a knit builds and an annotator diffs
// (`lineStarts`), and the newlines an added text is checked for
// (`countNewlines`). The module compares 64 bytes at a time: over npm-large's
// texts, line offsets take about half the time of the one-byte string search
// bytes.ts does in JavaScript, and a count a third, from the first call on.
// (`splitLines` keeps its own search: making a view per line is most of its
// time, and it measured the same either way.)
//
// The text is copied into the module's memory a chunk at a time, and the
// offsets come back through it as 32-bit integers read with an Int32Array:
// where that memory does not read natively (a big-endian host, see
// `WASM_MEMORY_NATIVE`) each function here gives null and the search stays
// in JavaScript. The memory is made at first use (one per thread) and never
// grown (see runtime.ts).
//
// Entry points: `lineStartsInWasm`, `countNewlinesInWasm`.

import { CompiledModule, WASM_MEMORY_NATIVE, WASM_PAGE } from './runtime.js';
import { NEWLINES_WASM } from './newlines-wasm.js';

/** Bytes of text searched per call; the offsets found go after them, up to one per byte. */
const CHUNK = 256 * 1024;
const PAGES = (5 * CHUNK) / WASM_PAGE;

type EndsFunction = (at: number, length: number, out: number, base: number) => number;

const module = new CompiledModule(NEWLINES_WASM);
interface Instance {
  readonly ends: EndsFunction;
  /** Where a chunk of text is copied. */
  readonly bytes: Uint8Array;
  /** Where the offsets found come back. */
  readonly found: Int32Array;
}

let wasm: Instance | null = null;

function instance(): Instance {
  if (wasm === null) {
    const { exported, buffer } = module.instantiateOver(PAGES, 'ends');
    wasm = { ends: exported as EndsFunction, bytes: new Uint8Array(buffer, 0, CHUNK), found: new Int32Array(buffer, CHUNK, CHUNK) };
  }
  return wasm;
}

/** Searches `text[from, to)`, at most `CHUNK` bytes: the offsets it finds are `found`'s first (the count returned). */
function search(w: Instance, text: Uint8Array, from: number, to: number): number {
  w.bytes.set(text.subarray(from, to), 0);
  return w.ends(0, to - from, CHUNK, from);
}

/**
 * `lineStarts(text, from, to)` (see bytes.ts): where each line of
 * `text[from, to)` starts, then `to`. Null on a big-endian host.
 */
export function lineStartsInWasm(text: Uint8Array, from: number, to: number): Int32Array | null {
  if (!WASM_MEMORY_NATIVE) return null;
  const w = instance();
  const head = from < to ? 1 : 0;
  // A newline that ends the range ends the last line: `to` is written once, last.
  const lastNewline = to > from && text[to - 1] === 0x0a ? 1 : 0;
  if (to - from <= CHUNK) {
    const inner = (to > from ? search(w, text, from, to) : 0) - lastNewline;
    const starts = new Int32Array(head + inner + 1);
    if (head === 1) starts[0] = from;
    starts.set(w.found.subarray(0, inner), head);
    starts[head + inner] = to;
    return starts;
  }
  const parts: Int32Array[] = [];
  let total = 0;
  for (let piece = from; piece < to; piece += CHUNK) {
    const count = search(w, text, piece, Math.min(to, piece + CHUNK));
    parts.push(w.found.slice(0, count));
    total += count;
  }
  const inner = total - lastNewline;
  const starts = new Int32Array(head + inner + 1);
  if (head === 1) starts[0] = from;
  let at = head;
  for (const part of parts) {
    const take = Math.min(part.length, head + inner - at);
    starts.set(part.subarray(0, take), at);
    at += take;
  }
  starts[head + inner] = to;
  return starts;
}

/** How many `\n` bytes `text` holds; null on a big-endian host. */
export function countNewlinesInWasm(text: Uint8Array): number | null {
  if (!WASM_MEMORY_NATIVE) return null;
  const w = instance();
  let total = 0;
  for (let piece = 0; piece < text.length; piece += CHUNK) total += search(w, text, piece, Math.min(text.length, piece + CHUNK));
  return total;
}
