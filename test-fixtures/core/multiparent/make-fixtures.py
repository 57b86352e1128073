#!/usr/bin/python3
"""Writes cases.jsonl.gz: generated texts with 0-3 parent texts and the
multi-parent diff Breezy makes of them, in its patch text form.

Run with Debian's python3-breezy interpreter and a fixed hash seed:

    PYTHONHASHSEED=0 /usr/bin/python3 test-fixtures/core/multiparent/make-fixtures.py

Options: --seed N (default 20260102), --count N (default 400), --stdout
(write uncompressed JSON lines to stdout instead of the fixture file).

One JSON object per line: {"name", "text", "parents", "patch"} and, for some
cases, "leftBlocks" (flat a, b, n triples given to from_lines as left_blocks;
they come from difflib, so they differ from the patience blocks). Texts and the
patch are latin-1 strings of the bytes.
"""

import difflib
import os
import random
import sys
from io import BytesIO

from breezy import multiparent

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'patience'))
shared = __import__('make-fixtures')


def line(rng, vocab):
    n = rng.randrange(vocab)
    if n % 6 == 0:
        return b'\n'
    if n % 6 == 1:
        return bytes([0xc0 + n % 64]) + b' %d\n' % n
    return b'line %d\n' % n


def lines(rng, count, vocab):
    return [line(rng, vocab) for _ in range(count)]


def edit(rng, text, vocab, edits):
    out = list(text)
    for _ in range(edits):
        start = rng.randrange(len(out) + 1)
        length = rng.randrange(1, 6)
        op = rng.randrange(4)
        if op == 0:
            del out[start:start + length]
        elif op == 1:
            out[start:start] = lines(rng, length, vocab)
        elif op == 2:
            out[start:start + length] = lines(rng, rng.randrange(0, 6), vocab)
        else:
            chunk = out[start:start + length]
            at = rng.randrange(len(out) + 1)
            out[at:at] = chunk
    return out


def noeol(rng, text):
    if text and rng.random() < 0.25:
        last = text[-1][:-1]
        return text[:-1] + ([last] if last else [])
    return text


def child_of(rng, parents, vocab):
    """Runs taken from the parents in turn, with new lines between."""
    out = []
    for _ in range(rng.randrange(0, 8)):
        if parents and rng.random() < 0.75:
            source = rng.choice(parents)
            if source:
                start = rng.randrange(len(source))
                out.extend(source[start:start + rng.randrange(1, 12)])
                continue
        out.extend(lines(rng, rng.randrange(1, 4), vocab))
    return out


def gen_cases(rng, count):
    cases = [
        ('empty, no parents', [], []),
        ('empty, one parent', [], [[b'a\n']]),
        ('snapshot', [b'a\n', b'b'], []),
        ('copy of parent', [b'a\n', b'b\n'], [[b'a\n', b'b\n']]),
        ('noeol differs', [b'a\n', b'b'], [[b'a\n', b'b\n']]),
        ('blank last line', [b'x\n', b'\n'], [[b'y\n']]),
        ('tie between parents', [b'a\n', b'b\n'], [[b'a\n', b'b\n'], [b'a\n', b'b\n']]),
    ]
    while len(cases) < count:
        i = len(cases)
        vocab = rng.choice([4, 10, 40, 400])
        base = lines(rng, rng.randrange(0, 40), vocab)
        nparents = rng.randrange(0, 4)
        # texts are derived from whole lines; only then may a last line lose its newline
        full = [edit(rng, base, vocab, rng.randrange(0, 6)) for _ in range(nparents)]
        if rng.random() < 0.5:
            text = edit(rng, full[0] if full else base, vocab, rng.randrange(0, 6))
        else:
            text = child_of(rng, full, vocab)
        parents = [noeol(rng, p) for p in full]
        cases.append(('generated %d' % i, noeol(rng, text), parents))
    return cases


def latin1(chunks):
    return b''.join(chunks).decode('latin-1')


def main():
    args = shared.fixture_args(seed=20260102, count=400)
    rng = random.Random(args.seed)
    out = []
    for name, text, parents in gen_cases(rng, args.count):
        for t in [text] + parents:
            assert BytesIO(b''.join(t)).readlines() == t, 'texts must be lines'
        record = {'name': name, 'text': latin1(text), 'parents': [latin1(p) for p in parents]}
        left_blocks = None
        if parents and rng.random() < 0.2:
            matcher = difflib.SequenceMatcher(None, parents[0], text, autojunk=False)
            left_blocks = [tuple(b) for b in matcher.get_matching_blocks()]
            record['leftBlocks'] = [v for b in left_blocks for v in b]
        diff = multiparent.MultiParent.from_lines(text, parents, left_blocks)
        assert diff.to_lines([b''.join(p) for p in parents]) == text
        record['patch'] = latin1(diff.to_patch())
        out.append(record)
    shared.write_jsonl(out, HERE, 'cases.jsonl.gz', args.stdout)

if __name__ == '__main__':
    main()
