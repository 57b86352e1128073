// The conformance suite on the groupcompress scenarios of Breezy's matrix:
// graph and nograph, key length 1 and 2, in default (buffered) mode, and
// compat mode (one group per add, as Breezy) for the graph stores.
import { MemoryTransport } from '@versionedfiles/core';
import { describeVersionedFiles, scenarioMatrix } from '@versionedfiles/conformance';
import { makePackFactory } from '@versionedfiles/groupcompress';
import type { GroupCompressMode } from '@versionedfiles/groupcompress';

interface Options {
  readonly graph: boolean;
  readonly mode: GroupCompressMode;
}

const scenarios = scenarioMatrix<Options>(
  'groupcompress',
  [
    { name: 'graph-k1', keyLength: 1, options: { graph: true, mode: 'default' } },
    { name: 'graph-k2', keyLength: 2, options: { graph: true, mode: 'default' } },
    { name: 'nograph-k1', keyLength: 1, capabilities: { graph: false }, options: { graph: false, mode: 'default' } },
    { name: 'nograph-k2', keyLength: 2, capabilities: { graph: false }, options: { graph: false, mode: 'default' } },
    { name: 'compat-graph-k1', keyLength: 1, options: { graph: true, mode: 'compat' } },
    { name: 'compat-graph-k2', keyLength: 2, options: { graph: true, mode: 'compat' } },
  ],
  async (options, row) => {
    const vf = makePackFactory(options.graph, true, row.keyLength, { mode: options.mode })(new MemoryTransport());
    return { vf, cleanup: () => vf.close() };
  },
);

for (const scenario of scenarios) describeVersionedFiles(scenario);
