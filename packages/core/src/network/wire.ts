// Records on the wire: the byte form of one record and the registry that turns
// such bytes back into records (Breezy's `versionedfile.py` network functions).
//
// Every wire record starts with its storage kind and a newline. Text records
// (`fulltext`, and `chunked`/`lines`/`file`, which travel as `fulltext`) are
//
//   "fulltext\n" META_LEN(uint32 big-endian) META TEXT
//   META := bencode([key, parents])   key: list of strings
//                                      parents: list of keys, or "nil" (no graph)
//
// Every other kind is the record's own `getBytesAs(storageKind)`; an empty one
// means an earlier record of the stream carries it (`knit-delta-closure-ref`,
// `groupcompress-block-ref`) and is not sent.
//
// Backends teach the decoder their kinds with `registerNetworkKind(kind,
// decode)`: `decode(kind, bytes, offset)` gets the whole wire record and the
// offset just past the kind line, and returns the records it holds (a block or a
// delta closure holds several).
//
// Entry points: `recordToNetworkBytes`, `recordToFulltextBytes`,
// `fulltextNetworkToRecord`, `networkBytesToKindAndOffset`,
// `NetworkKindRegistry`, `defaultNetworkKinds`, `registerNetworkKind`.

import { AbsentContent } from '../errors.js';
import { fromUtf8Strict, latin1, utf8, concatBytes } from '../bytes.js';
import { FulltextContentFactory, type ContentFactory, type Parents } from '../content/factory.js';
import type { Key } from '../keys.js';
import { bdecode, bencode, type BValue } from './bencode.js';
import { NetworkRecordCorrupt } from './errors.js';

/** Longest storage-kind line we look for; real kinds are under 30 bytes. */
const MAX_KIND_LENGTH = 256;
const NIL = utf8('nil');
const TEXT_KINDS: ReadonlySet<string> = new Set(['fulltext', 'chunked', 'lines', 'file']);

/** Turns one wire record (the whole record, `offset` just past its kind line) into records. */
export type NetworkKindDecoder = (kind: string, bytes: Uint8Array, offset: number) => Iterable<ContentFactory>;

/** The storage kind at the front of a wire record, and where the rest starts. */
export function networkBytesToKindAndOffset(bytes: Uint8Array): readonly [kind: string, offset: number] {
  const nl = bytes.subarray(0, MAX_KIND_LENGTH + 1).indexOf(0x0a);
  if (nl <= 0) throw new NetworkRecordCorrupt(bytes.length === 0 ? 'empty network record' : 'no storage kind line');
  const kind = String.fromCharCode(...bytes.subarray(0, nl));
  if (!/^[\x21-\x7e]+$/.test(kind)) throw new NetworkRecordCorrupt(`storage kind ${JSON.stringify(kind)} is not printable ASCII`);
  return [kind, nl + 1];
}

function encodeKey(key: Key): BValue {
  return key.map((e) => utf8(e));
}

/** Breezy's `record_to_fulltext_bytes`: a `fulltext` wire record for every record that can give its text. */
export function recordToFulltextBytes(record: ContentFactory, text: Uint8Array = record.getBytesAs('fulltext')): Uint8Array {
  const parents: BValue = record.parents === null ? NIL : record.parents.map(encodeKey);
  const meta = bencode([encodeKey(record.key), parents]);
  const head = new Uint8Array(9 + 4);
  head.set(utf8('fulltext\n'));
  new DataView(head.buffer).setUint32(9, meta.length, false);
  return concatBytes([head, meta, text]);
}

/**
 * The wire form of a record. Empty when an earlier record of the stream
 * already carried this one; `absent` records have none (`AbsentContent`).
 */
export function recordToNetworkBytes(record: ContentFactory): Uint8Array {
  if (record.storageKind === 'absent') throw new AbsentContent(record.key);
  if (TEXT_KINDS.has(record.storageKind)) return recordToFulltextBytes(record);
  const bytes = record.getBytesAs(record.storageKind);
  if (!(bytes instanceof Uint8Array)) {
    throw new NetworkRecordCorrupt(`a ${record.storageKind} record gave chunks, not its wire bytes`);
  }
  return bytes;
}

function decodeKey(value: BValue, what: string): Key {
  if (!Array.isArray(value) || value.length === 0) throw new NetworkRecordCorrupt(`${what} is not a non-empty list`);
  return value.map((element: BValue) => {
    if (!(element instanceof Uint8Array)) throw new NetworkRecordCorrupt(`${what} has an element that is not a string`);
    const text = fromUtf8Strict(element);
    if (text === null) throw new NetworkRecordCorrupt(`${what} is not UTF-8`);
    return text;
  });
}

function decodeParents(value: BValue): Parents {
  if (value instanceof Uint8Array) {
    if (latin1(value) === 'nil') return null;
    throw new NetworkRecordCorrupt('parents are neither a list nor "nil"');
  }
  if (!Array.isArray(value)) throw new NetworkRecordCorrupt('parents are neither a list nor "nil"');
  return value.map((p: BValue) => decodeKey(p, 'a parent key'));
}

/** Breezy's `fulltext_network_to_record`. */
export function fulltextNetworkToRecord(_kind: string, bytes: Uint8Array, offset: number): ContentFactory[] {
  if (bytes.length - offset < 4) throw new NetworkRecordCorrupt('fulltext record is truncated');
  const metaLength = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, false);
  const metaStart = offset + 4;
  if (metaLength > bytes.length - metaStart) throw new NetworkRecordCorrupt('fulltext metadata is longer than the record');
  const meta = bdecode(bytes.subarray(metaStart, metaStart + metaLength));
  if (!Array.isArray(meta) || meta.length !== 2) throw new NetworkRecordCorrupt('fulltext metadata is not [key, parents]');
  const key = decodeKey(meta[0] as BValue, 'the key');
  const parents = decodeParents(meta[1] as BValue);
  return [new FulltextContentFactory(key, parents, null, bytes.subarray(metaStart + metaLength))];
}

/** Which decoder handles each wire kind. */
export class NetworkKindRegistry {
  readonly #decoders = new Map<string, NetworkKindDecoder>();

  register(kind: string, decode: NetworkKindDecoder): void {
    this.#decoders.set(kind, decode);
  }

  has(kind: string): boolean {
    return this.#decoders.has(kind);
  }

  kinds(): string[] {
    return [...this.#decoders.keys()];
  }

  /** The records one wire record holds. */
  decode(bytes: Uint8Array): Iterable<ContentFactory> {
    const [kind, offset] = networkBytesToKindAndOffset(bytes);
    const decode = this.#decoders.get(kind);
    if (decode === undefined) throw new NetworkRecordCorrupt(`no decoder registered for storage kind ${JSON.stringify(kind)}`);
    return decode(kind, bytes, offset);
  }
}

/** The registry backends fill (knit, groupcompress) and every decoder uses by default. */
export const defaultNetworkKinds: NetworkKindRegistry = new NetworkKindRegistry();
defaultNetworkKinds.register('fulltext', fulltextNetworkToRecord);

export function registerNetworkKind(kind: string, decode: NetworkKindDecoder): void {
  defaultNetworkKinds.register(kind, decode);
}
