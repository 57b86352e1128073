// @versionedfiles/weave: Breezy's weave v5 files, the weave stores and weave merge.
//
// Layers, bottom up:
//   format/weave-file  parseWeave / serializeWeave: the `.weave` bytes (pure, synchronous)
//   weave              Weave: the in-memory structure (add, extract, annotate, plan merge, check)
//   store/weave-file   WeaveFile: one weave on a transport (Breezy's VersionedFile API)
//   store/weave-versioned-files
//                      WeaveVersionedFiles: the keyed store over a key mapper
//   merge/text-merge   weaveMerge: a plan turned into merged lines with conflict markers
//   merge/plan-merge   PlanMergeVersionedFiles: plans for texts outside one weave
export * from './format/weave-file.js';
export * from './weave.js';
export * from './merge/text-merge.js';
export * from './merge/plan-merge.js';
export * from './store/weave-file.js';
export * from './store/weave-versioned-files.js';
export * from './store/locked.js';
