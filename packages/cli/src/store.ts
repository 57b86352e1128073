// Opening stores by directory: the one place the `vf` command (and the demo and
// snapshot tool) turns a path into a `VersionedFiles`.
//
// Entry points: `initStore(dir, {format, keyLength})`, `openStore(dir, {write})`
// (both give a `StoreHandle`: the store, its transport, and `close()`), the
// format list `FORMATS`, `DEFAULT_FORMAT`, `networkFormatName(format)`, and
// `MARKER_FILE`.
//
// A store directory holds a marker file, `vf-store.json`
// (`{"vf": 1, "format": "knit", "keyLength": 1}`), the write lock `lock/`, and
// the backend's own files in `data/`, named as Breezy names them:
//   knit        knit files: `texts.knit` + `texts.kndx` (key length 1), or one
//               pair per key prefix (key length 2) under a hash directory, as
//               Breezy's `HashEscapedPrefixMapper` names a repository's texts
//   weave       weave files: `texts.weave`, or one per key prefix, likewise
//   knit-pack   a pack collection as Breezy's pack repositories keep one:
//               `pack-names`, `packs/NAME.pack`, `indices/NAME.tix` (GraphIndex)
//   groupcompress  likewise, groupcompress blocks and B+Tree indices (the
//               default format)
// Each write session adds one pack, listed in `pack-names` on `close()`, and
// small packs are combined as they accumulate (see `pack-store.ts`). A reader
// takes no lock; it follows `pack-names` when a pack it read is combined away
// (`ReloadingVersionedFiles`).

import { mkdir } from 'node:fs/promises';
import {
  ConstantMapper,
  compatZlib,
  fastZlib,
  FileExists,
  LocalTransport,
  NoSuchFile,
  HashEscapedPrefixMapper,
  UnsupportedFormat,
  VersionedFilesError,
  fromUtf8,
  utf8,
  type KeyMapper,
  type Transport,
  type VersionedFiles,
  type WriteLock,
  type ZlibCodec,
} from '@versionedfiles/core';
import { makeFileFactory } from '@versionedfiles/knit';
import { FORMAT_2A, FORMAT_KNIT, FORMAT_KNITPACK, FORMAT_WEAVE } from '@versionedfiles/sync';
import { WeaveVersionedFiles } from '@versionedfiles/weave';
import { createPackStore, groupcompressPacks, knitPacks, openPackSet, openPackWriter, type PackKind } from './pack-store.js';
import { ReloadingVersionedFiles } from './reloading.js';

export const MARKER_FILE = 'vf-store.json';
export const LOCK_NAME = 'lock';
/** The backend's files live here, apart from the marker and the lock (a prefix-mapped store lists its directory). */
export const DATA_DIR = 'data';

export const FORMATS = ['groupcompress', 'knit', 'knit-pack', 'weave'] as const;
export type StoreFormat = (typeof FORMATS)[number];
/** What `vf init` makes with no `--format`: a groupcompress pack, Breezy 2a's storage. */
export const DEFAULT_FORMAT: StoreFormat = 'groupcompress';

/**
 * The Breezy repository format each store format matches, by network name:
 * it heads the store's byte streams (`vf export-stream`, `vf serve`).
 * groupcompress is 2a's storage, knit-pack pack-0.92's (GraphIndex, plain
 * knit deltas), weave format 7's. Knit files are Knit1's layout, though
 * Knit1 annotates its texts and a vf knit store does not (the records are
 * plain knit kinds, which Breezy inserts into any knit store).
 */
const NETWORK_FORMAT_NAMES: Readonly<Record<StoreFormat, string>> = {
  groupcompress: FORMAT_2A,
  'knit-pack': FORMAT_KNITPACK,
  knit: FORMAT_KNIT,
  weave: FORMAT_WEAVE,
};

export function networkFormatName(format: StoreFormat): string {
  return NETWORK_FORMAT_NAMES[format];
}

export interface StoreInfo {
  readonly format: StoreFormat;
  readonly keyLength: number;
  /**
   * `compat` (default): zlib output byte-identical to Breezy's (pako).
   * `fast`: node's zlib, several times faster to write; Breezy reads both.
   */
  readonly compression?: 'compat' | 'fast';
}

export interface StoreHandle extends StoreInfo {
  readonly dir: string;
  readonly transport: Transport;
  readonly vf: VersionedFiles;
  /** Finishes what the backend needs finished and releases the lock. Idempotent. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Take the store's write lock (released by `close()`). */
  readonly write?: boolean;
}

/** The store directory has no marker: it is not a store (yet). */
export class NotAStore extends VersionedFilesError {
  readonly code = 'NotAStore' as const;
  declare readonly data: { readonly dir: string };
  constructor(dir: string) {
    super(`${dir} is not a vf store (no ${MARKER_FILE})`, { dir });
  }
}

export function isStoreFormat(name: string): name is StoreFormat {
  return (FORMATS as readonly string[]).includes(name);
}

