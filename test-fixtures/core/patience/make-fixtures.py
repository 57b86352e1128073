#!/usr/bin/python3
"""Writes pairs.jsonl.gz: generated (a, b) texts with the matching blocks that
Breezy's patiencediff (the C-accelerated PatienceSequenceMatcher that Breezy
imports) gives for their lines.

Run with Debian's python3-breezy interpreter and a fixed hash seed:

    PYTHONHASHSEED=0 /usr/bin/python3 test-fixtures/core/patience/make-fixtures.py

Options: --seed N (default 20260101), --count N (default 1200), --stdout
(write uncompressed JSON lines to stdout instead of the fixture file; the
interop test uses this with a fresh seed).

One JSON object per line: {"name", "a", "b", "blocks"}; "a" and "b" are the
texts as latin-1 strings (lines keep their "\\n"; only the last may lack it),
"blocks" is the flat list a0, b0, n0, a1, b1, n1, ... ending in the
(len(a), len(b), 0) sentinel.
"""

import argparse
import gzip
import json
import os
import random
import sys

import patiencediff

assert patiencediff.PatienceSequenceMatcher.__module__ != 'patiencediff._patiencediff_py', \
    'expected the C matcher that Breezy uses'


def vocab_line(rng, vocab):
    """A line drawn from a vocabulary of `vocab` distinct lines."""
    n = rng.randrange(vocab)
    kind = n % 7
    if kind == 0:
        return b'\n'
    if kind == 1:
        return b'    }\n'
    if kind == 2:
        return b'line %d\n' % n
    if kind == 3:
        return bytes([0x80 + n % 128, 0x41 + n % 26]) + b' bin\n'
    return b'text %d %s\n' % (n, b'x' * (n % 5))


def random_lines(rng, count, vocab):
    return [vocab_line(rng, vocab) for _ in range(count)]


def unique_lines(rng, count, tag):
    return [b'%s unique %d %d\n' % (tag, i, rng.randrange(1 << 30)) for i in range(count)]


def edit(rng, lines, vocab, edits):
    """Random line edits: delete, insert, replace, move and duplicate ranges."""
    out = list(lines)
    for _ in range(edits):
        op = rng.randrange(6)
        n = len(out)
        start = rng.randrange(n + 1)
        length = rng.randrange(1, 8)
        if op == 0 and n:
            del out[start:start + length]
        elif op == 1:
            out[start:start] = random_lines(rng, length, vocab)
        elif op == 2 and n:
            out[start:start + length] = random_lines(rng, rng.randrange(1, 8), vocab)
        elif op == 3 and n:
            chunk = out[start:start + length]
            del out[start:start + length]
            at = rng.randrange(len(out) + 1)
            out[at:at] = chunk
        elif op == 4 and n:
            chunk = out[start:start + length]
            at = rng.randrange(len(out) + 1)
            out[at:at] = chunk
        elif op == 5 and n:
            i = rng.randrange(n)
            out[i] = b'changed %d\n' % rng.randrange(1000)
    return out


def maybe_noeol(rng, lines, p):
    """Strips the last line's newline with probability p (Breezy's noeol)."""
    if lines and rng.random() < p:
        last = lines[-1][:-1]
        if last:
            lines = lines[:-1] + [last]
        else:
            lines = lines[:-1]
    return lines


def nested(rng, depth, noise):
    """Texts whose unique lines only become unique ever deeper in the
    recursion: each level's inner lines are duplicated in b outside the
    level's range. Depths past 10 exercise the matcher's recursion limit."""
    a = [b'core a\n', b'core b\n']
    b = [b'core a\n', b'core b\n']
    inner = list(a)
    for level in range(depth):
        u = b'u %d\n' % level
        v = b'v %d\n' % level
        dup = list(inner)
        if noise:
            rng.shuffle(dup)
        a = [u] + a + [v]
        b = [u] + b + [v] + dup
        inner = inner + [u, v]
    if noise:
        b = edit(rng, b, 20, noise)
    return a, b


