// @versionedfiles/groupcompress: Breezy's groupcompress format — blocks of
// zlib-compressed texts, each a fulltext or a copy/insert delta against what
// precedes it in its block, and the stores built on them.
export * from './format/errors.js';
export * from './format/delta.js';
export * from './format/delta-index.js';
export * from './format/block.js';
export * from './format/wire.js';
export * from './compressor.js';
export * from './store/access.js';
export * from './store/gc-index.js';
export * from './store/content-manager.js';
export * from './store/writer.js';
export * from './store/batch-writer.js';
export * from './store/parallel-compress.js';
export * from './store/gc-versionedfiles.js';
export * from './store/repository.js';
