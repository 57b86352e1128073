// @versionedfiles/conformance: the behaviour of a `VersionedFiles` as a
// reusable vitest suite. Backend authors call `describeVersionedFiles` on
// their scenarios (see docs/guides/conformance.md); the checks, arbitraries
// and reference model are exported for their own tests too.
export * from './scenario.js';
export * from './check.js';
export * from './context.js';
export * from './assert.js';
export * from './inspect.js';
export * from './fixtures.js';
export * from './arbitraries.js';
export * from './model.js';
export * from './suite.js';
export { captureStream, PRESENT_KINDS } from './checks/stream.js';
export { insertBetween, canInsertBetween } from './checks/properties.js';
