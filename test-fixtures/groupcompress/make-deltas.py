"""Breezy 3.3.2's groupcompress deltas and groups on generated texts.

Usage: PYTHONHASHSEED=0 /usr/bin/python3 make-deltas.py SEED COUNT [BIG] > deltas.jsonl

Writes one JSON object per line:
  {"kind": "pair", "source", "target", "delta"}             make_delta(source, target)
  {"kind": "group", "maxBytesToIndex", "texts", "records", "content", "block"}
     texts fed one by one to GroupCompressor.compress; records = [start, end, type];
     content = the uncompressed group; block = GroupCompressBlock.to_bytes().
Bytes are base64. BIG=1 adds texts past 64 KiB (copies split at 0x10000).
"""
import base64
import json
import random
import sys

from breezy.bzr import groupcompress
from breezy.bzr._groupcompress_pyx import make_delta

seed = int(sys.argv[1])
count = int(sys.argv[2])
big = len(sys.argv) > 3 and sys.argv[3] == '1'
rng = random.Random(seed)

WORDS = [b'alpha', b'beta', b'gamma', b'delta', b'def', b'return', b'self', b'(x)', b'    ',
         b'import', b'#', b'=', b'+', b'None', b'for', b'in', b'range', b':', b'if', b'else']


def b64(data):
    return base64.b64encode(data).decode('ascii')


def line():
    n = rng.randint(0, 9)
    return b' '.join(rng.choice(WORDS) for _ in range(n)) + b'\n'


def text(nlines):
    kind = rng.random()
    if kind < 0.1:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 600)))
    if kind < 0.2:
        # periodic content: many identical windows in one hash bucket
        unit = bytes(rng.choice(b'abcxyz\n') for _ in range(rng.randint(1, 7)))
        return unit * rng.randint(1, 3000 // len(unit) + 1)
    return b''.join(line() for _ in range(nlines))


def mutate(lines):
    lines = list(lines)
    for _ in range(rng.randint(0, 6)):
        op = rng.random()
        pos = rng.randint(0, len(lines))
        if op < 0.4:
            lines[pos:pos] = [line() for _ in range(rng.randint(1, 5))]
        elif op < 0.7 and lines:
            del lines[pos:pos + rng.randint(1, 4)]
        elif lines:
            lines[min(pos, len(lines) - 1)] = line()
    return lines


def history(n, nlines):
    texts = []
    base = text(nlines).splitlines(True)
    for _ in range(n):
        if rng.random() < 0.15:
            base = text(nlines).splitlines(True)
        base = mutate(base)
        t = b''.join(base)
        if rng.random() < 0.1:
            t = t.rstrip(b'\n')
        texts.append(t)
    return texts


out = sys.stdout
for _ in range(count):
    a = text(rng.randint(1, 80))
    b = b''.join(mutate(a.splitlines(True))) or b'x'
    out.write(json.dumps({'kind': 'pair', 'source': b64(a), 'target': b64(b),
                          'delta': None if not a else b64(make_delta(a, b) or b'')}) + '\n')

for _ in range(count):
    max_bytes = rng.choice([0, 0, 1024 * 1024, 256, 4096])
    nlines = rng.randint(1, 60)
    if big:
        nlines = rng.choice([nlines, 3000, 6000])
    texts = history(rng.randint(1, 12), nlines)
    compressor = groupcompress.GroupCompressor({'max_bytes_to_index': max_bytes})
    records = []
    for i, t in enumerate(texts):
        sha1, start, end, kind = compressor.compress((b'k%d' % i,), [t], len(t), None)
        records.append([start, end, kind])
    block = compressor.flush()
    block._ensure_content()
    out.write(json.dumps({
        'kind': 'group', 'maxBytesToIndex': max_bytes, 'texts': [b64(t) for t in texts],
        'records': records, 'content': b64(block._content), 'block': b64(block.to_bytes()),
    }) + '\n')
