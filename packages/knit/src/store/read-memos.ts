// Reading the bytes at many memos with one readRanges per run of memos in the same
// file, answers in the order asked. Both record layouts (knit files, packs) use it.
//
// Entry points: `readMemos`.

import type { Transport } from '@versionedfiles/core';
import type { IndexMemo } from './types.js';

export async function readMemos(transport: Transport, memos: readonly IndexMemo[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < memos.length) {
    const file = (memos[i] as IndexMemo).file;
    let j = i;
    while (j < memos.length && (memos[j] as IndexMemo).file === file) j++;
    const ranges = memos.slice(i, j).map((m) => [m.pos, m.size] as const);
    for (const data of await transport.readRanges(file, ranges)) out.push(data);
    i = j;
  }
  return out;
}
