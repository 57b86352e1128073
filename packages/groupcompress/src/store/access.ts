// Where blocks live: each block is the body of one unnamed record of a pack
// container, and an index value names it by that record's span (offset and
// length of header plus body), as Breezy's `_DirectPackAccess` does. As
// Breezy's write stream, `PackFileAccess` buffers container bytes (up to
// `BUFFER_BYTES`) until a read or `finish()` needs them on disk: a pack is
// only whole once finished, and one append per small block (a compat-mode
// `addLines`) costs more than compressing it.
//
// Entry points: `BlockMemo`, `GroupAccess` (the interface the store uses),
// `PackFileAccess` (one container file on a transport, written as blocks
// arrive, as Breezy's `make_pack_factory` writes `newpack`) and
// `CollectionAccess` (the packs of a repository's `PackCollection`, read only).

import { ContainerWriter, parseBytesRecord } from '@versionedfiles/pack';
import type { PackCollection } from '@versionedfiles/pack';
import { ReadOnlyError, concatBytes } from '@versionedfiles/core';
import type { Transport } from '@versionedfiles/core';
import { GroupCompressCorrupt } from '../format/errors.js';

const BUFFER_BYTES = 1 << 20;

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

/** One pack container file written through a transport. */
export class PackFileAccess implements GroupAccess {
  readonly #writer: ContainerWriter;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #writing: Promise<void> = Promise.resolve();
  #started: Promise<void> | null = null;
  #finished = false;

  /** `existing`: a complete pack already on the transport, read only. */
  constructor(
    private readonly transport: Transport,
    readonly path: string,
    options: { readonly existing?: boolean } = {},
  ) {
    this.#writer = new ContainerWriter((chunk) => {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
    });
    this.#finished = options.existing ?? false;
  }

  get writable(): boolean {
    return !this.#finished;
  }

  #take(): Uint8Array {
    const data = concatBytes(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    return data;
  }

  /** Appends what the container writer produced so far, after every earlier write (none before the file exists). */
  flush(): Promise<void> {
    const started = this.#started;
    if (started === null) return Promise.resolve();
    this.#writing = this.#writing.then(async () => {
      await started;
      if (this.#pendingBytes > 0) await this.transport.append(this.path, this.#take());
    });
    return this.#writing;
  }

  /** Creates the file with the container's format line (once). */
  #begin(): Promise<void> {
    this.#started ??= (async () => {
      this.#writer.begin();
      await this.transport.put(this.path, this.#take(), { createParentDir: true });
    })();
    return this.#started;
  }

  async addRawRecord(chunks: readonly Uint8Array[]): Promise<BlockMemo> {
    if (this.#finished) throw new ReadOnlyError(`finished pack ${this.path}`);
    await this.#begin();
    const span = this.#writer.addBytesRecord(chunks);
    if (this.#pendingBytes >= BUFFER_BYTES) await this.flush();
    return { pack: this.path, offset: span.offset, length: span.length };
  }

  async getRawRecords(memos: readonly BlockMemo[]): Promise<Uint8Array[]> {
    await this.flush();
    return readByPack(memos, async (pack, run) => {
      if (pack !== this.path) throw new GroupCompressCorrupt(`block in unknown pack ${pack}`, { source: this.path });
      const bodies: Uint8Array[] = [];
      for await (const chunk of this.transport.readv(pack, run.map((m) => [m.offset, m.length] as const))) {
        bodies.push(parseBytesRecord(chunk.data, pack).body);
      }
      return bodies;
    });
  }

  async finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    await this.#begin();
    this.#writer.end();
    await this.flush();
  }
}

/** The packs of a repository, read only; memos name packs by their pack-names name. */
export class CollectionAccess implements GroupAccess {
  readonly writable = false;

  constructor(private readonly collection: PackCollection) {}

  addRawRecord(): Promise<BlockMemo> {
    return Promise.reject(new ReadOnlyError('pack collection (read only)'));
  }

  getRawRecords(memos: readonly BlockMemo[]): Promise<Uint8Array[]> {
    return readByPack(memos, async (name, run) => {
      const pack = this.collection.pack(name);
      if (pack === undefined) throw new GroupCompressCorrupt(`pack ${name} is not in the collection`);
      return (await pack.readRecords(run)).map((r) => r.body);
    });
  }

  async finish(): Promise<void> {}
}
