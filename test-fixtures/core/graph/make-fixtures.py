#!/usr/bin/python3
"""Records Breezy's graph answers on seeded random DAGs -> graph-fixtures.json.

Run: PYTHONHASHSEED=0 /usr/bin/python3 make-fixtures.py > graph-fixtures.json
(optional arguments: SEED COUNT, for other random cases)

Each case holds a parent map (in dict insertion order, which Breezy's answers
depend on) with merges, criss-crosses, ghosts and, for two-element keys,
several prefixes. For each case we record KnownGraph.topo_sort, gc_sort,
heads on random key sets, merge_sort (KnownGraph and tsort.merge_sort, with and
without a forced mainline), versionedfile.sort_groupcompress, and the same
answers after building the graph with add_node. The C KnownGraph (what Breezy
uses) and the pure-Python one are both run and must agree.
"""
import json
import random
import sys

from breezy import _known_graph_py, tsort
from breezy._known_graph_pyx import KnownGraph as KnownGraphC
from breezy.bzr import versionedfile

KG_IMPLS = (KnownGraphC, _known_graph_py.KnownGraph)
NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.'
ODD_NAMES = ['\u00e9t\u00e9', 'r\u00e9v', '\u4e2d\u6587', 'z\U0001F600', 'A', 'a', 'aa', 'a-1', 'a.b']


def enc(key):
    return tuple(e.encode('utf-8') for e in key)


def dec(key):
    return [e.decode('utf-8') for e in key]


def rand_name(rng, used):
    while True:
        if rng.random() < 0.08:
            name = rng.choice(ODD_NAMES) + str(rng.randrange(100))
        else:
            name = ''.join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, 6)))
        if name not in used:
            used.add(name)
            return name


def make_dag(rng, key_length):
    n = rng.randint(1, 36)
    used = set()
    prefixes = [rand_name(rng, set()) for _ in range(rng.randint(1, 3))]
    nodes = []
    for _ in range(n):
        name = rand_name(rng, used)
        nodes.append((rng.choice(prefixes), name) if key_length == 2 else (name,))
    parent_map = []
    ghosts = []
    for i, key in enumerate(nodes):
        parents = []
        earlier = nodes[:i]
        if key_length == 2 and rng.random() < 0.85:
            same = [k for k in earlier if k[0] == key[0]]
            if same or rng.random() < 0.7:
                earlier = same
        if earlier and rng.random() < 0.9:
            # mostly a mainline-like first parent: a recent node
            parents.append(earlier[max(0, len(earlier) - rng.randint(1, 3))])
            while rng.random() < 0.35 and len(parents) < 4:
                parents.append(rng.choice(earlier))
        if rng.random() < 0.12:
            if ghosts and rng.random() < 0.5:
                ghost = rng.choice(ghosts)
            else:
                ghost = ((key[0], rand_name(rng, used)) if key_length == 2 else (rand_name(rng, used),))
                ghosts.append(ghost)
            parents.insert(rng.randrange(len(parents) + 1), ghost)
        if rng.random() > 0.03:  # rarely keep a duplicated parent
            dedup = []
            for p in parents:
                if p not in dedup:
                    dedup.append(p)
            parents = dedup
        parent_map.append((key, parents))
    rng.shuffle(parent_map)
    return [(enc(k), [enc(p) for p in ps]) for k, ps in parent_map], [enc(g) for g in ghosts]


def same_across_impls(fn):
    answers = [fn(KG) for KG in KG_IMPLS]
    for other in answers[1:]:
        if other != answers[0]:
            raise AssertionError('C and Python KnownGraph disagree: %r vs %r' % (answers[0], other))
    return answers[0]


def ms_nodes(nodes):
    return [[dec(n.key), n.merge_depth, list(n.revno), bool(n.end_of_merge)] for n in nodes]


def tsort_rows(rows):
    return [[seq, dec(key), depth, list(revno), bool(eom)] for seq, key, depth, revno, eom in rows]


