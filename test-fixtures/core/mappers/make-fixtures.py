"""Writes fixtures.json: what Breezy's key mappers make of awkward keys.

Run from the repository root:
    PYTHONHASHSEED=0 /usr/bin/python3 test-fixtures/core/mappers/make-fixtures.py

For each mapper and each key prefix (given here as the UTF-8 text of the key's
first element) it records:
- "map": what mapper.map((prefix, b'rev-1')) returns (a URL-escaped relative path);
- "unmap": mapper.unmap(map) decoded back to text (or null when it raises);
- "disk": the file Breezy actually creates for that prefix in a plain knit store
  on a local disk, relative to the store, without its ".kndx" suffix; null when
  the write fails, with the exception's class name in "error".
"""
import json
import os
import shutil
import tempfile

from breezy.bzr import knit, versionedfile
from breezy.transport import local

KEYS = [
    'file-id',
    'TREE_ROOT',
    'a b',
    'tab\there',
    '100%',
    '%41',
    '%2e%2e',
    '%2F',
    'Upper-Case',
    'dots.in.name',
    '.hidden',
    '...',
    '.',
    '..',
    'a/b',
    '../etc',
    '/abs',
    'back\\slash',
    'semi;colon,comma+plus=eq',
    'at@sign_under-dash',
    'tilde~',
    'question?hash#amp&',
    'quote"apos\'',
    'ends:',
    'sha1:0123456789abcdef0123456789abcdef01234567',
    '\u00fcn\u00efc\u00f6d\u00e9',
    '\u65e5\u672c\u8a9e',
    '\U0001f600 emoji',
    'x' * 120,
    'y' * 300,
    '\u00e9' * 100,
]

MAPPERS = {
    'prefix': versionedfile.PrefixMapper(),
    'hashPrefix': versionedfile.HashPrefixMapper(),
    'hashEscapedPrefix': versionedfile.HashEscapedPrefixMapper(),
}


def on_disk(mapper, prefix):
    """Writes one text under (prefix, b'rev-1'); returns the index file's relative name."""
    root = tempfile.mkdtemp(prefix='vf-mapper-')
    try:
        transport = local.LocalTransport(local.urlutils.local_path_to_url(root))
        store = knit.make_file_factory(False, mapper)(transport)
        store.add_lines((prefix, b'rev-1'), (), [b'text\n'])
        found = []
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                found.append(os.path.relpath(os.path.join(dirpath, name), root))
        index = [f for f in found if f.endswith('.kndx')]
        assert len(index) == 1, found
        return {'disk': index[0][:-len('.kndx')], 'error': None}
    except Exception as e:  # the failure itself is the fact recorded
        return {'disk': None, 'error': type(e).__name__}
    finally:
        shutil.rmtree(root)


table = []
for text in KEYS:
    prefix = text.encode('utf-8')
    row = {'key': text}
    for name, mapper in MAPPERS.items():
        mapped = mapper.map((prefix, b'rev-1'))
        try:
            unmapped = mapper.unmap(mapped)[0].decode('utf-8')
        except Exception:
            unmapped = None
        row[name] = dict({'map': mapped, 'unmap': unmapped}, **on_disk(mapper, prefix))
    table.append(row)

constant = versionedfile.ConstantMapper('revisions')
out = {
    'constant': {'result': 'revisions', 'map': constant.map((b'anything', b'rev-1'))},
    'keys': table,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1, sort_keys=True, ensure_ascii=True)
    f.write('\n')
