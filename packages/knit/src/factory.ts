// Opening knit stores the way Breezy's factories do.
//
// Entry points: `makeFileFactory(annotated, mapper, options)` (knit files: one
// `.knit` + `.kndx` per mapped prefix, Breezy's names and bytes) and
// `makePackFactory(graph, delta, keyLength, options)` (a plain knit in one pack
// container, `newpack`, indexed by an in-memory GraphIndex; `finish()` ends the
// container and writes the index beside it as `newpack.tix`). A knit pack
// deflates its records on a worker thread and writes them behind `addLines`
// (store/write-behind.ts) unless `deflateWorker: false`.

import { ConstantMapper, fastZlib } from '@versionedfiles/core';
import type { KeyMapper, Transport, ZlibCodec } from '@versionedfiles/core';
import { KnitFileAccess } from './store/file-access.js';
import { KndxIndex } from './store/kndx-index.js';
import { KnitVersionedFiles } from './store/knit-vf.js';
import { KnitPackAccess } from './store/pack-access.js';
import { KnitPackIndex } from './store/pack-index.js';
import { WriteBehind } from './store/write-behind.js';

export interface KnitFactoryOptions {
  /** Elements per key. Default: 1 for a `ConstantMapper`, else 2. */
  readonly keyLength?: number;
  /**
   * Compression for new records: `fastZlib` (default; node's zlib) or
   * `compatZlib` (Breezy's exact bytes). Breezy reads both; they differ only
   * in the compressed bytes.
   */
  readonly zlib?: ZlibCodec;
  /** Largest text accepted (default and maximum: core's `MAX_TEXT_BYTES`). */
  readonly maxTextBytes?: number;
  /** Check each text read against its record's sha1 (default true); false for trusted bulk reads. */
  readonly verifySha1?: boolean;
  /**
   * Knit packs only: deflate new records on a worker thread, written in
   * order behind `addLines` (default true; the same bytes either way). The
   * worker starts once a megabyte of records has been added.
   */
  readonly deflateWorker?: boolean;
}

/** The store options a factory's options carry over. */
function storeOptions(options: KnitFactoryOptions): { zlib?: ZlibCodec; maxTextBytes?: number; verifySha1?: boolean } {
  return {
    ...(options.zlib ? { zlib: options.zlib } : {}),
    ...(options.maxTextBytes !== undefined ? { maxTextBytes: options.maxTextBytes } : {}),
    ...(options.verifySha1 !== undefined ? { verifySha1: options.verifySha1 } : {}),
  };
}

export type KnitFactory = (transport: Transport) => KnitVersionedFiles;

/** Knit files under a transport, as Breezy's `knit.make_file_factory`. */
export function makeFileFactory(annotated: boolean, mapper: KeyMapper, options: KnitFactoryOptions = {}): KnitFactory {
  const keyLength = options.keyLength ?? (mapper instanceof ConstantMapper ? 1 : 2);
  return (transport) =>
    new KnitVersionedFiles(new KndxIndex(transport, mapper), new KnitFileAccess(transport, mapper), {
      keyLength,
      annotated,
      ...storeOptions(options),
      name: `knit files at ${transport.base}`,
    });
}

/** A knit pack store: `finish()` ends the pack and writes its index. */
export class KnitPackVersionedFiles extends KnitVersionedFiles {
  constructor(
    readonly packIndex: KnitPackIndex,
    readonly packAccess: KnitPackAccess,
    readonly transport: Transport,
    options: ConstructorParameters<typeof KnitVersionedFiles>[2],
  ) {
    const behind = options.writeBehind;
    super(behind?.index ?? packIndex, behind?.access ?? packAccess, options);
  }

  /** Writes the records still being deflated (they are readable before this too). */
  async flush(): Promise<void> {
    await this.options.writeBehind?.flush();
  }

  /** Ends the container and writes the GraphIndex; returns both files' names. */
  async finish(): Promise<{ readonly pack: string; readonly index: string }> {
    await this.options.writeBehind?.close();
    await this.packAccess.finish();
    const index = `${this.packAccess.packName}.tix`;
    await this.transport.put(index, this.packIndex.finishBytes());
    return { pack: this.packAccess.packName, index };
  }
}

export type KnitPackFactory = (transport: Transport) => Promise<KnitPackVersionedFiles>;

/**
 * A plain knit in a pack, as Breezy's `knit.make_pack_factory(graph, delta,
 * keylength)`: `graph` keeps parents, `delta` allows line deltas (and needs
 * `graph`); records go to the container `newpack` as they are added.
 */
export function makePackFactory(graph: boolean, delta: boolean, keyLength: number, options: KnitFactoryOptions = {}): KnitPackFactory {
  if (delta && !graph) throw new RangeError('a knit pack cannot keep deltas without a graph');
  return async (transport) => {
    const access = new KnitPackAccess(transport, 'newpack');
    await access.begin();
    const index = new KnitPackIndex({ graph, deltas: delta }, keyLength, 'newpack');
    const writeBehind = options.deflateWorker === false ? null : WriteBehind.forPack(index, access, options.zlib ?? fastZlib);
    return new KnitPackVersionedFiles(index, access, transport, {
      keyLength,
      annotated: false,
      maxDeltaChain: delta ? 200 : 0,
      ...storeOptions(options),
      ...(writeBehind === null ? {} : { writeBehind }),
      name: `knit pack at ${transport.base}`,
    });
  };
}

/** Opens a finished knit pack (`<name>` and `<name>.tix`, as `finish()` or Breezy wrote them), read only. */
export async function openKnitPack(transport: Transport, packName = 'newpack', options: KnitFactoryOptions = {}): Promise<KnitPackVersionedFiles> {
  const index = KnitPackIndex.fromGraphIndex(await transport.get(`${packName}.tix`), packName);
  const access = new KnitPackAccess(transport, packName, true);
  return new KnitPackVersionedFiles(index, access, transport, {
    keyLength: index.keyLength,
    annotated: false,
    maxDeltaChain: index.shape.deltas ? 200 : 0,
    ...storeOptions(options),
    name: `knit pack ${packName} at ${transport.base}`,
  });
}
