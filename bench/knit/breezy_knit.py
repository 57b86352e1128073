"""Breezy's side of bench/knit/bench.mjs: the same phases on the same corpus.

Usage: breezy_knit.py CORPUS_DIR WORK_DIR ROUNDS TIPS_JSON
Prints one JSON line: {store: {phase: best milliseconds}}.
"""
import json
import os
import shutil
import sys
import time

from breezy import transport as T
from breezy.bzr import knit
from breezy.bzr.versionedfile import HashEscapedPrefixMapper
from breezy.osutils import split_lines

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import bench_corpus  # noqa: E402

corpus_dir, work, rounds, tips_json = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
entries, sha1s, keys = bench_corpus.load(corpus_dir)
tips = [bench_corpus.as_key(t) for t in json.load(open(tips_json))]


def open_store(name, path):
    t = T.get_transport_from_path(path)
    if name == 'knit-annotated':
        return knit.make_file_factory(True, HashEscapedPrefixMapper())(t), None
    vf = knit.make_pack_factory(True, True, 2)(t)
    return vf, vf


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t0) * 1000, result


def extract(vf, ordering):
    bench_corpus.extract(vf, keys, sha1s, ordering)


out = {}
for name in ('knit-annotated', 'knit-pack'):
    best = {}
    for r in range(rounds):
        path = os.path.join(work, 'brz-%s-%d' % (name, r))
        os.makedirs(path)
        vf, pack = open_store(name, path)

        def insert():
            for key, parents, text, _ in entries:
                vf.add_lines(key, parents, split_lines(text))
        phases = {'insert': timed(insert)[0]}
        phases['extract unordered'] = timed(lambda: extract(vf, 'unordered'))[0]
        phases['extract topological'] = timed(lambda: extract(vf, 'topological'))[0]
        phases['annotate'] = timed(lambda: [vf.annotate(t) for t in tips])[0]
        if pack is not None:
            pack.writer.end()
            pack.stream.close()
        shutil.rmtree(path)
        for p, ms in phases.items():
            best[p] = min(best.get(p, ms), ms)
    out[name] = best
print(json.dumps(out))
