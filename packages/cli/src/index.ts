// @versionedfiles/cli: the public surface.
export {};
