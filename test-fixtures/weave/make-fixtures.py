#!/usr/bin/python3
# Writes the weave fixtures with Breezy 3.3.2. Run from the repository root:
#   PYTHONHASHSEED=0 /usr/bin/python3 test-fixtures/weave/make-fixtures.py
#
# Outputs, in test-fixtures/weave/:
#   <name>.weave        weave files Breezy wrote for the inserts in inserts.json
#   inserts.json        per weave: the add_lines calls (name, parents, lines),
#                       each version's text, sha1 and annotation, and the
#                       iter_lines_added_or_present_in_versions output
#   merges.json         per merge scenario (three texts base -> a, base -> b in
#                       a weave): Breezy's plan_merge and weave_merge output
#   plan-merge.json     per graph scenario: _PlanMergeVersionedFile plans
#                       (plan_merge with and without a base, plan_lca_merge)
import json
import os
import random
import sys
from io import BytesIO

from breezy.bzr.weave import Weave
from breezy.bzr.weavefile import write_weave_v5
from breezy.bzr.versionedfile import PlanWeaveMerge, _PlanMergeVersionedFile
from breezy.bzr import versionedfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)))


def text(lines):
    return [l.decode('utf-8') for l in lines]


def to_lines(s):
    return [l.encode('utf-8') for l in s]


def lines_of(s):
    return s.encode('utf-8').splitlines(True)


# -- weave files ---------------------------------------------------------------

def scenario_simple():
    return [
        ('v1', [], lines_of('hello\nworld\n')),
        ('v2', ['v1'], lines_of('hello\nthere\nworld\n')),
        ('v3', ['v2'], lines_of('hello\nworld\n')),
    ]


def scenario_merges():
    # A diamond with a conflicting merge and a criss-cross after it.
    return [
        ('base', [], lines_of('a\nb\nc\nd\ne\n')),
        ('left', ['base'], lines_of('a\nB-left\nc\nd\ne\n')),
        ('right', ['base'], lines_of('a\nB-right\nc\nd\ne\nf\n')),
        ('merge', ['left', 'right'], lines_of('a\nB-merged\nc\nd\ne\nf\n')),
        ('other', ['right', 'left'], lines_of('a\nB-left\nB-right\nc\ne\nf\n')),
        ('final', ['merge', 'other'], lines_of('a\nB-merged\nc\ne\nf\ng\n')),
    ]


def scenario_noeol():
    return [
        ('n1', [], lines_of('one\ntwo')),
        ('n2', ['n1'], lines_of('one\ntwo\n')),
        ('n3', ['n2'], lines_of('one\ntwo\nthree')),
        ('n4', ['n3'], lines_of('zero\none\ntwo\nthree')),
        ('n5', [], lines_of('lonely')),
    ]


def scenario_empty():
    return [
        ('e1', [], []),
        ('e2', ['e1'], lines_of('now there is text\n')),
        ('e3', ['e2'], []),
        ('e4', [], []),
        ('e5', ['e3', 'e4'], lines_of('back\n')),
        ('e6', ['e5'], [b'']),
    ]


def scenario_random(seed, versions, words):
    rnd = random.Random(seed)
    vocab = ['w%d\n' % i for i in range(words)] + ['caf\u00e9\n', 'x']
    out = []
    texts = {}
    for i in range(versions):
        name = 'r%03d' % i
        if i == 0:
            parents = []
        else:
            k = 1 if rnd.random() < 0.75 or i < 3 else 2
            parents = rnd.sample([n for n, _, _ in out], min(k, len(out)))
        base = list(texts[parents[0]]) if parents else []
        if len(parents) > 1:
            extra = texts[parents[1]]
            at = rnd.randrange(len(base) + 1)
            base[at:at] = extra[:rnd.randrange(len(extra) + 1)]
        for _ in range(rnd.randrange(1, 4)):
            op = rnd.random()
            at = rnd.randrange(len(base) + 1)
            if op < 0.5:
                base[at:at] = [rnd.choice(vocab[:-1]) for _ in range(rnd.randrange(1, 4))]
            elif op < 0.85 and base:
                del base[at:at + rnd.randrange(1, 3)]
            else:
                base[at:at + 1] = [rnd.choice(vocab[:-1])]
        if rnd.random() < 0.1:
            base.append('x')
        # Only the last line may lack a newline.
        base = [l if l.endswith('\n') else l + '\n' for l in base[:-1]] + base[-1:]
        texts[name] = base
        out.append((name, parents, to_lines(base)))
    return out


