// Opening knit stores the way Breezy's factories do.
//
// Entry points: `makeFileFactory(annotated, mapper, options)` (knit files: one
// `.knit` + `.kndx` per mapped prefix, Breezy's names and bytes).

import { ConstantMapper } from '@versionedfiles/core';
import type { KeyMapper, Transport, ZlibCodec } from '@versionedfiles/core';
import { KnitFileAccess } from './store/file-access.js';
import { KndxIndex } from './store/kndx-index.js';
import { KnitVersionedFiles } from './store/knit-vf.js';

export interface KnitFactoryOptions {
  /** Elements per key. Default: 1 for a `ConstantMapper`, else 2. */
  readonly keyLength?: number;
  /** `compatZlib` (default, Breezy's bytes) or `fastZlib`. */
  readonly zlib?: ZlibCodec;
}

export type KnitFactory = (transport: Transport) => KnitVersionedFiles;

/** Knit files under a transport, as Breezy's `knit.make_file_factory`. */
export function makeFileFactory(annotated: boolean, mapper: KeyMapper, options: KnitFactoryOptions = {}): KnitFactory {
  const keyLength = options.keyLength ?? (mapper instanceof ConstantMapper ? 1 : 2);
  return (transport) =>
    new KnitVersionedFiles(new KndxIndex(transport, mapper), new KnitFileAccess(transport, mapper), {
      keyLength,
      annotated,
      ...(options.zlib ? { zlib: options.zlib } : {}),
      name: `knit files at ${transport.base}`,
    });
}
