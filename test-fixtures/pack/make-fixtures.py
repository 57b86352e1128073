#!/usr/bin/python3
# Writes the pack package's fixtures with Breezy 3.3.2:
#   /usr/bin/python3 test-fixtures/pack/make-fixtures.py   (PYTHONHASHSEED=0)
# For every index it writes, fixtures.json records how its nodes were made
# (make_nodes' arguments; packages/pack/test/support/fixture-nodes.ts makes
# the same nodes) so the tests can rebuild each file and compare bytes, and
# parse each file and compare what they read with what went in. For
# containers it records the records themselves. The interop test loads
# make_nodes from here to build a three-level B+Tree live.
import hashlib
import json
import os
import sys
from io import BytesIO

from breezy.bzr import btree_index, index, pack

HERE = os.path.dirname(os.path.abspath(__file__))


def element(i, salt):
    # Deterministic, varied key elements: some share prefixes, some are long.
    h = hashlib.sha1(b'%s-%d' % (salt, i)).hexdigest()
    return ('%s-%s' % (salt.decode(), h[: 4 + i % 17])).encode()


def make_nodes(count, key_elements, ref_lists, seed):
    keys = []
    for i in range(count):
        key = tuple(element(i // (3 ** (key_elements - 1 - e)) if e < key_elements - 1 else i, b'%s%d' % (seed, e))
                    for e in range(key_elements))
        keys.append(key)
    keys = list(dict.fromkeys(keys))
    nodes = []
    for n, key in enumerate(keys):
        value = b'v%d %d' % (n, n * 7919 % 1000)
        refs = []
        for r in range(ref_lists):
            # references to earlier keys, and sometimes to a key that is never added
            lst = [keys[(n - d) % len(keys)] for d in range(1, 1 + (n + r) % 3) if n - d >= 0]
            if (n + r) % 5 == 4:
                lst.append(tuple(b'ghost-%d' % n for _ in range(key_elements)))
            refs.append(tuple(lst))
        nodes.append((key, value, tuple(refs)))
    return nodes


def as_json(nodes):
    return [
        {
            'key': [e.decode() for e in key],
            'value': value.decode(),
            'references': [[[e.decode() for e in ref] for ref in lst] for lst in refs],
        }
        for key, value, refs in nodes
    ]


def write(name, data):
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(data)


def main():
    manifest = {'graph': [], 'btree': [], 'container': []}
    for ref_lists in range(3):
        for key_elements in range(1, 4):
            nodes = make_nodes(12 + 3 * ref_lists + key_elements, key_elements, ref_lists, b'g')
            builder = index.GraphIndexBuilder(reference_lists=ref_lists, key_elements=key_elements)
            for key, value, refs in nodes:
                builder.add_node(key, value, refs)
            name = 'graph-r%d-k%d.gix' % (ref_lists, key_elements)
            write(name, builder.finish().read())
            manifest['graph'].append({'file': name, 'referenceLists': ref_lists, 'keyElements': key_elements,
                                      'count': 12 + 3 * ref_lists + key_elements, 'seed': 'g',
                                      'sample': as_json(nodes[:3])})
    # B+Tree: one key, one leaf, and two levels; three levels are built live by the interop test.
    for count, ref_lists, key_elements in [(1, 0, 1), (1, 2, 2), (60, 1, 1), (40, 2, 3), (1500, 1, 2)]:
        nodes = make_nodes(count, key_elements, ref_lists, b'b')
        builder = btree_index.BTreeBuilder(reference_lists=ref_lists, key_elements=key_elements)
        for key, value, refs in nodes:
            builder.add_node(key, value, refs)
        name = 'btree-n%d-r%d-k%d.bix' % (count, ref_lists, key_elements)
        data = builder.finish().read()
        write(name, data)
        manifest['btree'].append({'file': name, 'referenceLists': ref_lists, 'keyElements': key_elements,
                                  'count': count, 'seed': 'b', 'sample': as_json(nodes[:3])})
    # An empty B+Tree and an empty GraphIndex.
    write('btree-empty.bix', btree_index.BTreeBuilder(reference_lists=1).finish().read())
    manifest['btree'].append({'file': 'btree-empty.bix', 'referenceLists': 1, 'keyElements': 1, 'count': 0,
                              'seed': 'b', 'sample': []})
    write('graph-empty.gix', index.GraphIndexBuilder(reference_lists=1).finish().read())
    manifest['graph'].append({'file': 'graph-empty.gix', 'referenceLists': 1, 'keyElements': 1, 'count': 0,
                              'seed': 'g', 'sample': []})
    # Containers: named and unnamed records, an empty body, a multi-part name.
    records = [
        ([], b''),
        ([(b'name-1',)], b'first body\n'),
        ([(b'file-id', b'rev-id'), (b'alias',)], b'\x00\x01\x02binary\xff' * 3),
        ([], b'unnamed record\n' * 20),
    ]
    out = BytesIO()
    writer = pack.ContainerWriter(out.write)
    writer.begin()
    spans = [writer.add_bytes_record([body], len(body), names) for names, body in records]
    writer.end()
    write('container.pack', out.getvalue())
    manifest['container'].append({
        'file': 'container.pack',
        'records': [{'names': [[e.decode() for e in n] for n in names], 'body': body.hex(),
                     'offset': span[0], 'length': span[1]}
                    for (names, body), span in zip(records, spans)],
    })
    with open(os.path.join(HERE, 'fixtures.json'), 'w') as f:
        json.dump(manifest, f, sort_keys=True, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    sys.exit(main())
