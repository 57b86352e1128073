// Letting big buffers go at once instead of at V8's next full collection:
// tried, and turned off (see below).
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
// Entry point: `freeNow` (a buffer nothing reads any more).

/**
 * Not done: the first ArrayBuffer detached in a process (a transfer) turns
 * off, for good and process-wide, V8's fast path for typed-array access in
 * optimized code (its "detaching protector"). Measured on npm-small in one
 * process: groupcompress insert and annotation 10-15% slower after the first
 * transfer, and every other typed-array user of the process (the caller's
 * code included) would pay too. So `freeNow` leaves the buffer to the
 * garbage collector, and stays as the one place that policy lives.
 */

/** A buffer nothing reads any more: left to the collector (see above). */
export function freeNow(_view: ArrayBufferView): void {}
