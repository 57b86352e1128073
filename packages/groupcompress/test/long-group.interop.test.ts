// Live: long groups (a hundred texts, many of them fulltexts of unrelated
// files), so the delta index is rebuilt many times over — grown, refilled in
// place, and laid out again in the arrays of an earlier table. Breezy's C
// compressor and ours must make the same content, byte for byte.
import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes } from '@versionedfiles/core';
import { GroupCompressor } from '@versionedfiles/groupcompress';
import { runPython } from '../../../test-fixtures/support/breezy.js';

const seed = Math.floor(Math.random() * 2 ** 31);

// Files of code-like lines: each text is a new file (unrelated words) or the
// next version of one of a few files; prints one JSON line per group.
const SCRIPT = `
import base64, json, random, sys
from breezy.bzr import groupcompress
rng = random.Random(int(sys.argv[1]))
words = [b'def', b'return', b'self', b'value', b'class', b'import', b'for', b'in', b'if', b'else', b'(', b')', b'x', b'y']
def line():
    return b' '.join(rng.choice(words) + str(rng.randint(0, 999)).encode() for _ in range(rng.randint(1, 10))) + b'\\n'
for max_bytes in (1024 * 1024, 0, 2048):
    files = []
    texts = []
    for i in range(100):
        if not files or rng.random() < 0.4:
            files.append([line() for _ in range(rng.randint(1, 400))])
            lines = files[-1]
        else:
            lines = rng.choice(files)
            for _ in range(rng.randint(1, 4)):
                pos = rng.randint(0, len(lines))
                lines[pos:pos + rng.randint(0, 2)] = [line() for _ in range(rng.randint(0, 3))]
        texts.append(b''.join(lines) or b'x\\n')
    compressor = groupcompress.GroupCompressor({'max_bytes_to_index': max_bytes})
    records = []
    for i, t in enumerate(texts):
        _, start, end, kind = compressor.compress((b'k%d' % i,), [t], len(t), None)
        records.append([start, end, kind])
    block = compressor.flush()
    block._ensure_content()
    print(json.dumps({'maxBytesToIndex': max_bytes, 'texts': [base64.b64encode(t).decode() for t in texts],
                      'records': records, 'content': base64.b64encode(block._content).decode()}))
`;

interface LongGroup {
  maxBytesToIndex: number;
  texts: string[];
  records: [number, number, string][];
  content: string;
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

describe(`long groups equal Breezy's (seed ${seed})`, () => {
  const groups = new TextDecoder()
    .decode(runPython(SCRIPT, { args: [String(seed)] }))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LongGroup);

  it('made three groups of a hundred texts, most of them fulltexts or deltas of several files', () => {
    expect(groups.map((g) => g.texts.length)).toEqual([100, 100, 100]);
    for (const g of groups) expect(g.records.filter((r) => r[2] === 'fulltext').length).toBeGreaterThan(10);
  });

  for (const [i, label] of ['1 MiB index budget', 'every 16 bytes', '2 KiB index budget'].entries()) {
    it(`group ${i} (${label}): same records and content`, () => {
      const g = groups[i] as LongGroup;
      const compressor = new GroupCompressor({ maxBytesToIndex: g.maxBytesToIndex });
      const records = g.texts.map((t, k) => {
        const text = b64(t);
        const r = compressor.compress([`k${k}`], [text], text.length);
        return [r.start, r.end, r.kind];
      });
      expect(records).toEqual(g.records);
      expect(bytesEqual(concatBytes(compressor.flush().chunks), b64(g.content))).toBe(true);
    });
  }
});
