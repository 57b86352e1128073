// Turning measurements into the report: entry points `summarizeBackends`
// (rounds of child results -> medians and ratios per backend and operation),
// `renderMarkdown(report)` and `renderText(report)` (the same tables, for
// bench/results/*.md and for the terminal), `scalingPanels` (the curves).
import { summarize } from './stats.mjs';

export const OPERATIONS = [
  'insert',
  'extract-unordered',
  'extract-topological',
  'extract-groupcompress',
  'annotate',
  'lookup-single',
  'lookup-batch',
];

/**
 * `runs[backend] = { ours: [result per round], breezy: [result per round] | null }`,
 * each result as a runner prints it. Returns rows per backend: per operation
 * the medians and ratio of ms and the item count; stored bytes; peak RSS.
 */
export function summarizeBackends(runs, corpusBytes) {
  const out = {};
  for (const [backend, { ours, breezy }] of Object.entries(runs)) {
    const ops = {};
    for (const op of OPERATIONS) {
      if (!ours.some((r) => r.ops[op])) continue;
      const ms = summarize(
        ours.map((r) => r.ops[op]?.ms),
        breezy?.map((r) => r.ops[op]?.ms),
      );
      const items = ours.find((r) => r.ops[op])?.ops[op].items ?? 0;
      ops[op] = {
        ...ms,
        items,
        throughput: throughput(op, ms.ours, items, corpusBytes),
        samples: { ours: ours.map((r) => r.ops[op]?.ms ?? null), breezy: breezy?.map((r) => r.ops[op]?.ms ?? null) ?? null },
      };
    }
    const stored = summarize(ours.map((r) => r.storedBytes), breezy?.map((r) => r.storedBytes));
    const rss = summarize(ours.map((r) => r.maxRssKb), breezy?.map((r) => r.maxRssKb));
    const annotationsAgree = breezy ? sameAnnotations(ours[0]?.annotations, breezy[0]?.annotations) : null;
    out[backend] = { ops, storedBytes: stored, peakRssKb: rss, annotationsAgree };
  }
  return out;
}

function sameAnnotations(a, b) {
  if (!a || !b) return null;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** A human rate for the operation: MB/s of text, annotated lines/s or keys/s. */
export function throughput(op, ms, items, corpusBytes) {
  if (ms == null || ms <= 0) return null;
  if (op === 'insert' || op.startsWith('extract')) return `${(corpusBytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
  const unit = op === 'annotate' ? 'lines/s' : 'keys/s';
  return `${Math.round(items / (ms / 1000)).toLocaleString('en')} ${unit}`;
}

const fmtMs = (ms) => (ms == null ? '—' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const fmtRatio = (r) => (r == null ? '—' : `${r.toFixed(2)}×`);
const fmtMB = (bytes) => (bytes == null ? '—' : `${(bytes / 1e6).toFixed(2)} MB`);
const fmtKbAsMB = (kb) => (kb == null ? '—' : `${(kb / 1024).toFixed(0)} MB`);

/** The main table as rows of cells (header first). */
export function backendRows(backends) {
  const rows = [['backend', 'operation', 'ours ms', 'Breezy ms', 'ratio Breezy/ours', 'ours rate']];
  for (const [backend, b] of Object.entries(backends)) {
    for (const [op, s] of Object.entries(b.ops)) {
      rows.push([backend, op, fmtMs(s.ours), fmtMs(s.breezy), fmtRatio(s.ratio), s.throughput ?? '—']);
    }
    rows.push([backend, 'stored bytes', fmtMB(b.storedBytes.ours), fmtMB(b.storedBytes.breezy), fmtRatio(b.storedBytes.ratio), '']);
    rows.push([backend, 'peak RSS', fmtKbAsMB(b.peakRssKb.ours), fmtKbAsMB(b.peakRssKb.breezy), fmtRatio(b.peakRssKb.ratio), '']);
    if (b.annotationsAgree !== null) rows.push([backend, 'annotations equal', b.annotationsAgree ? 'yes' : 'NO', '', '', '']);
  }
  return rows;
}

export function referenceRows(refs) {
  const rows = [['reference', 'bytes', 'ms', 'note']];
  if (refs.git) rows.push(['git repack -adf --window=250 --depth=50', fmtMB(refs.git.bytes), fmtMs(refs.git.ms), 'pack file of the same blobs']);
  if (refs.gzip) rows.push(['gzip -6 of the concatenated fulltexts', fmtMB(refs.gzip.bytes), fmtMs(refs.gzip.ms), '']);
  if (refs.limits) {
    rows.push(['inflate (node:zlib) of that gzip', '', '', `${refs.limits.inflateMBps.toFixed(0)} MB/s: the machine's limit`]);
    rows.push(['memcpy of the fulltexts', '', '', `${refs.limits.memcpyMBps.toFixed(0)} MB/s`]);
  }
  return rows;
}

export function componentRows(components) {
  const rows = [['component bench', 'phase', 'ours', 'Breezy', 'ratio Breezy/ours']];
  for (const c of components) {
    const name = [`bench/${c.name}`, ...(c.args ?? [])].join(' ');
    if (c.error) rows.push([name, `FAILED: ${c.error}`, '', '', '']);
    else if (c.phases.length === 0) rows.push([name, '(ran; printed no "label ours breezy ratio×" rows)', '', '', '']);
    for (const p of c.phases) rows.push([name, p.label, String(p.ours), String(p.breezy), fmtRatio(p.ratio)]);
  }
  return rows;
}

