// zlib's Adler-32 checksum, run over one buffer or on across several: the
// hashed-prefix key mapper names directories with it, and a deflate made in
// pieces (codecs/zlib.ts) ends with the checksum of all its input.
//
// Long inputs are summed in WebAssembly (adler32.wat), a mebibyte at a time
// copied into its memory: about 2.5 times as fast as the JavaScript loop,
// which serves short ones (a key's name) and gives the same sums.
//
// Entry point: `adler32`.

import { CompiledModule, WASM_PAGE } from '../wasm/runtime.js';
import { ADLER32_WASM } from './adler32-wasm.js';

const MOD = 65521;
/** Bytes summed between two reductions: zlib's NMAX, the most after which its 32-bit sums cannot overflow. */
const RUN = 5552;
/** Inputs at least this long go to WebAssembly; shorter ones cost less than the copy and call. */
const WASM_FROM = 4096;
/** Bytes copied into the module's memory per call. */
const CHUNK = 1024 * 1024;

type SumFunction = (at: number, length: number, running: number) => number;

const module = new CompiledModule(ADLER32_WASM);
/** The module's function and memory, made at the first long input (one per thread). */
let wasm: { readonly sum: SumFunction; readonly bytes: Uint8Array } | null = null;

/** The Adler-32 of `bytes`, or of what came before (`running`, 1 for nothing) followed by `bytes`. */
export function adler32(bytes: Uint8Array, running = 1): number {
  return bytes.length < WASM_FROM ? adler32InScript(bytes, running) : adler32InWasm(bytes, running);
}

function adler32InWasm(bytes: Uint8Array, running: number): number {
  if (wasm === null) {
    const { exported, buffer } = module.instantiateOver(CHUNK / WASM_PAGE, 'sum');
    wasm = { sum: exported as SumFunction, bytes: new Uint8Array(buffer) };
  }
  const { sum, bytes: memory } = wasm;
  let result = running;
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const chunk = bytes.subarray(at, at + CHUNK);
    memory.set(chunk, 0);
    result = sum(0, chunk.length, result) >>> 0;
  }
  return result;
}

/** The JavaScript sum (a test holds the two equal; not part of the package's surface). */
export function adler32InScript(bytes: Uint8Array, running = 1): number {
  let a = running & 0xffff;
  let b = running >>> 16;
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(i + RUN, bytes.length);
    for (; i < end; i++) {
      a += bytes[i] as number;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
