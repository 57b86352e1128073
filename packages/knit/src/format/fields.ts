// Field helpers shared by the knit text formats (record headers, `.kndx`
// lines, hunk headers): Python's `bytes.split()` and `int()` on what Breezy
// writes, without going through strings.
//
// Entry points: `splitFields`, `parseDecimal`.

/** Splits on runs of ASCII whitespace, as Python's `bytes.split()`. */
export function splitFields(line: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const c = i < line.length ? (line[i] as number) : 0x20;
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
      if (start >= 0) out.push(line.subarray(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  return out;
}

/** A non-negative decimal of at most 15 digits (so it is exact); null otherwise. */
export function parseDecimal(bytes: Uint8Array, start = 0, end = bytes.length): number | null {
  if (end <= start || end - start > 15) return null;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = (bytes[i] as number) - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return n;
}
