// Decompression bombs, made cheaply: a deflate segment of 64 MiB of zeros
// ended by a full flush (so it needs no history) is repeated to reach any
// size, then closed by an empty final block; wrapped as a gzip member or a
// zlib stream. The trailers' checksums are wrong on purpose: a reader must
// refuse on size before it ever reaches them.
//
// Entry points: `gzipBomb(mib)`, `zlibBomb(mib)`.
import { constants, deflateRawSync } from 'node:zlib';
import { concatBytes } from '@versionedfiles/core';

const SEGMENT_MIB = 64;
let segment: Uint8Array | null = null;

function rawDeflateOfZeros(mib: number): Uint8Array[] {
  segment ??= new Uint8Array(deflateRawSync(new Uint8Array(SEGMENT_MIB << 20), { level: 9, finishFlush: constants.Z_FULL_FLUSH }));
  const parts: Uint8Array[] = [];
  for (let done = 0; done < mib; done += SEGMENT_MIB) parts.push(segment);
  parts.push(Uint8Array.of(0x03, 0x00)); // an empty final fixed-Huffman block
  return parts;
}


/** A gzip member inflating to about `mib` MiB of zeros. */
export function gzipBomb(mib: number): Uint8Array {
  const header = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff);
  return concatBytes([header, ...rawDeflateOfZeros(mib), new Uint8Array(8)]);
}

/** A zlib stream inflating to about `mib` MiB of zeros. */
export function zlibBomb(mib: number): Uint8Array {
  return concatBytes([Uint8Array.of(0x78, 0xda), ...rawDeflateOfZeros(mib), new Uint8Array(4)]);
}