def random_mainline(rng, pmap, tip):
    path = [tip]
    while True:
        parents = [p for p in pmap.get(path[-1], []) if p in pmap]
        if not parents:
            break
        path.append(parents[0] if rng.random() < 0.6 else rng.choice(parents))
    path.reverse()
    if len(path) > 2 and rng.random() < 0.5:
        path = path[rng.randrange(len(path) - 1):]
    if rng.random() < 0.25:
        path.insert(0, None)
    return path


def one_case(rng, index):
    key_length = 2 if rng.random() < 0.35 else 1
    items, ghosts = make_dag(rng, key_length)
    pmap = dict(items)
    keys = [k for k, _ in items]
    case = {
        'name': 'dag-%03d' % index,
        'keyLength': key_length,
        'parentMap': [[dec(k), [dec(p) for p in ps]] for k, ps in items],
    }
    case['topoSort'] = same_across_impls(lambda KG: [dec(k) for k in KG(dict(items)).topo_sort()])
    case['gcSort'] = same_across_impls(lambda KG: [dec(k) for k in KG(dict(items)).gc_sort()])
    case['sortGroupcompress'] = [dec(k) for k in versionedfile.sort_groupcompress(dict(items))]
    everything = keys + ghosts
    heads = []
    for _ in range(6):
        query = rng.sample(everything, min(len(everything), rng.randint(1, 5)))
        answer = same_across_impls(lambda KG: sorted(KG(dict(items)).heads(query)))
        heads.append([[dec(k) for k in query], [dec(k) for k in answer]])
    case['heads'] = heads
    merge_sorts = []
    for tip in rng.sample(keys, min(len(keys), 2)):
        kg_rows = same_across_impls(lambda KG: ms_nodes(KG(dict(items)).merge_sort(tip)))
        ts_rows = tsort_rows(tsort.merge_sort(dict((k, list(ps)) for k, ps in items), tip, generate_revno=True))
        if [r[1:] for r in ts_rows] != kg_rows:
            raise AssertionError('KnownGraph.merge_sort and tsort.merge_sort disagree')
        plain = [[seq, dec(key), depth, bool(eom)]
                 for seq, key, depth, eom in tsort.merge_sort(dict((k, list(ps)) for k, ps in items), tip)]
        mainline = random_mainline(rng, pmap, tip)
        with_mainline = tsort_rows(tsort.merge_sort(dict((k, list(ps)) for k, ps in items), tip,
                                                    mainline_revisions=mainline, generate_revno=True))
        merge_sorts.append({
            'tip': dec(tip),
            'rows': ts_rows,
            'plainRows': plain,
            'mainline': [None if k is None else dec(k) for k in mainline],
            'mainlineRows': with_mainline,
        })
    case['mergeSorts'] = merge_sorts
    # The same graph built node by node with add_node, in a random order.
    split = rng.randint(0, len(items))
    order = items[split:]
    rng.shuffle(order)

    def built(KG):
        kg = KG(dict(items[:split]))
        for k, ps in order:
            kg.add_node(k, ps)
        return kg
    case['addNodeOrder'] = [dec(k) for k, _ in order]
    case['addNodeSplit'] = split
    case['addNodeTopoSort'] = same_across_impls(lambda KG: [dec(k) for k in built(KG).topo_sort()])
    case['addNodeGcSort'] = same_across_impls(lambda KG: [dec(k) for k in built(KG).gc_sort()])
    case['addNodeHeads'] = [
        [q, same_across_impls(lambda KG: [dec(k) for k in sorted(built(KG).heads([enc(x) for x in q]))])]
        for q, _ in heads
    ]
    return case


def main():
    # Optional arguments (the interop tests use them): seed and number of cases.
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 20261121
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    rng = random.Random(seed)
    cases = [one_case(rng, i) for i in range(count)]
    json.dump({'breezy': '3.3.2', 'cases': cases}, sys.stdout, ensure_ascii=False, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
