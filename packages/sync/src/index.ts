// @versionedfiles/sync: record streams between repositories — Breezy's
// smart-protocol byte stream, the knit kinds in core's network registry,
// stacking helpers, `syncVersionedFiles`, and an HTTP server and client.
export * from './kinds.js';
export * from './byte-stream.js';
export * from './sync.js';
export * from './http-protocol.js';
export * from './http-server.js';
export * from './http-client.js';
