// A hand-written SVG chart for the scaling curves: entry point
// `renderPanels(panels)`, each panel `{ title, xLabel, yLabel, series: [{ name,
// points: [[x, y], ...] }] }`, drawn two a row on log-log axes (the curves
// span decades; a flat line means cost per text does not grow).

const W = 420;
const H = 300;
const M = { left: 64, right: 16, top: 28, bottom: 64 };
/** The legend sits under the x-axis label, two entries a row. */
const LEGEND_TOP = H - M.bottom + 50;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Powers of ten covering [lo, hi]. */
function decades(lo, hi) {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

export function formatTick(v) {
  if (v >= 1e9) return `${v / 1e9}G`;
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return v >= 1 ? String(v) : v.toPrecision(1);
}

function panel(p, dx) {
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  if (pts.length === 0) return `<text x="${dx + 20}" y="${H / 2}">${esc(p.title)}: no data</text>`;
  const xs = decades(Math.min(...pts.map((q) => q[0])), Math.max(...pts.map((q) => q[0])));
  const ys = decades(Math.min(...pts.map((q) => q[1])), Math.max(...pts.map((q) => q[1])));
  const [x0, x1] = [Math.log10(xs[0]), Math.log10(xs[xs.length - 1])];
  const [y0, y1] = [Math.log10(ys[0]), Math.log10(ys[ys.length - 1])];
  const px = (x) => dx + M.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y) => H - M.bottom - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const out = [`<text x="${dx + W / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`];
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" y1="${M.top}" x2="${px(x)}" y2="${H - M.bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${px(x)}" y="${H - M.bottom + 14}" text-anchor="middle">${formatTick(x)}</text>`);
  }
  for (const y of ys) {
    out.push(`<line x1="${dx + M.left}" y1="${py(y)}" x2="${dx + W - M.right}" y2="${py(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${dx + M.left - 4}" y="${py(y) + 4}" text-anchor="end">${formatTick(y)}</text>`);
  }
  out.push(`<text x="${dx + W / 2}" y="${H - M.bottom + 30}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(${dx + 14},${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  // One colour per backend; Breezy's curve dashed beside ours.
  const groups = [...new Set(p.series.map((s) => s.name.replace(/ ?(ours|Breezy)$/, '')))];
  p.series.forEach((s, i) => {
    const color = COLORS[groups.indexOf(s.name.replace(/ ?(ours|Breezy)$/, '')) % COLORS.length];
    const dash = s.name.endsWith('Breezy') ? ' stroke-dasharray="6,3"' : '';
    const line = s.points.filter(([x, y]) => x > 0 && y > 0).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${line.join(' ')}"/>`);
    for (const pt of line) {
      const [cx, cy] = pt.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    }
    const lx = dx + M.left + (i % 2) * 170;
    const ly = LEGEND_TOP + Math.floor(i / 2) * 12;
    out.push(`<line x1="${lx}" y1="${ly - 7}" x2="${lx + 12}" y2="${ly - 7}" stroke="${color}" stroke-width="2"${dash}/><text x="${lx + 16}" y="${ly - 4}">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

export function renderPanels(panels) {
  const columns = Math.min(2, panels.length);
  const legendRows = Math.max(1, ...panels.map((p) => Math.ceil(p.series.length / 2)));
  const cellH = LEGEND_TOP + legendRows * 12;
  const width = W * columns;
  const height = cellH * Math.ceil(panels.length / columns);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((p, i) => `<g transform="translate(${(i % columns) * W},${Math.floor(i / columns) * cellH})">\n${panel(p, 0)}\n</g>`),
    '</svg>',
    '',
  ].join('\n');
}
