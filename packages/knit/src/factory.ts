// Opening knit stores the way Breezy's factories do.
//
// Entry points: `makeFileFactory(annotated, mapper, options)` (knit files: one
// `.knit` + `.kndx` per mapped prefix, Breezy's names and bytes) and
// `makePackFactory(graph, delta, keyLength, options)` (a plain knit in one pack
// container, `newpack`, indexed by an in-memory GraphIndex; `finish()` ends the
// container and writes the index beside it as `newpack.tix`).

import { ConstantMapper } from '@versionedfiles/core';
import type { KeyMapper, Transport, ZlibCodec } from '@versionedfiles/core';
import { KnitFileAccess } from './store/file-access.js';
import { KndxIndex } from './store/kndx-index.js';
import { KnitVersionedFiles } from './store/knit-vf.js';
import { KnitPackAccess } from './store/pack-access.js';
import { KnitPackIndex } from './store/pack-index.js';

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
    super(packIndex, packAccess, options);
  }

  /** Ends the container and writes the GraphIndex; returns both files' names. */
  async finish(): Promise<{ readonly pack: string; readonly index: string }> {
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
    return new KnitPackVersionedFiles(index, access, transport, {
      keyLength,
      annotated: false,
      maxDeltaChain: delta ? 200 : 0,
      ...storeOptions(options),
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