def gen_pairs(rng, count):
    pairs = []
    fixed = [
        ('both empty', [], []),
        ('a empty', [], [b'one\n', b'two\n']),
        ('b empty', [b'one\n', b'two\n'], []),
        ('identical', [b'x\n', b'y\n', b'x\n'], [b'x\n', b'y\n', b'x\n']),
        ('noeol only differs', [b'a\n', b'b\n'], [b'a\n', b'b']),
        ('all same line', [b'\n'] * 30, [b'\n'] * 17),
        ('disjoint', [b'a\n', b'b\n'], [b'c\n', b'd\n']),
        ('abxcd', [b'a\n', b'b\n', b'x\n', b'c\n', b'd\n'], [b'a\n', b'b\n', b'c\n', b'd\n']),
    ]
    for name, a, b in fixed:
        pairs.append((name, a, b))
    for depth in range(6, 16):
        a, b = nested(rng, depth, 0)
        pairs.append(('nested depth %d' % depth, a, b))
        a, b = nested(rng, depth, rng.randrange(1, 4))
        pairs.append(('nested noisy depth %d' % depth, a, b))
    while len(pairs) < count:
        i = len(pairs)
        kind = rng.randrange(10)
        if kind < 4:
            # small texts over a small vocabulary: many repeated lines
            size = rng.randrange(0, 40)
            vocab = rng.randrange(1, 12)
            a = random_lines(rng, size, vocab)
            b = edit(rng, a, vocab, rng.randrange(0, 6))
            name = 'repeats %d' % i
        elif kind < 7:
            # mostly unique lines with a few repeats
            size = rng.randrange(0, 80)
            a = unique_lines(rng, size, b'a')
            for _ in range(rng.randrange(0, 5)):
                if a:
                    a.insert(rng.randrange(len(a) + 1), rng.choice(a))
            b = edit(rng, a, 400, rng.randrange(0, 10))
            name = 'unique %d' % i
        elif kind < 8:
            # unrelated texts
            a = random_lines(rng, rng.randrange(0, 30), rng.randrange(1, 40))
            b = random_lines(rng, rng.randrange(0, 30), rng.randrange(1, 40))
            name = 'unrelated %d' % i
        elif kind < 9:
            # big blocks moved around among a mix of unique and common lines
            size = rng.randrange(100, 600)
            a = [l if rng.random() < 0.7 else vocab_line(rng, 8)
                 for l in unique_lines(rng, size, b'big')]
            b = edit(rng, a, 50, rng.randrange(1, 25))
            name = 'big %d' % i
        else:
            # one side empty or nearly so
            a = random_lines(rng, rng.randrange(0, 20), rng.randrange(1, 10))
            b = a[:rng.randrange(0, 3)]
            if rng.random() < 0.5:
                a, b = b, a
            name = 'sparse %d' % i
        a = maybe_noeol(rng, a, 0.2)
        b = maybe_noeol(rng, b, 0.2)
        if rng.random() < 0.5:
            a, b = b, a
        pairs.append((name, a, b))
    return pairs


def blocks_of(a, b):
    matcher = patiencediff.PatienceSequenceMatcher(None, a, b)
    flat = []
    for block in matcher.get_matching_blocks():
        flat.extend(block)
    return flat


def fixture_args(seed, count):
    """The options every fixture script takes: --seed, --count, --stdout."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--seed', type=int, default=seed)
    parser.add_argument('--count', type=int, default=count)
    parser.add_argument('--stdout', action='store_true')
    return parser.parse_args()


def write_jsonl(records, directory, name, to_stdout):
    """Writes records as compact JSON lines: to stdout, or gzipped into
    directory/name (the multi-parent fixture script shares this)."""
    text = ''.join(json.dumps(r, separators=(',', ':')) + '\n' for r in records)
    if to_stdout:
        sys.stdout.write(text)
        return
    with open(os.path.join(directory, name), 'wb') as f:
        # mtime=0 keeps the file byte-identical from run to run
        f.write(gzip.compress(text.encode('utf-8'), mtime=0))


def main():
    args = fixture_args(seed=20260101, count=1200)
    rng = random.Random(args.seed)
    out = []
    for name, a, b in gen_pairs(rng, args.count):
        record = {
            'name': name,
            'a': b''.join(a).decode('latin-1'),
            'b': b''.join(b).decode('latin-1'),
            'blocks': blocks_of(a, b),
        }
        out.append(record)
    write_jsonl(out, os.path.dirname(os.path.abspath(__file__)), 'pairs.jsonl.gz', args.stdout)

if __name__ == '__main__':
    main()
