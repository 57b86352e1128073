// Peak resident memory of this process: entry point `peakRssKb()`.
//
// Linux's `VmHWM` (in /proc/self/status) is the high-water mark of this
// process's own memory. `getrusage`'s maxrss is not: a child started by
// fork + exec carries its parent's peak into it, so a bench child of a parent
// holding a big corpus reported the parent's size. Elsewhere we fall back to it.
import { readFileSync } from 'node:fs';

export function peakRssKb() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: below
  }
  return process.resourceUsage().maxRSS;
}
