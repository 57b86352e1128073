// @versionedfiles/weave: the public surface.
export {};
