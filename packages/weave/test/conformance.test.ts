// The conformance suite on Breezy's two weave scenarios (per_versionedfile's
// `weave-named` and `weave-prefix`): one weave file for key length 1, one per
// file id for key length 2, on a memory transport. Weaves cannot hold ghosts.
import { ConstantMapper, MemoryTransport, PrefixMapper, type KeyMapper } from '@versionedfiles/core';
import { describeVersionedFiles, scenarioMatrix } from '@versionedfiles/conformance';
import { WeaveVersionedFiles } from '@versionedfiles/weave';

export const weaveScenarios = scenarioMatrix<{ mapper: () => KeyMapper }>(
  'weave',
  [
    { name: 'named-len1', keyLength: 1, options: { mapper: () => new ConstantMapper('inventory') } },
    { name: 'prefix-len2', keyLength: 2, options: { mapper: () => new PrefixMapper() } },
  ],
  async (options, row, label) => {
    const transport = new MemoryTransport();
    const open = (): WeaveVersionedFiles =>
      new WeaveVersionedFiles(transport, options.mapper(), { keyLength: row.keyLength, name: label });
    return { vf: open(), reopen: async () => open() };
  },
  // Reads see through fallbacks; a child naming a parent held only in a
  // fallback is refused (a weave holds no ghosts), which the suite knows.
  { capabilities: { ghosts: false } },
);

for (const scenario of weaveScenarios) describeVersionedFiles(scenario);
