// The conformance suite on every knit-file scenario of Breezy's matrix:
// annotated and plain, key length 1 (named knit) and 2 (escaped and plain prefix mappers).
import { ConstantMapper, HashEscapedPrefixMapper, MemoryTransport, PrefixMapper } from '@versionedfiles/core';
import type { KeyMapper } from '@versionedfiles/core';
import { defineCheck, describeInsertBetween, describeVersionedFiles, expectEqual, needs, scenarioMatrix } from '@versionedfiles/conformance';
import type { CheckTable } from '@versionedfiles/conformance';
import { makeFileFactory, makePackFactory } from '../src/index.js';

interface FileOptions {
  readonly annotated: boolean;
  readonly mapper: () => KeyMapper;
}

const fileScenarios = scenarioMatrix<FileOptions>(
  'knit',
  [
    { name: 'named-knit', keyLength: 1, options: { annotated: false, mapper: () => new ConstantMapper('revisions') } },
    {
      name: 'named-annotated-knit',
      keyLength: 1,
      capabilities: { annotated: true },
      options: { annotated: true, mapper: () => new ConstantMapper('revisions') },
    },
    {
      name: 'annotated-knit-escape',
      keyLength: 2,
      capabilities: { annotated: true },
      options: { annotated: true, mapper: () => new HashEscapedPrefixMapper() },
    },
    { name: 'plain-knit-prefix', keyLength: 2, options: { annotated: false, mapper: () => new PrefixMapper() } },
  ],
  async (options, row) => {
    const transport = new MemoryTransport();
    const open = () => makeFileFactory(options.annotated, options.mapper(), { keyLength: row.keyLength })(transport);
    return { vf: open(), reopen: async () => open() };
  },
  { capabilities: { deltaClosure: true } },
);

const te = new TextEncoder();

/**
 * Annotated knits answer `annotate` from the annotations stored at add time,
 * and Breezy stores them from parents in the same store only: a line that came
 * from a fallback is credited to the child (checked against Breezy 3.3.2). The
 * annotator still computes the annotation across the chain.
 */
const annotatedOverrides: CheckTable = {
  'ancestry, annotation and adds see through fallbacks': defineCheck(async (ctx) => {
    const f = await ctx.store('files');
    const g = await ctx.store('fallback');
    const [a, b, c] = [ctx.key('a'), ctx.key('b'), ctx.key('c')];
    const lines = (...ls: string[]) => ls.map((l) => te.encode(l));
    await g.addLines(a, [], lines('a\n'));
    f.addFallbackVersionedFiles(g);
    await f.addLines(b, [a], lines('a\n', 'b\n'));
    await f.addLines(c, [a, b], lines('a\n', 'b\n', 'c\n'));
    expectEqual((await f.getKnownGraphAncestry([c])).topoSort(), [a, b, c], 'known graph across the chain');
    expectEqual(await f.annotate(c), [[b, te.encode('a\n')], [b, te.encode('b\n')], [c, te.encode('c\n')]], 'stored annotations');
    const computed = await f.getAnnotator().annotateFlat(c);
    expectEqual(computed, [[a, te.encode('a\n')], [b, te.encode('b\n')], [c, te.encode('c\n')]], 'computed annotations');
    expectEqual((await f.keys()).size, 2, 'the child went to the top store');
  }, needs.graphFallbacksAndGhosts),
};

for (const scenario of fileScenarios) {
  describeVersionedFiles(scenario, scenario.capabilities.annotated ? annotatedOverrides : {});
}

interface PackOptions {
  readonly graph: boolean;
  readonly delta: boolean;
}

const packScenarios = scenarioMatrix<PackOptions>(
  'knit-pack',
  [
    { name: 'named-nograph-nodelta-knit-pack', keyLength: 1, capabilities: { graph: false }, options: { graph: false, delta: false } },
    { name: 'named-graph-knit-pack', keyLength: 1, capabilities: { partialInsertion: true }, options: { graph: true, delta: true } },
    { name: 'named-graph-nodelta-knit-pack', keyLength: 1, options: { graph: true, delta: false } },
    { name: 'plain-knit-pack', keyLength: 2, capabilities: { partialInsertion: true }, options: { graph: true, delta: true } },
  ],
  async (options, row) => {
    const vf = await makePackFactory(options.graph, options.delta, row.keyLength)(new MemoryTransport());
    return { vf, cleanup: async () => void (await vf.finish()) };
  },
  { capabilities: { deltaClosure: true } },
);

for (const scenario of packScenarios) describeVersionedFiles(scenario);

describeInsertBetween([...fileScenarios, ...packScenarios]);
