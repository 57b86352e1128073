// @versionedfiles/sync: record streams between repositories — Breezy's
// smart-protocol byte stream, `syncVersionedFiles` (stacked sources included),
// and an HTTP server and client.
//
// Importing the knit and groupcompress packages registers their wire kinds
// (knit-*-gz, knit-delta-closure, groupcompress-block) in core's network
// registry, so byte streams from those stores — ours or Breezy's — decode
// without further setup. Other backends register theirs with core's
// `registerNetworkKind` (docs/guides/sync.md).
import '@versionedfiles/knit';
import '@versionedfiles/groupcompress';
export * from './byte-stream.js';
export * from './sync.js';
export * from './http-protocol.js';
export * from './http-server.js';
export * from './http-client.js';
