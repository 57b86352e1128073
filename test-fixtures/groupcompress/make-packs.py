"""Packs Breezy 3.3.2's groupcompress make_pack_factory writes, with their inputs.

Usage: PYTHONHASHSEED=0 /usr/bin/python3 make-packs.py OUT_DIR SEED

For each scenario, OUT_DIR/NAME/ gets `newpack` (the pack container), `index`
(its B+Tree index) and `inputs.json`: the texts added (key, parents, base64
text, sha1) and how ("adds": add_lines one by one; "stream": one
insert_record_stream of fulltexts in that order).
"""
import base64
import json
import os
import random
import sys

from breezy import transport as T, osutils
from breezy.bzr import groupcompress
from breezy.bzr.versionedfile import FulltextContentFactory

out_dir, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
WORDS = ['alpha', 'beta', 'gamma', 'delta', 'return x', 'def f():', '    pass', '# note', 'import os']


def history(key_length, graph, count):
    adds, texts = [], {}
    for i in range(count):
        prefix = ['file%d' % rng.randint(0, 1)] if key_length == 2 else []
        key = prefix + ['rev-%d' % i]
        same = [a for a in adds if a['key'][:-1] == prefix]
        parents = [rng.choice(same)['key']] if same else []
        lines = list(texts.get(tuple(parents[0]), [])) if parents else []
        for _ in range(rng.randint(1, 6)):
            pos = rng.randint(0, len(lines))
            if lines and rng.random() < 0.3:
                del lines[pos:pos + 2]
            else:
                lines.insert(pos, ' '.join(rng.choice(WORDS) for _ in range(rng.randint(1, 8))) + '\n')
        if rng.random() < 0.08:
            lines = []
        texts[tuple(key)] = lines
        text = ''.join(lines).encode()
        if text and rng.random() < 0.1:
            text = text[:-1]
        adds.append({'key': key, 'parents': parents if graph else None,
                     'text': base64.b64encode(text).decode(), 'sha1': osutils.sha_string(text).decode()})
    return adds


k = lambda key: tuple(e.encode() for e in key)
for name, key_length, graph, how in [('k1-graph-adds', 1, True, 'adds'), ('k2-graph-stream', 2, True, 'stream'),
                                      ('k2-nograph-adds', 2, False, 'adds')]:
    adds = history(key_length, graph, 24)
    path = os.path.join(out_dir, name)
    os.makedirs(path, exist_ok=True)
    t = T.get_transport_from_path(path)
    vf = groupcompress.make_pack_factory(graph, True, key_length)(t)
    records = [(k(a['key']), None if a['parents'] is None else tuple(k(p) for p in a['parents']),
                base64.b64decode(a['text'])) for a in adds]
    if how == 'adds':
        for key, parents, text in records:
            vf.add_lines(key, parents, osutils.split_lines(text))
    else:
        vf.insert_record_stream(FulltextContentFactory(key, parents, None, text) for key, parents, text in records)
    groupcompress.cleanup_pack_group(vf)
    t.put_bytes('index', vf._index._graph_index.finish().read())
    with open(os.path.join(path, 'inputs.json'), 'w') as f:
        json.dump({'keyLength': key_length, 'graph': graph, 'how': how, 'adds': adds}, f, indent=0)
