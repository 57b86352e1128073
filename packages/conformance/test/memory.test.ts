// The conformance suite on the in-memory reference backend: key length 1 and
// 2, with and without a graph, and a store that refuses ghosts (as a weave).
import { MemoryVersionedFiles } from '@versionedfiles/core';
import type { MemoryVersionedFilesOptions } from '@versionedfiles/core';
import { describeInsertBetween, describeVersionedFiles, scenarioMatrix } from '@versionedfiles/conformance';

type Options = Omit<MemoryVersionedFilesOptions, 'keyLength'>;

export const memoryScenarios = scenarioMatrix<Options>(
  'memory',
  [
    { name: 'graph-len1', keyLength: 1, options: {} },
    { name: 'nograph-len1', keyLength: 1, capabilities: { graph: false, ghosts: false }, options: { graph: false } },
    { name: 'graph-len2', keyLength: 2, options: {} },
    { name: 'nograph-len2', keyLength: 2, capabilities: { graph: false, ghosts: false }, options: { graph: false } },
    { name: 'noghosts-len1', keyLength: 1, capabilities: { ghosts: false }, options: { ghosts: false } },
  ],
  async (options, row, label) => ({ vf: new MemoryVersionedFiles({ keyLength: row.keyLength, name: label, ...options }) }),
);

for (const scenario of memoryScenarios) describeVersionedFiles(scenario);
describeInsertBetween(memoryScenarios);
