// @versionedfiles/groupcompress: the public surface.
export {};
