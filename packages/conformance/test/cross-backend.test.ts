// Records flow between every pair of backends of this repository: random
// histories added to one store, streamed into a store of another backend
// (same key length, both with or both without a graph), arrive with the same
// texts, parents and sha1s, and the target passes its check.
import { ConstantMapper, HashEscapedPrefixMapper, MemoryTransport, MemoryVersionedFiles, PrefixMapper } from '@versionedfiles/core';
import { makeFileFactory, makePackFactory as makeKnitPackFactory } from '@versionedfiles/knit';
import { makePackFactory as makeGroupCompressFactory } from '@versionedfiles/groupcompress';
import { WeaveVersionedFiles } from '@versionedfiles/weave';
import { defineScenario, describeInsertBetween } from '@versionedfiles/conformance';
import type { Capabilities, OpenedStore, Scenario } from '@versionedfiles/conformance';

/** Few runs per pair: there are dozens of pairs, and each backend runs the full suite on its own. */
const numRuns = 6;

function scenario(name: string, keyLength: 1 | 2, capabilities: Partial<Capabilities>, create: () => Promise<OpenedStore>): Scenario {
  return defineScenario({ name, keyLength, capabilities, create, numRuns });
}

const scenarios: Scenario[] = [];
for (const keyLength of [1, 2] as const) {
  scenarios.push(
    scenario(`memory-k${keyLength}`, keyLength, {}, async () => ({ vf: new MemoryVersionedFiles({ keyLength }) })),
    scenario(`memory-nograph-k${keyLength}`, keyLength, { graph: false }, async () => ({ vf: new MemoryVersionedFiles({ keyLength, graph: false }) })),
    scenario(`weave-k${keyLength}`, keyLength, { ghosts: false }, async () => ({
      vf: new WeaveVersionedFiles(new MemoryTransport(), keyLength === 1 ? new ConstantMapper('inventory') : new PrefixMapper(), { keyLength }),
    })),
    scenario(`knit-k${keyLength}`, keyLength, { deltaClosure: true, annotated: keyLength === 2 }, async () => ({
      vf: makeFileFactory(keyLength === 2, keyLength === 1 ? new ConstantMapper('revisions') : new HashEscapedPrefixMapper(), { keyLength })(
        new MemoryTransport(),
      ),
    })),
    scenario(`knit-pack-k${keyLength}`, keyLength, { deltaClosure: true, partialInsertion: true }, async () => {
      const vf = await makeKnitPackFactory(true, true, keyLength)(new MemoryTransport());
      return { vf, cleanup: async () => void (await vf.finish()) };
    }),
    scenario(`groupcompress-k${keyLength}`, keyLength, {}, async () => {
      const vf = makeGroupCompressFactory(true, true, keyLength)(new MemoryTransport());
      return { vf, cleanup: () => vf.close() };
    }),
    scenario(`groupcompress-nograph-k${keyLength}`, keyLength, { graph: false }, async () => {
      const vf = makeGroupCompressFactory(false, true, keyLength)(new MemoryTransport());
      return { vf, cleanup: () => vf.close() };
    }),
  );
}

describeInsertBetween(scenarios);
