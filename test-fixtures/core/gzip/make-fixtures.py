"""Writes fixtures.json: gzip members as Breezy and Python's gzip module write them.

Run from the repository root:
    PYTHONHASHSEED=0 /usr/bin/python3 test-fixtures/core/gzip/make-fixtures.py

- "breezy": the chunks given to breezy.bzr.tuned_gzip.chunks_to_gzip and the member it
  returned (the bytes our gzipChunks must reproduce in compat mode).
- "python": members written by Python's gzip module (FNAME, a set mtime, levels 1 and 9)
  and one built by hand with FEXTRA, FNAME, FCOMMENT and FHCRC, each checked here to
  read back with gzip.decompress; our gunzip must read them all.
- "knit": several Breezy members end to end, as a knit data file holds them, with the
  offset where each starts.
"""
import gzip
import io
import json
import os
import random
import struct
import zlib

from breezy.bzr import tuned_gzip

rng = random.Random(20261121)


def breezy_member(chunks):
    return b''.join(tuned_gzip.chunks_to_gzip(chunks))


def lines(n):
    return [b'line %d of %d %s\n' % (i, n, b'x' * rng.randrange(0, 40)) for i in range(n)]


breezy_inputs = [
    [],
    [b''],
    [b'one line\n'],
    [b'no final newline'],
    lines(50),
    [b'version abc 3 0123456789abcdef0123456789abcdef01234567\n', b'a\n', b'b\n', b'c\n', b'end abc\n'],
    [bytes(rng.randrange(256) for _ in range(600))],
    [bytes(rng.randrange(256) for _ in range(rng.randrange(0, 90))) for _ in range(12)],
    [b'z' * 5000],
]
breezy = [{'chunks': [c.hex() for c in chunks], 'gzip': breezy_member(chunks).hex()} for chunks in breezy_inputs]


def python_gzip(content, name, mtime, level):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode='wb', fileobj=buf, mtime=mtime, compresslevel=level) as f:
        f.write(content)
    return buf.getvalue()


def all_optional_fields(content):
    flags = 0x02 | 0x04 | 0x08 | 0x10  # FHCRC, FEXTRA, FNAME, FCOMMENT
    header = b'\x1f\x8b\x08' + bytes([flags]) + struct.pack('<L', 1234567890) + b'\x00\x03'
    extra = b'AB' + struct.pack('<H', 4) + b'data'
    header += struct.pack('<H', len(extra)) + extra
    header += b'name.txt\x00' + b'a comment\x00'
    header += struct.pack('<H', zlib.crc32(header) & 0xffff)
    z = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = z.compress(content) + z.flush()
    trailer = struct.pack('<LL', zlib.crc32(content), len(content))
    return header + body + trailer


python = []
for content, name, mtime, level in [
    (b'hello world\n' * 20, 'hello.txt', 1700000000, 9),
    (b'', 'empty', 0, 6),
    (bytes(range(256)) * 3, '', 42, 1),
]:
    member = python_gzip(content, name, mtime, level)
    python.append({'content': content.hex(), 'gzip': member.hex(), 'note': 'gzip module, FNAME=%r level %d' % (name, level)})
special = all_optional_fields(b'optional fields\n' * 5)
python.append({'content': (b'optional fields\n' * 5).hex(), 'gzip': special.hex(), 'note': 'FEXTRA FNAME FCOMMENT FHCRC'})
for entry in python:
    assert gzip.decompress(bytes.fromhex(entry['gzip'])) == bytes.fromhex(entry['content'])

knit_members = [breezy_member(lines(rng.randrange(1, 8))) for _ in range(4)]
offsets = []
pos = 0
for m in knit_members:
    offsets.append(pos)
    pos += len(m)
knit = {
    'file': b''.join(knit_members).hex(),
    'offsets': offsets,
    'contents': [gzip.decompress(m).hex() for m in knit_members],
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures.json')
with open(out, 'w') as f:
    json.dump({'breezy': breezy, 'python': python, 'knit': knit}, f, indent=1, sort_keys=True)
    f.write('\n')
