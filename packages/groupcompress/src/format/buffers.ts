// Letting big buffers go at once instead of at V8's next full collection.
//
// A buffer that lives a while (a block in the cache, a group being
// compressed) ages into the old generation, which only a full collection
// empties; the main thread of a store, busy with a small heap, may not run
// one for minutes, and node's one-shot zlib functions keep their output
// buffer reachable from their stream object until one runs. Detaching an
// ArrayBuffer (transferring it into a clone nobody keeps) moves its memory,
// without a copy, to a young object: the next young-generation collection,
// which comes every few MB of allocation, frees it.
//
// Entry points: `moveOut` (the bytes in a buffer nothing else holds),
// `freeNow` (free a buffer now).

/**
 * Buffers this large and up are moved; smaller ones are not worth it, and
 * one could share its ArrayBuffer with others (node's pool hands out views of
 * 8 KiB ones).
 */
const MOVE_BYTES = 64 * 1024;

/**
 * The bytes of `view` in an ArrayBuffer of their own that nothing else
 * holds; `view` (and every other view of its buffer) is empty afterwards.
 * Only for a view whose buffer nothing else reads.
 */
export function moveOut(view: Uint8Array): Uint8Array {
  const buffer = view.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < MOVE_BYTES) return view;
  // Read before the transfer empties `view`.
  const { byteOffset, length } = view;
  return new Uint8Array(structuredClone(buffer, { transfer: [buffer] }), byteOffset, length);
}

/** Frees the memory of `view`'s whole buffer now. Only for a buffer nothing else reads. */
export function freeNow(view: ArrayBufferView): void {
  const buffer = view.buffer;
  if (buffer instanceof ArrayBuffer && buffer.byteLength >= MOVE_BYTES) structuredClone(buffer, { transfer: [buffer] });
}
