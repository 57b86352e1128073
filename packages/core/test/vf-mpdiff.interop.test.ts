// Live Breezy: on the same history, our makeMpdiffs gives the patches Breezy's
// _MPDiffGenerator gives, annotate gives Breezy's annotate, and addMpdiffs
// rebuilds the texts from Breezy's own patches. (The reference is Breezy's
// generic Annotator, which refuses texts with a ghost in their ancestry.)
import { describe, expect, it } from 'vitest';
import { MemoryVersionedFiles, MultiParent, RevisionNotPresent, fromUtf8, toHex, type Key } from '@versionedfiles/core';
import { runPython } from '../../../test-fixtures/support/breezy.js';
import { lines, snapshot } from './vf-helpers.js';
import { mpdiffHistory } from './vf-history.js';

const SCRIPT = `
import sys, json
from breezy.transport.memory import MemoryTransport
from breezy.bzr import knit
from breezy.annotate import Annotator
from breezy import errors
history = json.load(sys.stdin)
t = MemoryTransport()
vf = knit.make_pack_factory(True, True, 1)(t)
for key, parents, lines in history:
    vf.add_lines((key.encode(),), [(p.encode(),) for p in parents], [l.encode() for l in lines])
keys = [(k.encode(),) for k, _, _ in history]
diffs = vf.make_mpdiffs(keys)
sha1s = vf.get_sha1s(keys)
def annotate(k):
    try:
        return [[o[0].decode(), l.hex()] for o, l in Annotator(vf).annotate_flat(k)]
    except errors.RevisionNotPresent:
        return None
out = {}
for k, d in zip(keys, diffs):
    out[k[0].decode()] = {
        'patch': b''.join(d.to_patch()).hex(),
        'sha1': sha1s[k].decode(),
        'annotate': annotate(k),
    }
print(json.dumps(out))
`;

interface Theirs {
  readonly patch: string;
  readonly sha1: string;
  /** null: Breezy's annotator refuses a text with a ghost in its ancestry. */
  readonly annotate: [string, string][] | null;
}

describe('mpdiffs and annotation against live Breezy', () => {
  it('agree on the per_versionedfile mpdiff history with merges and a ghost', async () => {
    const history = mpdiffHistory();
    const theirs = JSON.parse(fromUtf8(runPython(SCRIPT, { input: JSON.stringify(history) }))) as Record<string, Theirs>;
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    for (const [key, parents, body] of history) await vf.addLines([key], parents.map((p) => [p]), lines(...body));
    const keys: Key[] = history.map(([k]) => [k]);
    const ours = await vf.makeMpdiffs(keys);
    const sha1s = await vf.getSha1s(keys);
    expect(Object.values(theirs).filter((t) => t.annotate !== null).length).toBeGreaterThan(50);
    for (const [i, key] of keys.entries()) {
      const name = key[0] as string;
      const expected = theirs[name] as Theirs;
      expect(toHex((ours[i] as MultiParent).toPatchBytes()), name).toBe(expected.patch);
      expect(sha1s.get(key), name).toBe(expected.sha1);
      const annotated = await vf.annotate(key).then(
        (flat) => flat.map(([o, l]) => [o[0], toHex(l)]),
        (err: unknown) => (err instanceof RevisionNotPresent ? null : Promise.reject(err)),
      );
      expect(annotated, name).toEqual(expected.annotate);
    }

    // Breezy's patches, parsed, rebuild every text in a fresh store.
    const target = new MemoryVersionedFiles({ keyLength: 1 });
    await target.addMpdiffs(
      history.map(([name, parents]) => ({
        key: [name],
        parents: parents.map((p) => [p]),
        sha1: (theirs[name] as Theirs).sha1,
        diff: MultiParent.fromPatch(hexToBytes((theirs[name] as Theirs).patch)),
      })),
    );
    expect(await snapshot(target)).toEqual(await snapshot(vf));
  });
});

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
