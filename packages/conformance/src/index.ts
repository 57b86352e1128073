// @versionedfiles/conformance: the public surface.
export {};