function parseMarker(bytes: Uint8Array, where: string): StoreInfo {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new UnsupportedFormat('vf store marker', `${where} is not JSON`);
  }
  const v = value as { vf?: unknown; format?: unknown; keyLength?: unknown; compression?: unknown } | null;
  if (v === null || typeof v !== 'object' || v.vf !== 1 || typeof v.format !== 'string' || !isStoreFormat(v.format)) {
    throw new UnsupportedFormat('vf store marker', `${where} names no known store format`);
  }
  const keyLength = v.keyLength;
  if (typeof keyLength !== 'number' || !Number.isInteger(keyLength) || keyLength < 1 || keyLength > 2) {
    throw new UnsupportedFormat('vf store marker', `${where} has a bad keyLength`);
  }
  if (v.compression !== undefined && v.compression !== 'compat' && v.compression !== 'fast') {
    throw new UnsupportedFormat('vf store marker', `${where} names an unknown compression`);
  }
  return { format: v.format, keyLength, ...(v.compression === 'fast' ? { compression: 'fast' as const } : {}) };
}

function zlibFor(info: StoreInfo): ZlibCodec {
  return info.compression === 'fast' ? fastZlib : compatZlib;
}

function mapperFor(keyLength: number): KeyMapper {
  return keyLength === 1 ? new ConstantMapper('texts') : new HashEscapedPrefixMapper();
}

/** Creates a store in `dir` (made if missing; refused if it already holds one). */
export async function initStore(dir: string, info: StoreInfo): Promise<StoreHandle> {
  if (info.keyLength < 1 || info.keyLength > 2) throw new RangeError('key length must be 1 or 2');
  await mkdir(dir, { recursive: true });
  const transport = new LocalTransport(dir);
  const marker = JSON.stringify({ vf: 1, format: info.format, keyLength: info.keyLength, ...(info.compression === 'fast' ? { compression: 'fast' } : {}) });
  if (await transport.exists(MARKER_FILE)) throw new FileExists(`${dir}/${MARKER_FILE}`);
  await transport.mkdir(DATA_DIR);
  // The marker comes last: a store that has one is whole.
  if (info.format === 'knit-pack' || info.format === 'groupcompress') await createPackStore(transport.clone(DATA_DIR), packKindFor(info));
  await transport.put(MARKER_FILE, utf8(`${marker}\n`));
  return openStore(dir, { write: true });
}

/** Reads the marker in `dir` and opens the store it names. */
export async function readStoreInfo(dir: string): Promise<StoreInfo> {
  const transport = new LocalTransport(dir);
  let bytes: Uint8Array;
  try {
    bytes = await transport.get(MARKER_FILE);
  } catch (err) {
    if (err instanceof NoSuchFile) throw new NotAStore(dir);
    throw err;
  }
  return parseMarker(bytes, `${dir}/${MARKER_FILE}`);
}

export async function openStore(dir: string, options: OpenOptions = {}): Promise<StoreHandle> {
  const info = await readStoreInfo(dir);
  const transport = new LocalTransport(dir);
  const lock: WriteLock | null = options.write ? await transport.lockWrite(LOCK_NAME) : null;
  try {
    const { vf, finish } = await openBackend(transport.clone(DATA_DIR), info, options.write ?? false);
    let closed = false;
    return {
      ...info,
      dir,
      transport,
      vf,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await finish();
        } finally {
          await lock?.release();
        }
      },
    };
  } catch (err) {
    await lock?.release();
    throw err;
  }
}

interface Backend {
  readonly vf: VersionedFiles;
  readonly finish: () => Promise<void>;
}

async function openBackend(transport: Transport, info: StoreInfo, write: boolean): Promise<Backend> {
  const nothing = async (): Promise<void> => {};
  switch (info.format) {
    case 'knit':
      return { vf: makeFileFactory(false, mapperFor(info.keyLength), { keyLength: info.keyLength, zlib: zlibFor(info) })(transport), finish: nothing };
    case 'weave':
      return { vf: new WeaveVersionedFiles(transport, mapperFor(info.keyLength), { keyLength: info.keyLength }), finish: nothing };
    case 'knit-pack':
    case 'groupcompress':
      return openPackBackend(transport, packKindFor(info), write);
  }
}

/** The pack format of a store, as `pack-store.ts` keeps it. */
function packKindFor(info: StoreInfo): PackKind {
  return info.format === 'knit-pack' ? knitPacks(info.keyLength, zlibFor(info)) : groupcompressPacks(info.keyLength, zlibFor(info));
}

/**
 * A pack store: a writer gets one write group (a new pack, listed on
 * `finish`); a reader takes no lock and follows pack-names when a pack it
 * listed is combined away under it.
 */
async function openPackBackend(transport: Transport, kind: PackKind, write: boolean): Promise<Backend> {
  // Stores of the first vf kept one pack named by `pack-name`; this layout would not see their texts.
  if (await transport.exists('pack-name')) {
    throw new UnsupportedFormat('vf pack store', `${transport.base} has the old one-pack layout (data/pack-name): copy it with the vf that made it (vf convert) into a new store`);
  }
  if (write) return openPackWriter(transport, kind);
  const reopen = () => openPackSet(transport, kind);
  return { vf: new ReloadingVersionedFiles(await reopen(), reopen), finish: async () => {} };
}
