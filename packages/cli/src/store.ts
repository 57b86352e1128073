// Opening stores by directory: the one place the `vf` command (and the demo and
// snapshot tool) turns a path into a `VersionedFiles`.
//
// Entry points: `initStore(dir, {format, keyLength})`, `openStore(dir, {write})`
// (both give a `StoreHandle`: the store, its transport, and `close()`), the
// format list `FORMATS`, `DEFAULT_FORMAT`, and `MARKER_FILE`.
//
// A store directory holds a marker file, `vf-store.json`
// (`{"vf": 1, "format": "knit", "keyLength": 1}`), the write lock `lock/`, and
// the backend's own files in `data/`, named as Breezy names them:
//   knit        knit files: `texts.knit` + `texts.kndx` (key length 1), or one
//               pair per key prefix (key length 2) under a hash directory, as
//               Breezy's `HashEscapedPrefixMapper` names a repository's texts
//   weave       weave files: `texts.weave`, or one per key prefix, likewise
//   knit-pack   one knit pack container `pack-N` with its GraphIndex `pack-N.tix`,
//               named by the file `pack-name`
//   groupcompress  likewise, groupcompress blocks in `pack-N` and a B+Tree
//               index `pack-N.tix` (the default format)
// A finished pack cannot grow, so a writable pack store copies the current
// pack into `pack-N+1` (reusing its records as they are) and, on `close()`,
// switches `pack-name` to it (see `openPackBackend`). A reader takes no lock;
// it follows `pack-name` when the pack it read is deleted (`ReloadingVersionedFiles`).

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
import { KnitPackAccess, KnitPackIndex, KnitPackVersionedFiles, makeFileFactory, openKnitPack } from '@versionedfiles/knit';
import { WeaveVersionedFiles } from '@versionedfiles/weave';
import { GroupCompressVersionedFiles, MemoryGroupIndex, PackFileAccess, openPackFile } from '@versionedfiles/groupcompress';
import { MAX_RELOADS, ReloadingVersionedFiles } from './reloading.js';

export const MARKER_FILE = 'vf-store.json';
export const LOCK_NAME = 'lock';
/** The backend's files live here, apart from the marker and the lock (a prefix-mapped store lists its directory). */
export const DATA_DIR = 'data';

export const FORMATS = ['groupcompress', 'knit', 'knit-pack', 'weave'] as const;
export type StoreFormat = (typeof FORMATS)[number];
/** What `vf init` makes with no `--format`: a groupcompress pack, Breezy 2a's storage. */
export const DEFAULT_FORMAT: StoreFormat = 'groupcompress';

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

const PACK_NAME_FILE = 'pack-name';

/** Creates a store in `dir` (made if missing; refused if it already holds one). */
export async function initStore(dir: string, info: StoreInfo): Promise<StoreHandle> {
  if (info.keyLength < 1 || info.keyLength > 2) throw new RangeError('key length must be 1 or 2');
  await mkdir(dir, { recursive: true });
  const transport = new LocalTransport(dir);
  const marker = JSON.stringify({ vf: 1, format: info.format, keyLength: info.keyLength, ...(info.compression === 'fast' ? { compression: 'fast' } : {}) });
  if (await transport.exists(MARKER_FILE)) throw new FileExists(`${dir}/${MARKER_FILE}`);
  await transport.mkdir(DATA_DIR);
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
      return openPackBackend(transport, knitPackKind(info), write);
    case 'groupcompress':
      return openPackBackend(transport, groupcompressKind(info), write);
  }
}

/** How one pack format opens a finished pack, starts a new one, and ends it (writing its index). */
interface PackKind<V extends VersionedFiles> {
  openFinished(transport: Transport, name: string): Promise<V>;
  /** An empty store with no pack (read only). */
  empty(transport: Transport): V;
  create(transport: Transport, name: string): Promise<V>;
  finish(vf: V, transport: Transport, name: string): Promise<void>;
  /** The order that copies an old pack into a new one best. */
  readonly copyOrder: 'topological' | 'groupcompress';
}

/**
 * A store kept as one finished pack named by `pack-name`. Writing copies the
 * current pack into `pack-N+1` and, on `finish`, switches `pack-name` to it (one
 * atomic put) before deleting the old pair; a crash before the switch leaves
 * the old pack in place and the new one is dropped on the next open.
 */
