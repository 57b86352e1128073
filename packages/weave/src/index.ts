// @versionedfiles/weave: Breezy's weave v5 files, the weave store and weave merge.
export * from './format/weave-file.js';
export * from './weave.js';
export * from './merge/text-merge.js';
export * from './merge/plan-merge.js';
export * from './store/weave-file.js';
export * from './store/weave-versioned-files.js';
