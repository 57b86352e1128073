"""Breezy's side of bench/groupcompress/bench.mjs: the same phases on the same corpus.

Usage: breezy_gc.py CORPUS_DIR WORK_DIR ROUNDS
Prints one JSON line: {"phases": {phase: [[wall ms, cpu ms] per round]}, "bytes": {store: pack bytes}, "peakRssKb": n}.
The runner calls it once per round, between its own rounds (interleaved).
"""
import json
import os
import shutil
import sys
import time

from breezy import transport as T
from breezy.bzr import groupcompress
from breezy.bzr.versionedfile import FulltextContentFactory
from breezy.osutils import split_lines

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import bench_corpus  # noqa: E402

corpus_dir, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
entries, sha1s, keys = bench_corpus.load(corpus_dir)


def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return [(time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000]


def extract(vf, ordering):
    bench_corpus.extract(vf, keys, sha1s, ordering)


rounds_of = {}
sizes = {}
for r in range(rounds):
    phases = {}
    for name in ('add_lines', 'stream'):
        path = os.path.join(work, 'brz-%s-%d' % (name, r))
        os.makedirs(path)
        t = T.get_transport_from_path(path)
        vf = groupcompress.make_pack_factory(True, True, 2)(t)
        if name == 'add_lines':
            def insert():
                for key, parents, text, _ in entries:
                    vf.add_lines(key, parents, split_lines(text))
            phases['insert one by one'] = timed(insert)
        else:
            phases['insert stream'] = timed(lambda: vf.insert_record_stream(
                FulltextContentFactory(key, parents, sha, text) for key, parents, text, sha in entries))
            vf.clear_cache()
            phases['extract unordered'] = timed(lambda: extract(vf, 'unordered'))
            phases['extract groupcompress'] = timed(lambda: extract(vf, 'groupcompress'))
        groupcompress.cleanup_pack_group(vf)
        sizes[name] = os.path.getsize(os.path.join(path, 'newpack'))
        shutil.rmtree(path)
    for p, times in phases.items():
        rounds_of.setdefault(p, []).append(times)
print(json.dumps({'phases': rounds_of, 'bytes': sizes,
                  'peakRssKb': bench_corpus.peak_rss_kb()}))