async function openPackBackend<V extends VersionedFiles>(transport: Transport, kind: PackKind<V>, write: boolean): Promise<Backend> {
  if (!write) {
    // No lock: a writer may switch `pack-name` and delete the pack under us at any time.
    const reopen = () => openCurrentPack(transport, kind);
    return { vf: new ReloadingVersionedFiles(await reopen(), reopen), finish: async () => {} };
  }
  const current = await readPackName(transport);
  const old = current === null ? null : await kind.openFinished(transport, current);
  const name = `pack-${current === null ? 1 : Number(current.slice(5)) + 1}`;
  for (const leftover of [name, `${name}.tix`]) if (await transport.exists(leftover)) await transport.delete(leftover);
  const fresh = await kind.create(transport, name);
  if (old) {
    const keys = [...(await old.keys())];
    await fresh.insertRecordStream(old.getRecordStream(keys, kind.copyOrder, false));
  }
  return {
    vf: fresh,
    finish: async () => {
      await kind.finish(fresh, transport, name);
      await transport.put(PACK_NAME_FILE, utf8(`${name}\n`));
      if (current !== null) for (const file of [current, `${current}.tix`]) await transport.delete(file);
    },
  };
}

async function readPackName(transport: Transport): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    bytes = await transport.get(PACK_NAME_FILE);
  } catch (err) {
    if (err instanceof NoSuchFile) return null;
    throw err;
  }
  const name = fromUtf8(bytes).trim();
  if (!/^pack-[0-9]+$/.test(name)) throw new UnsupportedFormat('pack store', `${transport.base}/${PACK_NAME_FILE} names no pack`);
  return name;
}

/** The pack `pack-name` names now, opened; if a writer deletes it while we open it, the next one (bounded). */
async function openCurrentPack<V extends VersionedFiles>(transport: Transport, kind: PackKind<V>): Promise<{ vf: V; name: string | null }> {
  for (let attempt = 0; ; attempt++) {
    const name = await readPackName(transport);
    if (name === null) return { vf: kind.empty(transport), name };
    try {
      return { vf: await kind.openFinished(transport, name), name };
    } catch (err) {
      if (!(err instanceof NoSuchFile) || attempt >= MAX_RELOADS || (await readPackName(transport)) === name) throw err;
    }
  }
}

function knitPackKind(info: StoreInfo): PackKind<KnitPackVersionedFiles> {
  return {
    openFinished: (transport, name) => openKnitPack(transport, name, { zlib: zlibFor(info) }),
    empty: (transport) => emptyKnitPack(transport, info, 'pack-0', true),
    async create(transport, name) {
      const vf = emptyKnitPack(transport, info, name, false);
      await vf.packAccess.begin();
      return vf;
    },
    async finish(vf) {
      await vf.finish();
    },
    copyOrder: 'topological',
  };
}

function groupcompressKind(info: StoreInfo): PackKind<GroupCompressVersionedFiles> {
  const zlib = zlibFor(info);
  const store = (transport: Transport, name: string, existing: boolean): GroupCompressVersionedFiles =>
    new GroupCompressVersionedFiles({
      keyLength: info.keyLength,
      index: new MemoryGroupIndex(true, info.keyLength),
      access: new PackFileAccess(transport, name, { existing }),
      zlib,
      name: `groupcompress pack at ${transport.base}`,
    });
  return {
    openFinished: (transport, name) => openPackFile(transport, { pack: name, index: `${name}.tix`, zlib }),
    empty: (transport) => store(transport, 'pack-0', true),
    create: async (transport, name) => store(transport, name, false),
    async finish(vf, transport, name) {
      await vf.close();
      await transport.put(`${name}.tix`, (vf.index as MemoryGroupIndex).builder.finish());
    },
    copyOrder: 'groupcompress',
  };
}

function emptyKnitPack(transport: Transport, info: StoreInfo, name: string, finished: boolean): KnitPackVersionedFiles {
  const keyLength = info.keyLength;
  return new KnitPackVersionedFiles(new KnitPackIndex({ graph: true, deltas: true }, keyLength, name), new KnitPackAccess(transport, name, finished), transport, {
    keyLength,
    annotated: false,
    maxDeltaChain: 200,
    zlib: zlibFor(info),
    name: `knit pack at ${transport.base}`,
  });
}
