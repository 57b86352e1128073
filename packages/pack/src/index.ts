// @versionedfiles/pack: the public surface.
export {};
