// @versionedfiles/knit: the public surface.
export {};
