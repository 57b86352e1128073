// Where blocks live: each block is the body of one unnamed record of a pack
// container, and an index value names it by that record's span (offset and
// length of header plus body), as Breezy's `_DirectPackAccess` does.
// `PackFileAccess` writes through `@versionedfiles/pack`'s `PackFileWriter`,
// which buffers container bytes until a read or `finish()` needs them on
// disk: a pack is only whole once finished, and one append per small block
// (a compat-mode `addLines`) costs more than compressing it.
//
// Entry points: `BlockMemo`, `GroupAccess` (the interface the store uses),
// `PackFileAccess` (one container file on a transport, written as blocks
// arrive, as Breezy's `make_pack_factory` writes `newpack`) and
// `CollectionAccess` (the packs of a repository's `PackCollection`, and a
// `NewPack` being written to it).

import { PackFileWriter, readContainerRecords } from '@versionedfiles/pack';
import type { NewPack, PackCollection } from '@versionedfiles/pack';
import { ReadOnlyError } from '@versionedfiles/core';
import type { Transport } from '@versionedfiles/core';
import { GroupCompressCorrupt } from '../format/errors.js';


/** A block's place: the pack (file or pack name) and its container record's span. */
export interface BlockMemo {
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
}

export interface GroupAccess {
  /** False once finished, or for read-only packs: no block can be added. */
  readonly writable: boolean;
  /** Appends a block; returns where it went. */
  addRawRecord(chunks: readonly Uint8Array[]): Promise<BlockMemo>;
  /** The blocks' bytes (record bodies), in the order asked. */
  getRawRecords(memos: readonly BlockMemo[]): Promise<Uint8Array[]>;
  /** Ends the container (no block can be added afterwards). */
  finish(): Promise<void>;
  /** Puts the blocks added so far on disk, when the access buffers them. */
  flush?(): Promise<void>;
}

/** Reads runs of consecutive memos of one pack with one call each, keeping the order. */
async function readByPack(
  memos: readonly BlockMemo[],
  read: (pack: string, run: readonly BlockMemo[]) => Promise<Uint8Array[]>,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < memos.length) {
    const pack = (memos[i] as BlockMemo).pack;
    let j = i;
    while (j < memos.length && (memos[j] as BlockMemo).pack === pack) j++;
    out.push(...(await read(pack, memos.slice(i, j))));
    i = j;
  }
  return out;
}

/** One pack container file written through a transport (created with the first block, or by `finish()`). */
export class PackFileAccess implements GroupAccess {
  /** The file being written, from the first block on; null before, and for an existing pack. */
  #file: PackFileWriter | null = null;
  readonly #existing: boolean;

  /** `existing`: a complete pack already on the transport, read only. */
  constructor(
    private readonly transport: Transport,
    readonly path: string,
    options: { readonly existing?: boolean } = {},
  ) {
    this.#existing = options.existing ?? false;
  }

  get writable(): boolean {
    return !this.#existing && (this.#file === null || this.#file.state === 'open');
  }

  #writer(): PackFileWriter {
    this.#file ??= new PackFileWriter(this.transport, this.path);
    return this.#file;
  }

  /** Appends the blocks added so far to the file. */
  async flush(): Promise<void> {
    await this.#file?.flush();
  }

  async addRawRecord(chunks: readonly Uint8Array[]): Promise<BlockMemo> {
    if (!this.writable) throw new ReadOnlyError(`finished pack ${this.path}`);
    const span = this.#writer().addRecord(chunks);
    return { pack: this.path, offset: span.offset, length: span.length };
  }

  async getRawRecords(memos: readonly BlockMemo[]): Promise<Uint8Array[]> {
    await this.flush();
    return readByPack(memos, async (pack, run) => {
      if (pack !== this.path) throw new GroupCompressCorrupt(`block in unknown pack ${pack}`, { source: this.path });
      return (await readContainerRecords(this.transport, pack, run)).map((r) => r.body);
    });
  }

  async finish(): Promise<void> {
    if (this.#existing) return;
    await this.#writer().finish();
  }
}

/**
 * The packs of a repository; memos name packs by their pack-names name. With
 * a `NewPack`, blocks are added to it (memos name it by its upload name) and
 * read back from it until it is finished; committing it to the collection is
 * the caller's (`collection.addPacks`).
 */
export class CollectionAccess implements GroupAccess {
  constructor(
    private readonly collection: PackCollection,
    private readonly newPack: NewPack | null = null,
  ) {}

  get writable(): boolean {
    return this.newPack !== null && this.newPack.state === 'open';
  }

  async addRawRecord(chunks: readonly Uint8Array[]): Promise<BlockMemo> {
    if (this.newPack === null || !this.writable) throw new ReadOnlyError('pack collection (read only)');
    const span = this.newPack.addRecord(chunks);
    return { pack: this.newPack.uploadName, offset: span.offset, length: span.length };
  }

  getRawRecords(memos: readonly BlockMemo[]): Promise<Uint8Array[]> {
    return readByPack(memos, async (name, run) => {
      const pack = name === this.newPack?.uploadName ? this.newPack : this.collection.pack(name);
      if (pack === undefined) throw new GroupCompressCorrupt(`pack ${name} is not in the collection`);
      return (await pack.readRecords(run)).map((r) => r.body);
    });
  }

  async flush(): Promise<void> {
    await this.newPack?.flush();
  }

  async finish(): Promise<void> {}
}
