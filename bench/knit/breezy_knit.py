"""Breezy's side of bench/knit/bench.mjs: the same phases on the same corpus.

Usage: breezy_knit.py CORPUS_DIR WORK_DIR ROUNDS TIPS_JSON
Prints one JSON line: {store: {phase: best milliseconds}}.
"""
import hashlib
import json
import os
import shutil
import sys
import time

from breezy import transport as T
from breezy.bzr import knit
from breezy.bzr.versionedfile import HashEscapedPrefixMapper
from breezy.osutils import split_lines

corpus_dir, work, rounds, tips_json = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
index = json.load(open(os.path.join(corpus_dir, 'index.json')))
texts = open(os.path.join(corpus_dir, 'texts.bin'), 'rb').read()
k = lambda key: tuple(e.encode('utf-8') for e in key)
entries = [(k(e['key']), [k(p) for p in e['parents']], texts[e['offset']:e['offset'] + e['length']], e['sha1'])
           for e in index['entries']]
sha1s = {key: sha for key, _, _, sha in entries}
keys = [key for key, _, _, _ in entries]
tips = [k(t) for t in json.load(open(tips_json))]


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
    n = 0
    for r in vf.get_record_stream(keys, ordering, True):
        if hashlib.sha1(r.get_bytes_as('fulltext')).hexdigest() != sha1s[r.key]:
            raise AssertionError('wrong text for %r' % (r.key,))
        n += 1
    assert n == len(keys)


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
