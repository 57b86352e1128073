// Our backends as the bench sees them: entry points `BACKENDS` and
// `availableBackends()`. Each backend names the package and export it needs,
// and opens a fresh store in a work directory, saying how texts go in
// (`lines`: addLines one by one; `stream`: one insertRecordStream of
// fulltexts, as a fetch does) and how to finish writing. A backend whose
// package or export has not landed yet is reported absent, so the harness
// picks it up by itself when it does. The `-compat` variants write Breezy's
// exact bytes (compat mode); Breezy's side of them is its ordinary store
// (`breezyAs`), so the default mode and compat mode are both measured against it.
// `groupcompress-one-core` is the default mode without worker threads, and
// both of its sides run pinned to one CPU (`oneCore`, see bench/run.mjs).
import { HashEscapedPrefixMapper, LocalTransport, MemoryVersionedFiles, compatZlib } from '@versionedfiles/core';

const noFinish = async () => {};

/** name -> { pkg, needs, breezy (Breezy's script has the same store), breezyAs?, oneCore?, open(module, dir) } */
export const BACKENDS = {
  memory: {
    pkg: '@versionedfiles/core',
    needs: 'MemoryVersionedFiles',
    breezy: false,
    open: async () => ({ vf: new MemoryVersionedFiles({ keyLength: 2 }), insert: 'lines', finish: noFinish, storedBytes: null }),
  },
  'knit-pack': {
    pkg: '@versionedfiles/knit',
    needs: 'makePackFactory',
    breezy: true,
    async open(knit, dir) {
      const vf = await knit.makePackFactory(true, true, 2)(new LocalTransport(dir));
      return { vf, insert: 'lines', finish: () => vf.finish() };
    },
  },
  'knit-pack-compat': {
    pkg: '@versionedfiles/knit',
    needs: 'makePackFactory',
    breezy: true,
    breezyAs: 'knit-pack',
    async open(knit, dir) {
      const vf = await knit.makePackFactory(true, true, 2, { zlib: compatZlib })(new LocalTransport(dir));
      return { vf, insert: 'lines', finish: () => vf.finish() };
    },
  },
  'knit-annotated': {
    pkg: '@versionedfiles/knit',
    needs: 'makeFileFactory',
    breezy: true,
    open: async (knit, dir) => ({ vf: knit.makeFileFactory(true, new HashEscapedPrefixMapper())(new LocalTransport(dir)), insert: 'lines', finish: noFinish }),
  },
  weave: {
    pkg: '@versionedfiles/weave',
    needs: 'WeaveVersionedFiles',
    breezy: true,
    open: async (weave, dir) => ({ vf: new weave.WeaveVersionedFiles(new LocalTransport(dir), new HashEscapedPrefixMapper()), insert: 'lines', finish: noFinish }),
  },
  groupcompress: {
    pkg: '@versionedfiles/groupcompress',
    needs: 'makePackFactory',
    breezy: true,
    async open(gc, dir) {
      const vf = await gc.makePackFactory(true, true, 2)(new LocalTransport(dir));
      // The pack's B+Tree index stays in memory on both sides (stored bytes: the pack alone).
      return { vf, insert: 'stream', finish: () => vf.close() };
    },
  },
  'groupcompress-one-core': {
    pkg: '@versionedfiles/groupcompress',
    needs: 'makePackFactory',
    breezy: true,
    breezyAs: 'groupcompress',
    oneCore: true,
    async open(gc, dir) {
      const vf = await gc.makePackFactory(true, true, 2, { workers: 0 })(new LocalTransport(dir));
      return { vf, insert: 'stream', finish: () => vf.close() };
    },
  },
  'groupcompress-compat': {
    pkg: '@versionedfiles/groupcompress',
    needs: 'makePackFactory',
    breezy: true,
    breezyAs: 'groupcompress',
    async open(gc, dir) {
      const vf = await gc.makePackFactory(true, true, 2, { mode: 'compat' })(new LocalTransport(dir));
      return { vf, insert: 'stream', finish: () => vf.close() };
    },
  },
};

async function load(backend) {
  try {
    const mod = await import(backend.pkg);
    return typeof mod[backend.needs] === 'function' ? mod : null;
  } catch {
    return null;
  }
}

/** Opens a fresh store of the named backend in `dir`. */
export async function openBackend(name, dir) {
  const backend = BACKENDS[name];
  if (!backend) throw new Error(`unknown backend ${name}`);
  const mod = await load(backend);
  if (!mod) throw new Error(`backend ${name} is not available (${backend.pkg} has no ${backend.needs})`);
  return backend.open(mod, dir);
}

export async function availableBackends() {
  const out = [];
  for (const [name, backend] of Object.entries(BACKENDS)) if (await load(backend)) out.push(name);
  return out;
}
