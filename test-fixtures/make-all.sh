#!/usr/bin/env bash
# Regenerates every fixture Breezy writes, with the committed scripts beside
# them. Needs Breezy 3.3.2 at /usr/bin/python3 (apt-get install -y python3-breezy).
# Each script is deterministic for its seed; rerunning leaves `git status` clean.
set -euo pipefail
cd "$(dirname "$0")"
export PYTHONHASHSEED=0
PY=/usr/bin/python3

$PY core/annotate/make-fixtures.py > core/annotate/annotate-fixtures.json
$PY core/graph/make-fixtures.py > core/graph/graph-fixtures.json
(cd .. && $PY test-fixtures/core/gzip/make-fixtures.py)
(cd .. && $PY test-fixtures/core/mappers/make-fixtures.py)
$PY core/multiparent/make-fixtures.py
$PY core/patience/make-fixtures.py
$PY groupcompress/make-deltas.py 1 12 > groupcompress/deltas.jsonl
rm -rf groupcompress/packs && $PY groupcompress/make-packs.py groupcompress/packs 3 > /dev/null
$PY knit/make-fixtures.py
(cd .. && $PY test-fixtures/pack/make-fixtures.py)
(cd .. && $PY test-fixtures/sync/make-fixtures.py)
(cd .. && $PY test-fixtures/weave/make-fixtures.py)
echo "fixtures regenerated; check with: git status test-fixtures"
