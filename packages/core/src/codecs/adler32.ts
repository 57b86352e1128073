// zlib's Adler-32 checksum, run over one buffer or on across several: the
// hashed-prefix key mapper names directories with it, and a deflate made in
// pieces (codecs/zlib.ts) ends with the checksum of all its input.
//
// Entry point: `adler32`.

const MOD = 65521;
/** Bytes summed between two reductions: zlib's NMAX, the most after which its 32-bit sums cannot overflow. */
const RUN = 5552;

/** The Adler-32 of `bytes`, or of what came before (`running`, 1 for nothing) followed by `bytes`. */
export function adler32(bytes: Uint8Array, running = 1): number {
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
