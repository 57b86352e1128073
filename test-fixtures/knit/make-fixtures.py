"""Writes the knit fixtures: knit files Breezy 3.3.2 made, and what it says about them.

Run with /usr/bin/python3 and PYTHONHASHSEED=0 from anywhere:
    PYTHONHASHSEED=0 /usr/bin/python3 test-fixtures/knit/make-fixtures.py

For each scenario (a layout of Breezy's per_versionedfile matrix) it replays one
deterministic history of inserts into a fresh store and writes:
  <scenario>/...            the .knit/.kndx files, as Breezy laid them out
  <scenario>.json           the inserts (so tests can replay them and compare
                            bytes), and per key: sha1 and annotate() (the
                            origin version id of each line; null where Breezy
                            cannot annotate); the record stream in wire form,
                            and one delta closure.
The histories cover diamond merges, a long chain, no-eol texts, empty texts,
ghost parents, binary bytes and long lines, with key lengths 1 and 2.
"""
import base64
import json
import os
import random
import shutil
import sys

from breezy import errors, osutils, transport as _transport
from breezy.bzr.knit import make_file_factory, make_pack_factory
from breezy.bzr.versionedfile import (
    ConstantMapper, HashEscapedPrefixMapper, PrefixMapper)

HERE = os.path.dirname(os.path.abspath(__file__))


def b64(data):
    return base64.b64encode(data).decode('ascii')


def history(prefix):
    """(key, parents, text) inserts; prefix () for key length 1."""
    rng = random.Random(len(prefix) * 7 + 1)
    k = lambda name: prefix + (name.encode('utf-8'),)
    out = []
    base = [b'line %d of the base text\n' % i for i in range(24)]
    out.append((k('base'), (), b''.join(base)))
    # A long chain: each version edits, inserts or deletes a few lines.
    lines = list(base)
    prev = 'base'
    for i in range(1, 26):
        lines = list(lines)
        for _ in range(rng.randint(1, 3)):
            op = rng.choice(['edit', 'insert', 'delete'])
            at = rng.randrange(len(lines))
            if op == 'edit':
                lines[at] = b'edited in chain-%d: %d\n' % (i, rng.randrange(1000))
            elif op == 'insert':
                lines.insert(at, b'inserted in chain-%d\n' % i)
            elif len(lines) > 5:
                del lines[at]
        name = 'chain-%d' % i
        out.append((k(name), (k(prev),), b''.join(lines)))
        prev = name
    # A diamond: two branches from chain-3, then their merge.
    left = [b'left\n'] + base[:12] + [b'left change\n'] + base[13:]
    right = base[:18] + [b'right change\n'] + base[19:] + [b'right tail\n']
    merged = [b'left\n'] + base[:12] + [b'left change\n'] + base[13:18] + \
        [b'right change\n'] + base[19:] + [b'right tail\n', b'merge line\n']
    out.append((k('left'), (k('chain-3'),), b''.join(left)))
    out.append((k('right'), (k('chain-3'),), b''.join(right)))
    out.append((k('merged'), (k('left'), k('right')), b''.join(merged)))
    # No-eol texts, a delta from an eol text to a no-eol one and back.
    out.append((k('noeol'), (k('merged'),), b''.join(merged) + b'no newline at end'))
    out.append((k('noeol-child'), (k('noeol'),), b''.join(merged[:-3]) + b'still no newline'))
    out.append((k('eol-again'), (k('noeol-child'),), b''.join(merged[:-3]) + b'newline again\n'))
    out.append((k('noeol-only'), (), b'just one line without newline'))
    # Empty texts, as a root and as a child.
    out.append((k('empty'), (), b''))
    out.append((k('empty-child'), (k('base'),), b''))
    out.append((k('from-empty'), (k('empty'),), b'one line\n'))
    # Ghosts: a missing left parent (fulltext), a missing right parent (delta).
    out.append((k('ghost-left'), (k('a-ghost'), k('base')), b''.join(base[:10])))
    out.append((k('ghost-right'), (k('base'), k('another-ghost')), b''.join(base[5:])))
    # Binary bytes and long lines.
    binary = bytes(range(256)) + b'\n' + bytes(range(255, -1, -1))
    out.append((k('binary'), (k('base'),), binary))
    out.append((k('binary-child'), (k('binary'),), binary + b'\n\x00\x01\x02\n'))
    long_line = b''.join(b'%d,' % i for i in range(700)) + b'\n'
    out.append((k('long-lines'), (k('chain-25'),), long_line + b''.join(lines) + long_line))
    # Unicode in a version id.
    out.append((k('caf\u00e9-\u2603'), (k('long-lines'),), b'unicode id\n' + long_line))
    return out


