#!/usr/bin/python3
"""Records Breezy's computed annotations -> annotate-fixtures.json.

Run: PYTHONHASHSEED=0 /usr/bin/python3 make-fixtures.py > annotate-fixtures.json
(optional arguments: SEED COUNT, for other random histories)

Each history is added, parents first, to a groupcompress pack store on a memory
transport (its get_annotator() is Breezy's plain Annotator). For every key we
record Annotator.annotate (every line's candidate origins) and annotate_flat
(one origin per line, ties broken by KnownGraph.heads and then key order), or
the error when Breezy refuses (a ghost in the ancestry). Breezy's C annotator
(what it uses) and the pure-Python one are both run and must agree.

Histories: hand-made diamonds, criss-cross merges, lines removed and re-added,
noeol and empty texts, a ghost; then seeded random DAGs whose texts are random
edits of their parents over a small vocabulary, so lines repeat and merges tie.
"""
import json
import random
import sys

from breezy import _annotator_py, annotate, errors, transport
from breezy.bzr import groupcompress

ANNOTATORS = (annotate.Annotator, _annotator_py.Annotator)
VOCAB = ['a\n', 'b\n', 'c\n', 'd\n', 'e\n', '{\n', '}\n', '\n', 'same\n', 'x = 1\n', 'caf\u00e9\n',
         'return\n', 'end\n']


def store(key_length):
    t = transport.get_transport_from_url('memory:///')
    return groupcompress.make_pack_factory(True, False, key_length)(t)


def enc(key):
    return tuple(e.encode('utf-8') for e in key)


def dec(key):
    return [e.decode('utf-8') for e in key]


def lines_of(text):
    return text.splitlines(True)


def run_annotator(vf, key):
    answers = []
    for A in ANNOTATORS:
        try:
            ann, lines = A(vf).annotate(key)
            flat = A(vf).annotate_flat(key)
            answers.append({
                'annotations': [[dec(k) for k in a] for a in ann],
                'lines': [l.decode('utf-8') for l in lines],
                'flat': [dec(k) for k, _ in flat],
            })
        except errors.RevisionNotPresent as e:
            missing = e.revision_id
            missing = next(iter(missing)) if isinstance(missing, (set, frozenset)) else missing
            answers.append({'error': 'RevisionNotPresent', 'key': dec(missing)})
    if answers[0] != answers[1]:
        raise AssertionError('C and Python annotators disagree on %r: %r %r' % (key, answers[0], answers[1]))
    return answers[0]


def record(name, key_length, texts):
    """texts: [(key, parents, text)] parents first; keys are lists of str."""
    vf = store(key_length)
    for key, parents, text in texts:
        vf.add_lines(enc(key), [enc(p) for p in parents], [l.encode('utf-8') for l in lines_of(text)])
    results = []
    for key, _, _ in texts:
        results.append([key, run_annotator(vf, enc(key))])
    return {
        'name': name,
        'keyLength': key_length,
        'texts': [[k, ps, t] for k, ps, t in texts],
        'results': results,
    }


