// @versionedfiles/knit: Breezy's knit format, as pure codecs (`format/`), knit
// stores (`makeFileFactory` for knit files, `makePackFactory`/`openKnitPack`
// for knit packs, both `KnitVersionedFiles`) and the knit record kinds of
// record streams (`records.ts`; their adapters and wire decoders register
// themselves in core's registries when this package loads).
export * from './format/index.js';
export * from './records.js';
export * from './store/types.js';
export { KnitVersionedFiles, type KnitStoreOptions } from './store/knit-vf.js';
export { KndxIndex } from './store/kndx-index.js';
export { KnitFileAccess } from './store/file-access.js';
export { KnitPackIndex } from './store/pack-index.js';
export { KnitPackAccess } from './store/pack-access.js';
export { WriteBehind } from './store/write-behind.js';
export { RecordDeflater, type RecordDeflaterOptions } from './store/record-deflater.js';
export * from './store/locked.js';
export * from './factory.js';
