// The conformance suite on the groupcompress scenarios of Breezy's matrix:
// graph and nograph, key length 1 and 2, in default (buffered) mode, and
// compat mode (one group per add, as Breezy) for the graph stores; and
// default mode with tiny groups, so that the suite's small texts go through
// many batches and open groups of "large" texts.
import { MemoryTransport } from '@versionedfiles/core';
import { describeVersionedFiles, scenarioMatrix } from '@versionedfiles/conformance';
import { makePackFactory } from '@versionedfiles/groupcompress';
import type { GroupCompressMode } from '@versionedfiles/groupcompress';

interface Options {
  readonly graph: boolean;
  readonly mode: GroupCompressMode;
  readonly tiny?: boolean;
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
    { name: 'tiny-groups-k1', keyLength: 1, options: { graph: true, mode: 'default', tiny: true } },
    { name: 'tiny-groups-k2', keyLength: 2, options: { graph: true, mode: 'default', tiny: true } },
  ],
  async (options, row) => {
    const sizes = options.tiny ? { groupBytes: 32, largeTextBytes: 12, workers: 0 } : {};
    const vf = makePackFactory(options.graph, true, row.keyLength, { mode: options.mode, ...sizes })(new MemoryTransport());
    return { vf, cleanup: () => vf.close() };
  },
);

for (const scenario of scenarios) describeVersionedFiles(scenario);
