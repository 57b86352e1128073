// Scenario helpers: defaults, validation once, the matrix, and the property budget.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryVersionedFiles } from '@versionedfiles/core';
import { CheckContext, DEFAULT_CAPABILITIES, applicableChecks, checks, defineScenario, propertyRuns, scenarioMatrix } from '@versionedfiles/conformance';

const create = async () => ({ vf: new MemoryVersionedFiles({ keyLength: 1 }) });

describe('scenarios', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('fill capabilities from the defaults and refuse bad shapes', () => {
    const s = defineScenario({ name: 's', keyLength: 1, capabilities: { graph: false }, create });
    expect(s.capabilities).toEqual({ ...DEFAULT_CAPABILITIES, graph: false });
    expect(() => defineScenario({ name: 'x', keyLength: 3 as 1, create })).toThrow(TypeError);
    expect(() => defineScenario({ name: 'x', keyLength: 1, numRuns: 0, create })).toThrow(TypeError);
  });

  it('a matrix makes one scenario per row, named after the backend', async () => {
    const opened: string[] = [];
    const rows = [
      { name: 'a', keyLength: 1 as const, options: { graph: true } },
      { name: 'b', keyLength: 2 as const, capabilities: { graph: false }, options: { graph: false } },
    ];
    const scenarios = scenarioMatrix('mem', rows, async (options, row, label) => {
      opened.push(`${row.name}:${label}`);
      return { vf: new MemoryVersionedFiles({ keyLength: row.keyLength, ...options }) };
    }, { numRuns: 3 });
    expect(scenarios.map((s) => [s.name, s.keyLength, s.capabilities.graph, s.numRuns])).toEqual([
      ['mem:a', 1, true, 3],
      ['mem:b', 2, false, 3],
    ]);
    const vf = await scenarios[1]?.create('x');
    expect(vf?.vf.keyLength).toBe(2);
    expect(opened).toEqual(['b:x']);
  });

  it('property runs: the scenario, else VF_CONFORMANCE_RUNS, else 15', () => {
    expect(propertyRuns({ numRuns: 4 })).toBe(4);
    vi.stubEnv('VF_CONFORMANCE_RUNS', '42');
    expect(propertyRuns({})).toBe(42);
    expect(propertyRuns({ numRuns: 4 })).toBe(4);
    vi.stubEnv('VF_CONFORMANCE_RUNS', 'lots');
    expect(propertyRuns()).toBe(15);
  });

  it('checks that cannot apply are not registered', () => {
    const nograph = defineScenario({ name: 'n', keyLength: 1, capabilities: { graph: false, fallbacks: false }, create });
    const names = applicableChecks(nograph).map(([name]) => name);
    expect(names).not.toContain('getKnownGraphAncestry covers the ancestry');
    expect(names).not.toContain('lookups cascade through the chain in order');
    expect(names).toContain('addLines stores texts that read back as fulltexts');
    expect(names.length).toBeLessThan(Object.keys(checks).length);
  });

  it('a context closes every store it opened, even when cleanup fails', async () => {
    const closed: string[] = [];
    const s = defineScenario({
      name: 'c',
      keyLength: 2,
      create: async (label) => ({
        vf: new MemoryVersionedFiles({ keyLength: 2 }),
        cleanup: () => {
          closed.push(label);
          if (label.startsWith('bad')) throw new Error('boom');
        },
      }),
    });
    const ctx = new CheckContext(s);
    await ctx.store('one');
    await ctx.store('bad');
    expect(ctx.key('r')).toEqual(['FileA', 'r']);
    expect(ctx.parentsStored([['FileA', 'p']])).toEqual([['FileA', 'p']]);
    await expect(ctx.dispose()).rejects.toThrow(AggregateError);
    expect(closed).toEqual(['bad-2', 'one-1']);
  });
});