def make_weave(name, inserts):
    w = Weave(name)
    for version, parents, lines in inserts:
        w.add_lines(version.encode(), [p.encode() for p in parents], lines)
    buf = BytesIO()
    write_weave_v5(w, buf)
    with open(os.path.join(OUT, name + '.weave'), 'wb') as f:
        f.write(buf.getvalue())
    w.check()
    versions = []
    for version, parents, lines in inserts:
        v = version.encode()
        versions.append({
            'name': version,
            'parents': parents,
            'lines': text(lines),
            'text': text(w.get_lines(v)),
            'sha1': w.get_sha1s([v])[v].decode(),
            'annotate': [[o.decode(), l.decode('utf-8')] for o, l in w.annotate(v)],
            'ancestry': sorted(x.decode() for x in w.get_ancestry([v])),
        })
    added = [[l.decode('utf-8'), v.decode()]
             for l, v in w.iter_lines_added_or_present_in_versions()]
    return {'name': name, 'versions': versions, 'linesAdded': added}


def weave_fixtures():
    scenarios = [
        ('simple', scenario_simple()),
        ('merges', scenario_merges()),
        ('noeol', scenario_noeol()),
        ('empty', scenario_empty()),
        ('random', scenario_random(5, 40, 12)),
    ]
    return [make_weave(name, inserts) for name, inserts in scenarios]


# -- weave merge ----------------------------------------------------------------

MERGE_CASES = [
    # Breezy's MergeCasesMixin (per_versionedfile.py), as (name, base, a, b).
    ('OneInsert', [], ['aa'], []),
    ('SeparateInserts', ['aaa', 'bbb', 'ccc'], ['aaa', 'xxx', 'bbb', 'ccc'], ['aaa', 'bbb', 'yyy', 'ccc']),
    ('SameInsert', ['aaa', 'bbb', 'ccc'], ['aaa', 'xxx', 'bbb', 'ccc'], ['aaa', 'xxx', 'bbb', 'yyy', 'ccc']),
    ('OverlappedInsert', ['aaa', 'bbb'], ['aaa', 'xxx', 'yyy', 'bbb'], ['aaa', 'xxx', 'bbb']),
    ('ClashReplace', ['aaa'], ['xxx'], ['yyy', 'zzz']),
    ('NonClashInsert1', ['aaa'], ['xxx', 'aaa'], ['yyy', 'zzz']),
    ('NonClashInsert2', ['aaa'], ['aaa'], ['yyy', 'zzz']),
    ('DeleteAndModify', ['aaa', 'bbb', 'ccc'], ['aaa', 'ddd', 'ccc'], ['aaa', 'ccc']),
    ('deletion_extended', ['line 1', 'line 2', 'line 3'], ['line 1', 'line 2'], ['line 1']),
    ('deletion_overlap',
     ['start context', 'int a() {}', 'int b() {}', 'int c() {}', 'end context'],
     ['start context', 'int a() {}', 'end context'],
     ['start context', 'int c() {}', 'end context']),
    ('agreement_deletion',
     ['start context', 'base line 1', 'base line 2', 'end context'],
     ['start context', 'base line 1', 'end context'],
     ['start context', 'base line 1', 'end context']),
    ('sync_on_deletion',
     ['start context', 'base line 1', 'base line 2', 'end context'],
     ['start context', 'base line 1', "a's replacement line 2", 'end context'],
     ['start context', 'b replaces', 'both lines', 'end context']),
]


def merge_lines(lines, noeol):
    out = [l.encode('utf-8') + b'\n' for l in lines]
    if noeol and out:
        out[-1] = out[-1][:-1]
    return out


def merge_case(name, base, a, b, noeol=False):
    base, a, b = (merge_lines(x, noeol) for x in (base, a, b))
    w = Weave('merge')
    w.add_lines(b'text0', [], base)
    w.add_lines(b'text1', [b'text0'], a)
    w.add_lines(b'text2', [b'text0'], b)
    plan = list(w.plan_merge(b'text1', b'text2'))
    merger = PlanWeaveMerge(plan)
    lines, conflicts = merger.merge_lines()
    return {
        'name': name,
        'base': text(base), 'a': text(a), 'b': text(b),
        'plan': [[s, l.decode('utf-8')] for s, l in plan],
        'merged': text(w.weave_merge(plan)),
        'conflicts': conflicts,
        'reprocessed': text(PlanWeaveMerge(plan).merge_lines(reprocess=True)[0]),
        'basePlan': text(PlanWeaveMerge(plan).base_from_plan()),
    }


