// The facts the suite ports from Breezy, checked against live Breezy 3.3.2:
// the diamond's add results and annotations on Breezy's own stores, and
// random histories from `arbHistory` stored by Breezy with the same sha1s
// and parents and annotated within their ancestry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromUtf8, sha1Hex } from '@versionedfiles/core';
import { DIAMOND_NAMES, DIAMOND_SHA1, DIAMOND_SIZE, arbHistory, historyAncestry } from '@versionedfiles/conformance';
import type { History } from '@versionedfiles/conformance';
import { runPython } from '../../../test-fixtures/support/breezy.js';

const SCRIPT = String.raw`
import json, sys
from breezy.transport.memory import MemoryTransport
from breezy.bzr import knit, groupcompress

# per_versionedfile.get_diamond_files (breezy.tests is not installed by Debian):
# each name for every prefix in turn.
DIAMOND = [(b'origin', [], [b'origin\n']), (b'base', [b'origin'], [b'base\n']),
           (b'left', [b'base'], [b'base\n', b'left\n']), (b'right', [b'base'], [b'base\n', b'right\n']),
           (b'merged', [b'left', b'right'], [b'base\n', b'left\n', b'right\n', b'merged\n'])]

def get_diamond_files(f, key_length):
    prefixes = [()] if key_length == 1 else [(b'FileA',), (b'FileB',)]
    return [f.add_lines(p + (name,), [p + (q,) for q in parents], lines)
            for name, parents, lines in DIAMOND for p in prefixes]

def factory(name, key_length):
    if name == 'knit-pack':
        return knit.make_pack_factory(True, True, key_length)(MemoryTransport())
    return groupcompress.make_pack_factory(True, False, key_length)(MemoryTransport())

def u(key):
    return [e.decode('utf-8') for e in key]

job = json.load(sys.stdin)
out = {'diamond': {}, 'histories': []}
for name in ('knit-pack', 'groupcompress'):
    for key_length in (1, 2):
        f = factory(name, key_length)
        adds = get_diamond_files(f, key_length)
        prefix = () if key_length == 1 else (b'FileA',)
        out['diamond']['%s-%d' % (name, key_length)] = {
            'adds': [[a[0].decode(), a[1]] for a in adds],
            'merged': [[u(k), l.decode()] for k, l in f.annotate(prefix + (b'merged',))],
        }
for history in job['histories']:
    f = factory('knit-pack', history['keyLength'])
    for entry in history['entries']:
        key = tuple(e.encode('utf-8') for e in entry['key'])
        parents = [tuple(e.encode('utf-8') for e in p) for p in entry['parents']]
        f.add_lines(key, parents, [bytes.fromhex(l) for l in entry['lines']])
    keys = [tuple(e.encode('utf-8') for e in entry['key']) for entry in history['entries']]
    sha1s = f.get_sha1s(keys)
    parents = f.get_parent_map(keys)
    result = []
    for key in keys:
        try:
            ann = [[u(k), l.hex()] for k, l in f.annotate(key)]
        except Exception as e:
            ann = type(e).__name__
        result.append({'sha1': sha1s[key].decode(), 'parents': [u(p) for p in parents[key]], 'annotate': ann})
    out['histories'].append(result)
json.dump(out, sys.stdout)
`;

interface BreezyAnswer {
  readonly diamond: Record<string, { adds: [string, number][]; merged: [string[], string][] }>;
  readonly histories: { sha1: string; parents: string[][]; annotate: [string[], string][] | string }[][];
}

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe("the suite's Breezy facts hold in Breezy 3.3.2", () => {
  const histories: History[] = [
    ...fc.sample(arbHistory({ keyLength: 1, ghosts: false }), { numRuns: 12, seed: 11 }),
    ...fc.sample(arbHistory({ keyLength: 2, ghosts: false }), { numRuns: 12, seed: 12 }),
  ];
  const input = JSON.stringify({
    histories: histories.map((h) => ({ keyLength: h.keyLength, entries: h.entries.map((e) => ({ key: e.key, parents: e.parents, lines: e.lines.map(toHex) })) })),
  });
  const answer = JSON.parse(fromUtf8(runPython(SCRIPT, { input }))) as BreezyAnswer;

  it('the diamond adds to the sha1s and sizes the suite expects, and annotates as it expects', () => {
    for (const [store, { adds, merged }] of Object.entries(answer.diamond)) {
      const prefixes = store.endsWith('-2') ? 2 : 1;
      const expected = DIAMOND_NAMES.flatMap((n) => Array.from({ length: prefixes }, () => [DIAMOND_SHA1[n], DIAMOND_SIZE[n]]));
      expect(adds, store).toEqual(expected);
      const p = prefixes === 2 ? ['FileA'] : [];
      expect(merged, store).toEqual([
        [[...p, 'base'], 'base\n'],
        [[...p, 'left'], 'left\n'],
        [[...p, 'right'], 'right\n'],
        [[...p, 'merged'], 'merged\n'],
      ]);
    }
  });

  it('random histories from arbHistory store in Breezy with our sha1s and parents, annotated within their ancestry', () => {
    histories.forEach((history, i) => {
      const got = answer.histories[i] ?? [];
      const ancestry = historyAncestry(history);
      history.entries.forEach((entry, j) => {
        const breezy = got[j];
        expect(breezy?.sha1).toBe(sha1Hex(concatBytes([...entry.lines])));
        expect(breezy?.parents).toEqual(entry.parents);
        expect(Array.isArray(breezy?.annotate), `annotate of ${entry.key.join('/')}`).toBe(true);
        const annotated = breezy?.annotate as [string[], string][];
        expect(annotated.map(([, line]) => line)).toEqual(entry.lines.map(toHex));
        for (const [origin] of annotated) expect(ancestry.get(entry.key)?.has(origin), `origin ${origin.join('/')}`).toBe(true);
      });
    });
  });
});
