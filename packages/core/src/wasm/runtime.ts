// What the WebAssembly modules of the packages share (core's Adler-32,
// groupcompress's delta maker and applier): the part of the WebAssembly API
// they use (the compiler's libraries here do not declare it) and one way to
// make an instance of a committed module over a fresh memory.
// A memory is never grown: growing detaches its old buffer, and the first
// detach in a process turns off V8's fast typed-array access for good (see
// docs/formats/groupcompress.md §7), so a module that needs more room is
// given a new, larger memory instead.
//
// Entry points: `WASM_PAGE`, `WASM_MEMORY_NATIVE`, `CompiledModule`
// (`instantiateOver`, `instantiateWithExports`).

declare const WebAssembly: {
  readonly Module: new (bytes: ArrayBufferView) => object;
  readonly Memory: new (descriptor: { readonly initial: number }) => { readonly buffer: ArrayBuffer };
  readonly Instance: new (module: object, imports: object) => { readonly exports: Readonly<Record<string, unknown>> };
};

export const WASM_PAGE = 64 * 1024;

/**
 * Whether this host's typed arrays read a module's memory as the module
 * wrote it: WebAssembly memory is little-endian, typed arrays native. Where
 * not (a big-endian host), a caller that exchanges more than bytes with a
 * module keeps its JavaScript path.
 */
export const WASM_MEMORY_NATIVE = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** A committed module (its bytes in base64), compiled once per thread on first use. */
export class CompiledModule {
  #module: object | null = null;

  constructor(private readonly base64: string) {}

  /** An instance over a new memory of `pages` pages: its export `name` and the memory's bytes. */
  instantiateOver(pages: number, name: string): { readonly exported: unknown; readonly buffer: ArrayBuffer } {
    const { exports, buffer } = this.instantiateWithExports(pages);
    return { exported: exports[name], buffer };
  }

  /** `instantiateOver`, with every export. */
  instantiateWithExports(pages: number): { readonly exports: Readonly<Record<string, unknown>>; readonly buffer: ArrayBuffer } {
    this.#module ??= new WebAssembly.Module(Buffer.from(this.base64, 'base64'));
    const memory = new WebAssembly.Memory({ initial: pages });
    const { exports } = new WebAssembly.Instance(this.#module, { env: { memory } });
    return { exports, buffer: memory.buffer };
  }
}
