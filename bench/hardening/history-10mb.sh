#!/bin/sh
# The 10,000-version history of a 10 MiB text, one backend at a time, at the
# lowest priority (it takes hours on a shared machine). Estimates first (100
# and 1,000 versions), then the full runs, fastest backend first:
#
#   bench/hardening/history-10mb.sh [versions ...]     (default: 100 1000 10000)
#
# Results: bench/hardening/results/history-10mb.jsonl (one line per run, as
# large.mjs prints it) and history-10mb-progress.jsonl (a line per 1% of each
# run: seconds, seconds per version, RSS, store size), so a run cut short
# still gives its per-version cost. Runs the built packages (`npx tsc -b`).
cd "$(dirname "$0")/../.." || exit 1
out=bench/hardening/results/history-10mb.jsonl
progress=bench/hardening/results/history-10mb-progress.jsonl
node bench/hardening/large.mjs memory history 10000 10 --json "$out"
for versions in ${*:-100 1000 10000}; do
  for backend in knit-files knit-pack groupcompress weave; do
    nice -n 19 node --max-old-space-size=8192 bench/hardening/large.mjs "$backend" history "$versions" 10 --json "$out" --progress "$progress" \
      || echo "{\"backend\":\"$backend\",\"versions\":$versions,\"result\":\"process died ($?)\"}" >>"$out"
  done
done
