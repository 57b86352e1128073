"""A real format 2a repository made by Breezy 3.3.2, and what it holds.

Usage: PYTHONHASHSEED=0 /usr/bin/python3 make-repository.py PATH SEED REVISIONS [PACK]

Commits REVISIONS random edits of a few files in a standalone 2a tree at PATH
(PACK=1: then packs the repository into one pack), and prints JSON:
{kind: [[key, sha1 of the text, parents or null], ...]} for the text,
revision, inventory, chk and signature stores.
"""
import json, os, random, sys
from breezy import controldir, osutils
from breezy.bzr import groupcompress_repo  # noqa: registers 2a
from breezy.controldir import format_registry
path = sys.argv[1]; seed = int(sys.argv[2]); revs = int(sys.argv[3])
rng = random.Random(seed)
tree = controldir.ControlDir.create_standalone_workingtree(path, format=format_registry.make_controldir('2a'))
files = {}
words = ['alpha', 'beta', 'gamma', 'delta', 'return x', 'def f():', '    pass', '# note', 'import os']
with tree.lock_write():
    for r in range(revs):
        for _ in range(rng.randint(1, 4)):
            name = 'f%d.txt' % rng.randint(0, 8)
            lines = files.get(name, [])
            lines = list(lines)
            for _ in range(rng.randint(1, 20)):
                pos = rng.randint(0, len(lines))
                if lines and rng.random() < 0.3:
                    del lines[pos:pos + 2]
                else:
                    lines.insert(pos, ' '.join(rng.choice(words) for _ in range(rng.randint(1, 8))) + '\n')
            files[name] = lines
            with open(os.path.join(path, name), 'w') as f:
                f.write(''.join(lines))
            if not tree.is_versioned(name):
                tree.add([name])
        tree.commit('rev %d' % r, rev_id=b'rev-%d' % r, committer='Test <t@example.com>', timestamp=1700000000 + r, timezone=0)
    if len(sys.argv) > 4 and sys.argv[4] == '1':
        tree.branch.repository.pack()
repo = tree.branch.repository
out = {}
with repo.lock_read():
    for kind, vf in [('text', repo.texts), ('revision', repo.revisions), ('inventory', repo.inventories),
                     ('chk', repo.chk_bytes), ('signature', repo.signatures)]:
        keys = vf.keys()
        rows = []
        for rec in vf.get_record_stream(keys, 'unordered', True):
            rows.append([[k.decode() for k in rec.key], osutils.sha_string(rec.get_bytes_as('fulltext')).decode(),
                         None if rec.parents is None else [[e.decode() for e in p] for p in rec.parents]])
        out[kind] = rows
print(json.dumps(out))