def hand_made():
    out = []
    out.append(record('diamond', 1, [
        (['base'], [], 'one\ntwo\nthree\n'),
        (['left'], [['base']], 'one\ntwo left\nthree\n'),
        (['right'], [['base']], 'zero\none\ntwo\nthree\n'),
        (['merge'], [['left'], ['right']], 'zero\none\ntwo left\nthree\nmerged\n'),
    ]))
    # Both sides add the same line independently: a tie the heads cannot break.
    out.append(record('criss-cross', 1, [
        (['r'], [], 'a\nb\n'),
        (['p'], [['r']], 'a\nsame\nb\n'),
        (['q'], [['r']], 'a\nsame\nb\n'),
        (['m1'], [['p'], ['q']], 'a\nsame\nb\nm1\n'),
        (['m2'], [['q'], ['p']], 'a\nsame\nb\nm2\n'),
        (['top'], [['m1'], ['m2']], 'a\nsame\nb\nm1\nm2\n'),
    ]))
    out.append(record('re-added', 2, [
        (['f', 'r1'], [], 'keep\ngone\nkeep2\n'),
        (['f', 'r2'], [['f', 'r1']], 'keep\nkeep2\n'),
        (['f', 'r3'], [['f', 'r2']], 'keep\ngone\nkeep2\n'),
        (['f', 'r4'], [['f', 'r3'], ['f', 'r1']], 'keep\ngone\nkeep2\nnew\n'),
    ]))
    out.append(record('noeol-and-empty', 1, [
        (['e'], [], ''),
        (['n1'], [['e']], 'no newline'),
        (['n2'], [['n1']], 'no newline\n'),
        (['n3'], [['n2']], 'no newline\nlast'),
        (['n4'], [['n3'], ['e']], ''),
    ]))
    out.append(record('ghost', 1, [
        (['a'], [], 'a\n'),
        (['b'], [['a'], ['ghost']], 'a\nb\n'),
        (['c'], [['b']], 'a\nb\nc\n'),
    ]))
    out.append(record('three-parents', 1, [
        (['o'], [], 'x\ny\n'),
        (['p1'], [['o']], 'x\np\ny\n'),
        (['p2'], [['o']], 'x\np\ny\nq\n'),
        (['p3'], [['o']], 'p\nx\ny\nq\n'),
        (['m'], [['p1'], ['p2'], ['p3']], 'p\nx\np\ny\nq\n'),
    ]))
    return out


def edit(rng, lines, donors):
    lines = list(lines)
    for _ in range(rng.randint(0, 4)):
        op = rng.random()
        if op < 0.35 or not lines:
            at = rng.randint(0, len(lines))
            lines[at:at] = [rng.choice(VOCAB) for _ in range(rng.randint(1, 3))]
        elif op < 0.6:
            at = rng.randrange(len(lines))
            del lines[at:at + rng.randint(1, 2)]
        elif op < 0.8 and donors:
            donor = rng.choice(donors)
            if donor:
                start = rng.randrange(len(donor))
                chunk = donor[start:start + rng.randint(1, 4)]
                at = rng.randint(0, len(lines))
                lines[at:at] = chunk
        else:
            at = rng.randrange(len(lines))
            lines[at] = rng.choice(VOCAB)
    return lines


def random_history(rng, index):
    key_length = 2 if rng.random() < 0.3 else 1
    n = rng.randint(2, 14)
    keys = [(['file', 'rev%d' % i] if key_length == 2 else ['rev%d' % i]) for i in range(n)]
    texts = []
    content = {}
    for i, key in enumerate(keys):
        parents = []
        if i > 0 and rng.random() < 0.92:
            parents.append(keys[max(0, i - rng.randint(1, 3))])
            while rng.random() < 0.35 and len(parents) < 3:
                p = keys[rng.randrange(i)]
                if p not in parents:
                    parents.append(p)
        base = content[tuple(parents[0])] if parents else []
        donors = [content[tuple(p)] for p in parents[1:]]
        if parents and rng.random() < 0.3 and donors:
            # a merge that takes the other side's text with small changes
            lines = edit(rng, rng.choice(donors), [base])
        elif not parents:
            lines = [rng.choice(VOCAB) for _ in range(rng.randint(0, 8))]
        else:
            lines = edit(rng, base, donors)
        text = ''.join(lines)
        if text and rng.random() < 0.15:
            text = text[:-1] if text.endswith('\n') else text  # noeol
        content[tuple(key)] = lines_of(text)
        texts.append((key, parents, text))
    return record('random-%03d' % index, key_length, texts)


def main():
    # Optional arguments (the interop tests use them): seed and number of random histories.
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 20261121
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    rng = random.Random(seed)
    histories = hand_made() + [random_history(rng, i) for i in range(count)]
    json.dump({'breezy': '3.3.2', 'histories': histories}, sys.stdout, ensure_ascii=False, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