def random_merge_case(i, rnd):
    vocab = ['l%d' % k for k in range(8)]
    base = [rnd.choice(vocab) for _ in range(rnd.randrange(0, 9))]

    def mutate(lines):
        lines = list(lines)
        for _ in range(rnd.randrange(0, 4)):
            at = rnd.randrange(len(lines) + 1)
            op = rnd.random()
            if op < 0.4:
                lines[at:at] = [rnd.choice(vocab + ['new%d' % rnd.randrange(4)])]
            elif op < 0.8 and lines:
                del lines[at:at + rnd.randrange(1, 3)]
            else:
                lines[at:at + 1] = ['chg%d' % rnd.randrange(4)]
        return lines

    return merge_case('random%02d' % i, base, mutate(base), mutate(base), noeol=(i % 5 == 4))


def merge_fixtures():
    cases = [merge_case(*c) for c in MERGE_CASES]
    rnd = random.Random(11)
    cases += [random_merge_case(i, rnd) for i in range(40)]
    return cases


# -- plan-merge versioned files ------------------------------------------------

GRAPH_CASES = [
    # (name, [(rev, parents, text)], merges: [(a, b, base or None)])
    ('criss-cross', [
        ('A', [], 'M\nN\n'),
        ('B', ['A'], 'M\na\nN\n'),
        ('C', ['A'], 'M\nb\nN\n'),
        ('D', ['B', 'C'], 'M\na\nb\nN\n'),
        ('E', ['C', 'B'], 'M\nb\na\nN\n'),
    ], [('D', 'E', None), ('D', 'E', 'A'), ('B', 'C', None), ('B', 'C', 'A'), ('D', 'C', None)]),
    ('diverged', [
        ('A', [], 'one\ntwo\nthree\nfour\n'),
        ('B', ['A'], 'one\nTWO\nthree\nfour\n'),
        ('C', ['B'], 'one\nTWO\nthree\nfour\nfive\n'),
        ('D', ['A'], 'zero\none\ntwo\nthree\n'),
        ('E', ['D'], 'zero\none\ntwo\nTHREE\n'),
    ], [('C', 'E', None), ('E', 'C', None), ('C', 'E', 'B'), ('C', 'A', None)]),
    ('unrelated', [
        ('A', [], 'x\ny\n'),
        ('B', [], 'y\nz\n'),
    ], [('A', 'B', None)]),
    ('three-lcas', [
        ('A', [], 'a\nb\nc\n'),
        ('B', ['A'], 'a\nB\nc\n'),
        ('C', ['A'], 'a\nb\nC\n'),
        ('D', ['A'], 'A\na\nb\nc\n'),
        ('E', ['B', 'C', 'D'], 'A\na\nB\nC\n'),
        ('F', ['C', 'D', 'B'], 'A\na\nb\nC\nF\n'),
    ], [('E', 'F', None), ('F', 'E', None)]),
]


def plan_merge_case(name, revs, merges):
    from breezy.bzr.weave import WeaveFile
    from breezy.transport.memory import MemoryTransport
    texts = versionedfile.make_versioned_files_factory(
        WeaveFile, versionedfile.PrefixMapper())(MemoryTransport())
    for rev, parents, body in revs:
        texts.add_lines((b'f', rev.encode()), [(b'f', p.encode()) for p in parents], lines_of(body))
    results = []
    for a, b, base in merges:
        vf = _PlanMergeVersionedFile(b'f')
        vf.fallback_versionedfiles.append(texts)
        # A working-tree text on top of a, as Breezy's merge adds one.
        vf.add_lines((b'f', b'this:'), [(b'f', a.encode())], texts.get_record_stream(
            [(b'f', a.encode())], 'unordered', True).__next__().get_bytes_as('lines') + [b'local\n'])
        ba = base.encode() if base else None
        plan = list(vf.plan_merge(a.encode(), b.encode(), ba))
        lca = list(vf.plan_lca_merge(a.encode(), b.encode(), ba))
        wt = list(vf.plan_merge(b'this:', b.encode()))
        results.append({
            'a': a, 'b': b, 'base': base,
            'plan': [[s, l.decode()] for s, l in plan],
            'lcaPlan': [[s, l.decode()] for s, l in lca],
            'thisPlan': [[s, l.decode()] for s, l in wt],
            'merged': text(PlanWeaveMerge(plan).merge_lines()[0]),
        })
    return {'name': name, 'revisions': [[r, p, t] for r, p, t in revs], 'merges': results}


def main():
    with open(os.path.join(OUT, 'inserts.json'), 'w') as f:
        json.dump(weave_fixtures(), f, indent=1, ensure_ascii=False)
        f.write('\n')
    with open(os.path.join(OUT, 'merges.json'), 'w') as f:
        json.dump(merge_fixtures(), f, indent=1, ensure_ascii=False)
        f.write('\n')
    with open(os.path.join(OUT, 'plan-merge.json'), 'w') as f:
        json.dump([plan_merge_case(*c) for c in GRAPH_CASES], f, indent=1, ensure_ascii=False)
        f.write('\n')


if __name__ == '__main__':
    main()
