// @versionedfiles/pack: Breezy's pack container, GraphIndex and
// BTreeGraphIndex (builders byte-identical to Breezy's, readers that bisect
// through a small range-reader interface), combined indices and pack
// collections.
export * from './errors.js';
export * from './format/container.js';
export * from './format/index-common.js';
export * from './format/graph-index.js';
export * from './format/chunk-writer.js';
export * from './format/btree.js';
export * from './io/range-reader.js';
export * from './index/block-cache.js';
export * from './index/graph-index-reader.js';
export * from './index/btree-reader.js';
export * from './index/combined.js';
export * from './format/pack-names.js';
export * from './collection/pack-collection.js';
export * from './index/memory-index.js';
export * from './index/ancestry.js';
export * from './io/pack-file-writer.js';
export * from './collection/autopack.js';