function markdownTable(rows) {
  const [head, ...body] = rows;
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

function textTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function sections(report) {
  const c = report.corpus;
  const out = [
    ['Corpus', `${c.name} (${c.source}): ${c.texts.toLocaleString('en')} texts of ${c.files.toLocaleString('en')} files, ${(c.bytes / 1e6).toFixed(1)} MB of fulltexts, ${c.merges} merge texts. Medians of ${report.rounds} interleaved rounds (ours, Breezy, ours, ...); ratios are Breezy's over ours per round, then the median (above 1: we are faster or smaller). Extraction times leave out the harness's own sha1 check of each text, timed apart on both sides; the stores' own checks stay in.`],
  ];
  if (Object.keys(report.backends).length) out.push(['Backends', backendRows(report.backends)]);
  if (report.backendsAbsent?.length) out.push(['Backends not landed yet', report.backendsAbsent.join(', ')]);
  if (Object.keys(report.references).length) out.push(['Reference points', referenceRows(report.references)]);
  if (report.components?.length) out.push(['Component benches (bench/<name>/bench.mjs with these arguments, as their authors wrote them: best of 3 each side; ms, or bytes on size rows, as each prints them)', componentRows(report.components)]);
  if (report.scaling) out.push(...scalingTables(report.scaling));
  return out;
}

const fmtUs = (us) => (us == null ? '—' : us.toFixed(us < 10 ? 2 : 0));

/** The numbers behind the scaling curves, one table per panel. */
function scalingTables(s) {
  const out = [];
  if (s.history?.length) {
    const rows = [['backend', 'side', 'texts', 'insert µs/text', 'extract µs/text', 'batch lookup µs/key']];
    for (const r of s.history) rows.push([r.backend, r.side, r.texts.toLocaleString('en-US'), fmtUs(r.insertUsPerText), fmtUs(r.extractUsPerText), fmtUs(r.lookupUsPerKey)]);
    out.push(['Scaling: a synthetic history', rows]);
  }
  if (s.index?.length) {
    const rows = [['keys in the index', 'ours µs/lookup', 'Breezy µs/lookup', 'ratio Breezy/ours']];
    for (const r of s.index) rows.push([r.keys.toLocaleString('en-US'), fmtUs(r.oursUs), fmtUs(r.breezyUs), fmtRatio(r.breezyUs / r.oursUs)]);
    out.push(['Scaling: single lookups in a B+Tree index (bench/pack)', rows]);
  }
  if (s.memory?.length) {
    const rows = [['backend', 'text size', 'ours peak RSS', 'Breezy peak RSS', 'ratio Breezy/ours']];
    for (const r of s.memory) {
      const breezy = r.breezyRssKb == null ? '—' : `${Math.round(r.breezyRssKb / 1024)} MB`;
      rows.push([r.backend, `${Math.round(r.bytes / 2 ** 20)} MiB`, `${Math.round(r.oursRssKb / 1024)} MB`, breezy, r.breezyRssKb == null ? '—' : fmtRatio(r.breezyRssKb / r.oursRssKb)]);
    }
    out.push(['Scaling: peak memory as one text grows (insert + extract)', rows]);
  }
  if (s.carriedOver?.length) out.push(['Scaling: carried over', `${s.carriedOver.join(', ')}: from the earlier run of ${s.carriedFrom} (this run measured the rest).`]);
  return out;
}

export function renderMarkdown(report) {
  const parts = [`# Benchmark: preset ${report.preset}${report.big ? ' (--big sizes)' : ''}`, '', `${report.machine}; ${report.date}.`, ''];
  for (const [title, body] of sections(report)) parts.push(`## ${title}`, '', typeof body === 'string' ? body : markdownTable(body), '');
  if (report.scalingSvg) parts.push('## Scaling', '', `![scaling](${report.scalingSvg})`, '');
  return parts.join('\n');
}

export function renderText(report) {
  const parts = [];
  for (const [title, body] of sections(report)) parts.push(`== ${title}`, typeof body === 'string' ? body : textTable(body), '');
  return parts.join('\n');
}

/** The scaling measurements as chart panels for `renderPanels` (bench/lib/svg.mjs). */
export function scalingPanels(s) {
  const series = (rows, key) => {
    const names = [...new Set(rows.map((r) => `${r.backend} ${r.side}`))];
    return names.map((name) => ({ name, points: rows.filter((r) => `${r.backend} ${r.side}` === name).map((r) => [r.texts, r[key]]) }));
  };
  return [
    { title: 'insert: µs per text', xLabel: 'texts in the history', yLabel: 'µs per text', series: series(s.history, 'insertUsPerText') },
    { title: 'extract (unordered): µs per text', xLabel: 'texts in the history', yLabel: 'µs per text', series: series(s.history, 'extractUsPerText') },
    {
      title: 'index: µs per single lookup',
      xLabel: 'keys in the B+Tree index',
      yLabel: 'µs per lookup',
      series: [
        { name: 'ours', points: s.index.map((r) => [r.keys, r.oursUs]) },
        { name: 'Breezy', points: s.index.map((r) => [r.keys, r.breezyUs]) },
      ],
    },
    {
      title: `peak RSS, one text (${s.memory[0]?.backend ?? ''})`,
      xLabel: 'text size (bytes)',
      yLabel: 'peak RSS (MB)',
      series: [
        { name: 'ours', points: s.memory.map((r) => [r.bytes, r.oursRssKb / 1024]) },
        { name: 'Breezy', points: s.memory.filter((r) => r.breezyRssKb != null).map((r) => [r.bytes, r.breezyRssKb / 1024]) },
      ],
    },
  ];
}
