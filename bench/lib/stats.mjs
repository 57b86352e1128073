// The arithmetic of the report: entry points `median`, `interleave`,
// `pairedRatios`, `summarize`.
//
// Ratios are Breezy's over ours (above 1: we are faster or smaller), taken
// per round from an ours/Breezy pair run back to back, then the median over
// the rounds, so slow drift of the machine cancels within each pair.

/** The median of a non-empty list (mean of the two middle values when even). */
export function median(values) {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The run order for `rounds` rounds: each round visits every group (backend)
 * and runs its sides back to back: ours, breezy, ours, breezy, ...
 */
export function interleave(rounds, groups, sides) {
  const order = [];
  for (let round = 0; round < rounds; round++) for (const group of groups) for (const side of sides) order.push({ round, group, side });
  return order;
}

/** Per-round ratios breezy/ours for paired values (rounds missing a side are dropped). */
export function pairedRatios(ours, breezy) {
  const out = [];
  for (let i = 0; i < Math.min(ours.length, breezy.length); i++) {
    const a = ours[i];
    const b = breezy[i];
    if (a != null && b != null && a > 0) out.push(b / a);
  }
  return out;
}

/** Median of each side and median of the paired ratios (null where a side is missing). */
export function summarize(ours, breezy) {
  const present = (xs) => xs.filter((x) => x != null);
  const o = present(ours);
  const b = present(breezy ?? []);
  const ratios = breezy ? pairedRatios(ours, breezy) : [];
  return {
    ours: o.length ? median(o) : null,
    breezy: b.length ? median(b) : null,
    ratio: ratios.length ? median(ratios) : null,
    rounds: o.length,
  };
}
