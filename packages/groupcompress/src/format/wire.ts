// The `groupcompress-block` wire form: one block sent once with the keys it
// carries (Breezy's `_LazyGroupContentManager._wire_bytes`).
//
//   "groupcompress-block\n" Z_HEADER_LEN "\n" HEADER_LEN "\n" BLOCK_LEN "\n"
//   zlib(header){Z_HEADER_LEN} block{BLOCK_LEN}
//   header := ( KEY "\n" PARENTS "\n" START "\n" END "\n" )*
//
// KEY is the key's elements joined by NUL; PARENTS the parent keys so joined,
// joined by TAB ("" for no parents, "None:" for no graph); START and END the
// record's range in the block content, ASCII decimal. The other records of
// the block travel as `groupcompress-block-ref`, whose bytes are empty.
//
// Entry points: `encodeWireBlock`, `decodeWireBlock`, `WireEntry`.

import { MAX_ENCODED_BYTES, compatZlib, fromUtf8Strict, utf8, concatBytes } from '@versionedfiles/core';
import type { Key, Parents, ZlibCodec } from '@versionedfiles/core';
import { checkDeclaredLength, parseBlock } from './block.js';
import type { GroupCompressBlock } from './block.js';
import { GroupCompressCorrupt } from './errors.js';

export const WIRE_BLOCK_KIND = 'groupcompress-block';

export interface WireEntry {
  readonly key: Key;
  readonly parents: Parents;
  readonly start: number;
  readonly end: number;
}

/** The header lines for the entries, as Breezy writes them. */
function encodeHeader(entries: readonly WireEntry[]): string {
  let out = '';
  for (const e of entries) {
    const parents = e.parents === null ? 'None:' : e.parents.map((p) => p.join('\0')).join('\t');
    out += `${e.key.join('\0')}\n${parents}\n${e.start}\n${e.end}\n`;
  }
  return out;
}

/** The wire bytes of a block and the entries it carries (header compressed with `zlib`). */
export function encodeWireBlock(blockChunks: readonly Uint8Array[], entries: readonly WireEntry[], zlib: ZlibCodec = compatZlib): Uint8Array {
  const header = utf8(encodeHeader(entries));
  const zHeader = zlib.deflate(header);
  let blockLength = 0;
  for (const c of blockChunks) blockLength += c.length;
  return concatBytes([utf8(`${WIRE_BLOCK_KIND}\n${zHeader.length}\n${header.length}\n${blockLength}\n`), zHeader, ...blockChunks]);
}

const SOURCE = 'groupcompress-block wire record';

function fail(how: string): never {
  throw new GroupCompressCorrupt(how, { source: SOURCE });
}

/** Splits off `count` newline-terminated fields from the front of `bytes`. */
function frontLines(bytes: Uint8Array, count: number): [string[], number] {
  const out: string[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0 || nl - pos > 64) fail('truncated header');
    out.push(String.fromCharCode(...bytes.subarray(pos, nl)));
    pos = nl + 1;
  }
  return [out, pos];
}

function decimal(text: string): number {
  if (!/^[0-9]{1,15}$/.test(text)) fail(`bad number ${JSON.stringify(text)}`);
  return Number(text);
}

function decodeKey(text: string): Key {
  return text.split('\0');
}

/** Parses wire bytes into the block and its entries; every length and offset is checked. */
export function decodeWireBlock(bytes: Uint8Array, zlib: ZlibCodec = compatZlib): { block: GroupCompressBlock; entries: WireEntry[] } {
  const [fields, pos] = frontLines(bytes, 4);
  const [kind, zLenText, lenText, blockLenText] = fields as [string, string, string, string];
  if (kind !== WIRE_BLOCK_KIND) fail(`unknown storage kind ${JSON.stringify(kind)}`);
  const zHeaderLength = decimal(zLenText);
  const headerLength = decimal(lenText);
  const blockLength = decimal(blockLenText);
  if (bytes.length - pos !== zHeaderLength + blockLength) fail('lengths do not add up to the record size');
  checkDeclaredLength('header', headerLength, zHeaderLength, MAX_ENCODED_BYTES, { source: SOURCE });
  let header: Uint8Array;
  try {
    header = zlib.inflate(bytes.subarray(pos, pos + zHeaderLength), { maxOutput: headerLength, what: SOURCE });
  } catch (err) {
    throw new GroupCompressCorrupt('header does not inflate', { source: SOURCE }, { cause: err });
  }
  if (header.length !== headerLength) fail('header length does not match');
  const block = parseBlock(bytes.subarray(pos + zHeaderLength), { source: SOURCE });
  const text = fromUtf8Strict(header);
  if (text === null) fail('header is not UTF-8');
  const lines = text.split('\n');
  if (lines.pop() !== '') fail('header does not end in a newline');
  if (lines.length % 4 !== 0) fail('header is not a multiple of 4 lines');
  const entries: WireEntry[] = [];
  for (let i = 0; i < lines.length; i += 4) {
    const parentsLine = lines[i + 1] as string;
    const parents: Parents =
      parentsLine === 'None:' ? null : parentsLine.split('\t').filter((s) => s !== '').map(decodeKey);
    const start = decimal(lines[i + 2] as string);
    const end = decimal(lines[i + 3] as string);
    if (end < start || end > block.contentLength) fail(`record range [${start}, ${end}) is outside the block`);
    entries.push({ key: decodeKey(lines[i] as string), parents, start, end });
  }
  return { block, entries };
}
