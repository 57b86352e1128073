"""What the Breezy sides of the benches share: the corpus, a checked extraction, peak memory.

`load(corpus_dir)` gives (entries, sha1s, keys): entries as (key, parents, text, sha1)
with keys as tuples of bytes; `extract(vf, keys, sha1s, ordering)` streams every
text and checks its sha1 (a wrong one raises); `peak_rss_kb()` is this process's
own peak resident memory.
"""
import hashlib
import json
import os
import resource


def as_key(key):
    return tuple(e.encode('utf-8') for e in key)


def load(corpus_dir):
    index = json.load(open(os.path.join(corpus_dir, 'index.json')))
    texts = open(os.path.join(corpus_dir, 'texts.bin'), 'rb').read()
    entries = [(as_key(e['key']), tuple(as_key(p) for p in e['parents']),
                texts[e['offset']:e['offset'] + e['length']], e['sha1'])
               for e in index['entries']]
    sha1s = {key: sha for key, _, _, sha in entries}
    keys = [key for key, _, _, _ in entries]
    return entries, sha1s, keys


def extract(vf, keys, sha1s, ordering):
    n = 0
    for r in vf.get_record_stream(keys, ordering, True):
        if hashlib.sha1(r.get_bytes_as('fulltext')).hexdigest() != sha1s[r.key]:
            raise AssertionError('wrong text for %r' % (r.key,))
        n += 1
    assert n == len(keys)


def peak_rss_kb():
    # VmHWM is this process's own peak; getrusage's maxrss also carries the
    # peak of the parent we were forked from (a bench parent holding a corpus).
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
