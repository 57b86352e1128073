"""Child process: the bench operations on Breezy 3.3.2, one JSON line out.

Usage: /usr/bin/python3 bench/runners/breezy.py CONFIG.json

Reads the same config and corpus files as bench/runners/ours.mjs and does the
same operations on Breezy's store of the same kind, timing each one; every
extracted text's sha1 is checked against the corpus, and a wrong one exits
non-zero. That check is the harness's, not Breezy's: its time is left out of
the extraction's, as on our side.
"""
import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import bench_corpus  # noqa: E402
from breezy import osutils, transport  # noqa: E402
from breezy.bzr import groupcompress, knit, versionedfile, weave  # noqa: E402
from breezy.bzr.versionedfile import FulltextContentFactory, HashEscapedPrefixMapper  # noqa: E402


def main():
    config = json.load(open(sys.argv[1]))
    corpus_dir = config['corpus']
    meta = json.load(open(corpus_dir + '/index.json'))
    with open(corpus_dir + '/texts.bin', 'rb') as f:
        texts = f.read()
    entries = meta['entries']
    for e in entries:
        e['key'] = tuple(k.encode('utf-8') for k in e['key'])
        e['parents'] = tuple(tuple(k.encode('utf-8') for k in p) for p in e['parents'])
    keys = [e['key'] for e in entries]
    text_of = lambda e: texts[e['offset']:e['offset'] + e['length']]

    t = transport.get_transport_from_path(config['workDir'])
    name = config['backend']
    finish = lambda: None
    index_bytes = lambda: 0
    if name == 'knit-pack':
        vf = knit.make_pack_factory(True, True, 2)(t)
        mode = 'lines'
    elif name == 'knit-annotated':
        vf = knit.make_file_factory(True, HashEscapedPrefixMapper())(t)
        mode = 'lines'
    elif name == 'weave':
        vf = versionedfile.make_versioned_files_factory(weave.WeaveFile, HashEscapedPrefixMapper())(t)
        mode = 'lines'
    elif name == 'groupcompress':
        vf = groupcompress.make_pack_factory(True, True, 2)(t)
        mode = 'stream'
    else:
        raise SystemExit('unknown backend %s' % name)
    if name in ('knit-pack', 'groupcompress'):
        def finish():
            vf.writer.end()
            vf.stream.close()
    if name == 'knit-pack':
        # Our knit pack writes its GraphIndex beside the pack; Breezy's factory
        # keeps it in memory, so count the bytes it would write. (Both
        # groupcompress stores keep theirs in memory: the pack alone counts.)
        index_bytes = lambda: len(vf._index._graph_index.finish().read())

    def insert():
        if mode == 'stream':
            vf.insert_record_stream(
                FulltextContentFactory(e['key'], e['parents'], e['sha1'], text_of(e)) for e in entries)
        else:
            for e in entries:
                vf.add_lines(e['key'], e['parents'], osutils.split_lines(text_of(e)))
        finish()
        return len(entries)

    expected = {e['key']: e['sha1'] for e in entries}

    # The harness's own check of each extracted text is timed apart and left
    # out of the operation's time, as on our side.
    checking = [0.0]

    def extract(ordering):
        seen = set()
        for record in vf.get_record_stream(keys, ordering, True):
            key = record.key
            text = record.get_bytes_as('fulltext')
            t = time.perf_counter()
            if key in seen or key not in expected:
                raise SystemExit('Breezy extracted %r twice or unknown' % (key,))
            seen.add(key)
            got = hashlib.sha1(text).hexdigest()
            if got != expected[key]:
                raise SystemExit('Breezy: wrong text for %r: sha1 %s, expected %s' % (key, got, expected[key]))
            checking[0] += time.perf_counter() - t
        if len(seen) != len(expected):
            raise SystemExit('Breezy extracted %d of %d texts' % (len(seen), len(expected)))
        return len(seen)

    annotations = {}
    tips = [tuple(k.encode('utf-8') for k in key) for key in config['annotate']]

    def annotate():
        lines = 0
        for key in tips:
            result = vf.annotate(key)
            lines += len(result)
            origins = '\n'.join('/'.join(k.decode('utf-8') for k in origin) for origin, _ in result)
            annotations['/'.join(k.decode('utf-8') for k in key)] = hashlib.sha1(origins.encode('utf-8')).hexdigest()
        return lines

    lookups = [tuple(k.encode('utf-8') for k in key) for key in config['lookups']]

    def lookup_single():
        found = 0
        for key in lookups:
            found += len(vf.get_parent_map([key]))
        if found != len(lookups):
            raise SystemExit('Breezy found %d of %d keys' % (found, len(lookups)))
        return found

    def lookup_batch():
        found = len(vf.get_parent_map(keys))
        if found != len(keys):
            raise SystemExit('Breezy found %d of %d keys' % (found, len(keys)))
        return found

    ops_table = {
        'insert': insert,
        'extract-unordered': lambda: extract('unordered'),
        'extract-topological': lambda: extract('topological'),
        'extract-groupcompress': lambda: extract('groupcompress'),
        'annotate': annotate,
        'lookup-single': lookup_single,
        'lookup-batch': lookup_batch,
    }
    ops = {}
    for op in config['ops']:
        checking[0] = 0.0
        t0 = time.perf_counter()
        items = ops_table[op]()
        elapsed = time.perf_counter() - t0
        ops[op] = {'ms': (elapsed - checking[0]) * 1000, 'items': items, 'checkingMs': checking[0] * 1000}
    stored = 0
    for path in t.iter_files_recursive():
        stored += t.stat(path).st_size
    stored += index_bytes()
    print(json.dumps({
        'side': 'breezy', 'backend': name, 'ops': ops, 'storedBytes': stored,
        'maxRssKb': bench_corpus.peak_rss_kb(), 'annotations': annotations,
    }))


if __name__ == '__main__':
    main()