SCENARIOS = [
    # name, annotated, mapper, prefixes
    ('named-knit', False, ConstantMapper('revisions'), [()]),
    ('named-annotated-knit', True, ConstantMapper('revisions'), [()]),
    ('annotated-knit-escape', True, HashEscapedPrefixMapper(), [(b'FileA',), (b'file B %x',)]),
    ('plain-knit-prefix', False, PrefixMapper(), [(b'FileA',), (b'FileB',)]),
]


def key_text(key):
    return [e.decode('utf-8') for e in key]


def annotate(vf, key):
    # Breezy cannot annotate plain-knit texts that descend from a ghost.
    try:
        return [key_text(o)[-1] for o, line in vf.annotate(key)]
    except errors.RevisionNotPresent:
        return None


def key_facts(vf, keys):
    sha1s = vf.get_sha1s(keys)
    return [{'key': key_text(k), 'sha1': sha1s[k].decode('ascii'), 'annotate': annotate(vf, k)}
            for k in keys]


def make(name, annotated, mapper, prefixes):
    root = os.path.join(HERE, name)
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    t = _transport.get_transport_from_path(root)
    vf = make_file_factory(annotated, mapper)(t)
    inserts = []
    for n, prefix in enumerate(prefixes):
        # Later prefixes get a short history: the layout is what they test.
        for key, parents, text in history(prefix)[:None if n == 0 else 6]:
            lines = osutils.split_lines(text)
            vf.add_lines(key, parents, lines)
            inserts.append({'key': key_text(key), 'parents': [key_text(p) for p in parents],
                            'text': b64(text)})
    keys = sorted(vf.keys())
    per_key = key_facts(vf, keys)
    stream = []
    for record in vf.get_record_stream(keys, 'unordered', False):
        stream.append({'key': key_text(record.key), 'kind': record.storage_kind,
                       'wire': b64(record.get_bytes_as(record.storage_kind))})
    closure_keys = [k for k in keys if k[-1] in (b'merged', b'noeol-child', b'chain-7')]
    closure = None
    for record in vf.get_record_stream(closure_keys, 'topological', True):
        if record.storage_kind == 'knit-delta-closure':
            closure = b64(record.get_bytes_as(record.storage_kind))
    files = []
    for dirpath, _, filenames in os.walk(root):
        for f in filenames:
            files.append(os.path.relpath(os.path.join(dirpath, f), root))
    manifest = {
        'scenario': name, 'annotated': annotated, 'keyLength': len(keys[0]),
        'mapper': type(mapper).__name__, 'files': sorted(files),
        'inserts': inserts, 'keys': per_key, 'stream': stream,
        'closureKeys': [key_text(k) for k in closure_keys], 'closure': closure,
    }
    with open(os.path.join(HERE, name + '.json'), 'w') as f:
        json.dump(manifest, f, sort_keys=True)


PACK_SCENARIOS = [
    # name, graph, delta, key length
    ('named-nograph-nodelta-knit-pack', False, False, 1),
    ('named-graph-knit-pack', True, True, 1),
    ('named-graph-nodelta-knit-pack', True, False, 1),
    ('plain-knit-pack', True, True, 2),
]


def make_pack(name, graph, delta, key_length):
    """A knit pack: the container `newpack` and its GraphIndex as `newpack.tix`."""
    root = os.path.join(HERE, name)
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    t = _transport.get_transport_from_path(root)
    vf = make_pack_factory(graph, delta, key_length)(t)
    inserts = []
    prefixes = [()] if key_length == 1 else [(b'FileA',), (b'FileB',)]
    for n, prefix in enumerate(prefixes):
        for key, parents, text in history(prefix)[:None if n == 0 else 6]:
            if not graph:
                parents = ()
            vf.add_lines(key, parents, osutils.split_lines(text))
            inserts.append({'key': key_text(key), 'parents': [key_text(p) for p in parents],
                            'text': b64(text)})
    keys = sorted(vf.keys())
    per_key = key_facts(vf, keys)
    # Breezy's cleanup_pack_knit closes the stream before ending the writer
    # (and fails); end first, then close.
    vf.writer.end()
    vf.stream.close()
    with open(os.path.join(root, 'newpack.tix'), 'wb') as f:
        f.write(vf._index._graph_index.finish().read())
    manifest = {
        'scenario': name, 'graph': graph, 'delta': delta, 'keyLength': key_length,
        'files': ['newpack', 'newpack.tix'], 'inserts': inserts, 'keys': per_key,
    }
    with open(os.path.join(HERE, name + '.json'), 'w') as f:
        json.dump(manifest, f, sort_keys=True)


def main():
    for scenario in SCENARIOS:
        make(*scenario)
    for scenario in PACK_SCENARIOS:
        make_pack(*scenario)


if __name__ == '__main__':
    main()
