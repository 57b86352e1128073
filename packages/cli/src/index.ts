// @versionedfiles/cli: the `vf` command (`bin.js`), and the pieces other tools
// may reuse: `main` (run vf in-process), the store-opening layer and the
// snapshot library.
export * from './main.js';
export * from './store.js';
export * from './reloading.js';
export * from './errors.js';
export * from './snapshot/repo.js';
export * from './snapshot/manifest.js';
