// The report's arithmetic: medians, interleaving, paired ratios, and the
// tables built from child results.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interleave, median, pairedRatios, summarize } from '../lib/stats.mjs';
import { backendRows, renderMarkdown, scalingPanels, summarizeBackends, throughput } from '../lib/report.mjs';
import { parseComponentTable } from '../lib/components.mjs';
import { formatTick, renderPanels } from '../lib/svg.mjs';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(RangeError);
  });

  it('lies between the smallest and largest value and ignores order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }), (xs) => {
        const m = median(xs);
        expect(m).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(m).toBeLessThanOrEqual(Math.max(...xs));
        expect(median([...xs].reverse())).toBe(m);
      }),
      { numRuns: 100 },
    );
  });
});

describe('interleaved rounds and ratios', () => {
  it('orders runs ours, Breezy, ours, Breezy, ... within each backend of each round', () => {
    expect(interleave(2, ['knit', 'weave'], ['ours', 'breezy']).map((r) => `${r.round}${r.group}-${r.side}`)).toEqual([
      '0knit-ours',
      '0knit-breezy',
      '0weave-ours',
      '0weave-breezy',
      '1knit-ours',
      '1knit-breezy',
      '1weave-ours',
      '1weave-breezy',
    ]);
  });

  it('pairs each round and takes the median of the per-round ratios', () => {
    // A machine slowing down 2x each round: paired ratios stay 3.
    const ours = [10, 20, 40];
    const breezy = [30, 60, 120];
    expect(pairedRatios(ours, breezy)).toEqual([3, 3, 3]);
    expect(summarize(ours, breezy)).toEqual({ ours: 20, breezy: 60, ratio: 3, rounds: 3 });
  });

  it('drops rounds missing a side, and has no ratio without Breezy', () => {
    expect(pairedRatios([10, null, 10, 0], [20, 5, null, 5])).toEqual([2]);
    expect(summarize([1, 2, 3], null)).toEqual({ ours: 2, breezy: null, ratio: null, rounds: 3 });
  });

  it('scales: multiplying Breezy by k multiplies the ratio by k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { minLength: 3, maxLength: 7 }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (ours, k) => {
          const r = summarize(ours, ours.map((x) => x * k)).ratio;
          expect(r).toBeCloseTo(k, 9);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('report', () => {
  const result = (side: string, insertMs: number, stored: number, digest: string) => ({
    side,
    ops: { insert: { ms: insertMs, items: 10 }, annotate: { ms: insertMs / 10, items: 100 } },
    storedBytes: stored,
    maxRssKb: 1024 * 50,
    annotations: { 'f/r': digest },
  });

  it('summarizes interleaved rounds per backend and operation', () => {
    const backends = summarizeBackends(
      {
        'knit-pack': {
          ours: [result('ours', 100, 1000, 'a'), result('ours', 200, 1000, 'a'), result('ours', 300, 1000, 'a')],
          breezy: [result('breezy', 300, 1000, 'a'), result('breezy', 400, 1000, 'a'), result('breezy', 900, 1000, 'a')],
        },
        memory: { ours: [result('ours', 10, 0, 'x')], breezy: null },
      },
      2e6,
    );
    const k = backends['knit-pack'];
    expect(k.ops.insert.ours).toBe(200);
    expect(k.ops.insert.breezy).toBe(400);
    expect(k.ops.insert.ratio).toBe(3); // per round: 3, 2, 3
    expect(k.ops.insert.throughput).toBe('10.0 MB/s');
    expect(k.storedBytes.ratio).toBe(1);
    expect(k.annotationsAgree).toBe(true);
    expect(backends.memory.ops.insert.ratio).toBeNull();
    expect(backends.memory.annotationsAgree).toBeNull();
    const rows = backendRows(backends);
    expect(rows[0]).toEqual(['backend', 'operation', 'ours ms', 'Breezy ms', 'ratio Breezy/ours', 'ours rate']);
    expect(rows).toContainEqual(['knit-pack', 'insert', '200', '400', '3.00×', '10.0 MB/s']);
    expect(rows).toContainEqual(['knit-pack', 'annotations equal', 'yes', '', '', '']);
  });

  it('says when annotations differ', () => {
    const b = summarizeBackends({ weave: { ours: [result('ours', 1, 1, 'a')], breezy: [result('breezy', 1, 1, 'b')] } }, 1);
    expect(b.weave.annotationsAgree).toBe(false);
  });

  it('gives rates per kind of operation', () => {
    expect(throughput('extract-unordered', 500, 3, 1e6)).toBe('2.0 MB/s');
    expect(throughput('annotate', 1000, 2500, 1)).toBe('2,500 lines/s');
    expect(throughput('lookup-single', 10, 100, 1)).toBe('10,000 keys/s');
    expect(throughput('insert', null, 1, 1)).toBeNull();
  });

  it('reads the component benches’ tables', () => {
    const out = 'weave bench: 300 versions\nphase   ours (ms)   breezy (ms)   breezy/ours\ninsert all versions     12.5      50.0         4.00x\nfull iteration   895   1121   1.25x\n';
    expect(parseComponentTable(out)).toEqual([
      { label: 'insert all versions', ours: 12.5, breezy: 50, ratio: 4 },
      { label: 'full iteration', ours: 895, breezy: 1121, ratio: 1.25 },
    ]);
  });

  it('draws log-log panels as SVG', () => {
    const svg = renderPanels([
      { title: 'a <b>', xLabel: 'x', yLabel: 'y', series: [{ name: 'ours', points: [[1000, 5], [10000, 7]] }] },
      { title: 'empty', xLabel: 'x', yLabel: 'y', series: [] },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg).toContain('<polyline');
    expect(svg).toContain('empty: no data');
    expect([formatTick(1e9), formatTick(2e6), formatTick(1000), formatTick(10), formatTick(0.1)]).toEqual(['1G', '2M', '1k', '10', '0.1']);
  });

  it('turns scaling measurements into four panels, one curve per backend and side', () => {
    const panels = scalingPanels({
      history: [
        { backend: 'knit-pack', side: 'ours', texts: 1000, insertUsPerText: 5, extractUsPerText: 2, lookupUsPerKey: 1 },
        { backend: 'knit-pack', side: 'Breezy', texts: 1000, insertUsPerText: 4, extractUsPerText: 3, lookupUsPerKey: 1 },
        { backend: 'knit-pack', side: 'ours', texts: 10000, insertUsPerText: 6, extractUsPerText: 2, lookupUsPerKey: 1 },
      ],
      index: [{ keys: 1000, oursUs: 3, breezyUs: 4 }],
      memory: [{ backend: 'knit-pack', bytes: 2 ** 20, oursRssKb: 2048, breezyRssKb: null }],
    });
    expect(panels.map((p) => p.title)).toEqual([
      'insert: µs per text',
      'extract (unordered): µs per text',
      'index: µs per single lookup',
      'peak RSS, one text (knit-pack)',
    ]);
    expect(panels[0].series).toEqual([
      { name: 'knit-pack ours', points: [[1000, 5], [10000, 6]] },
      { name: 'knit-pack Breezy', points: [[1000, 4]] },
    ]);
    expect(panels[3].series).toEqual([
      { name: 'ours', points: [[2 ** 20, 2]] },
      { name: 'Breezy', points: [] },
    ]);
  });

  it('prints the numbers behind the curves, and says which parts came from an earlier run', () => {
    const md = renderMarkdown({
      preset: 'small',
      big: true,
      date: 'now',
      machine: 'm',
      rounds: 1,
      corpus: { name: 'c', source: 's', texts: 1, files: 1, bytes: 1, merges: 0 },
      backends: {},
      references: {},
      components: [],
      scaling: {
        history: [{ backend: 'knit-pack', side: 'ours', texts: 100000, insertUsPerText: 904.2, extractUsPerText: 3.256, lookupUsPerKey: 7.26 }],
        index: [{ keys: 1000000, oursUs: 588, breezyUs: 691 }],
        memory: [{ backend: 'knit-pack', bytes: 2 ** 30, oursRssKb: 9 * 2 ** 20, breezyRssKb: 6 * 2 ** 20 }],
        carriedOver: ['history', 'index'],
        carriedFrom: 'then',
      },
    });
    expect(md).toContain('| knit-pack | ours | 100,000 | 904 | 3.26 | 7.26 |');
    expect(md).toContain('| 1,000,000 | 588 | 691 | 1.18× |');
    expect(md).toContain('| knit-pack | 1024 MiB | 9216 MB | 6144 MB | 0.67× |');
    expect(md).toContain('history, index: from the earlier run of then');
  });
});
