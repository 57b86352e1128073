// @versionedfiles/core: the public surface. Each area's module is listed once here.
export * from './errors.js';
export * from './keys.js';
export * from './bytes.js';
export * from './codecs/sha1.js';
export * from './codecs/zlib.js';
export * from './content/factory.js';
export type * from './versionedfiles.js';
export * from './diff/patience.js';
export * from './codecs/gzip.js';
export * from './graph/errors.js';
export * from './graph/tsort.js';
export * from './graph/known-graph.js';
export * from './graph/sort-groupcompress.js';
export * from './transport/path.js';
export * from './mappers/escaping.js';
export * from './mappers/key-mapper.js';
