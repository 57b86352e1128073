// The groupcompress stores of a format 2a repository, read through
// `@versionedfiles/pack`'s collection: texts (key length 2, with parents),
// revisions and inventories (length 1, with parents), CHK pages and
// signatures (length 1, no graph).
//
// Entry points: `openRepositoryStore(transport, kind)`; the transport is
// rooted at the repository directory (`.bzr/repository`).

import { FORMAT_2A_LAYOUT, PackCollection } from '@versionedfiles/pack';
import type { IndexKind, IndexSpec } from '@versionedfiles/pack';
import type { Transport, ZlibCodec } from '@versionedfiles/core';
import { GroupCompressCorrupt } from '../format/errors.js';
import { CollectionAccess } from './access.js';
import { ReaderGroupIndex } from './gc-index.js';
import { GroupCompressVersionedFiles } from './gc-versionedfiles.js';

export interface RepositoryStoreOptions {
  readonly zlib?: ZlibCodec;
  readonly cacheBytes?: number;
}

/** A read-only store over one kind of the repository's packs (default: `text`). */
export async function openRepositoryStore(
  transport: Transport,
  kind: IndexKind = 'text',
  options: RepositoryStoreOptions = {},
): Promise<GroupCompressVersionedFiles> {
  const collection = await PackCollection.open(transport, FORMAT_2A_LAYOUT, { lockPackNames: false });
  const spec = FORMAT_2A_LAYOUT.indices[kind] as IndexSpec;
  const graph = spec.referenceLists > 0;
  const index = new ReaderGroupIndex(collection.index(kind), graph, (entry) => {
    const pack = collection.packFor(entry.index);
    if (pack === undefined) throw new GroupCompressCorrupt('index entry from an index of no listed pack', { key: entry.key });
    return pack.name;
  });
  return new GroupCompressVersionedFiles({
    keyLength: spec.keyElements,
    graph,
    index,
    access: new CollectionAccess(collection),
    name: `2a ${kind}`,
    ...(options.zlib ? { zlib: options.zlib } : {}),
    ...(options.cacheBytes !== undefined ? { cacheBytes: options.cacheBytes } : {}),
  });
}
