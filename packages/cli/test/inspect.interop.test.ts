// `vf inspect` on a groupcompress block Breezy builds live: the records it
// lists are the ones Breezy's own `GroupCompressBlock._dump()` lists.
import { writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runPython } from '../../../test-fixtures/support/breezy.js';
import { BUILD_TIMEOUT, buildCli, removeTempDirs, tempDir, u8, vf } from './helpers.js';

// Each case runs the binary several times; a busy machine makes that slow.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
beforeAll(() => buildCli(), BUILD_TIMEOUT);
afterAll(() => removeTempDirs());

const SCRIPT = `
import json, sys
from breezy.bzr import groupcompress
texts = [
    (b'base', [b'line %d of the base text\\n' % i for i in range(40)]),
    (b'edit', [b'line %d of the base text\\n' % i for i in range(40) if i % 7] + [b'a new line\\n']),
    (b'other', [b'something else entirely\\n', b'no newline at the end']),
]
c = groupcompress.GroupCompressor()
for key, lines in texts:
    c.compress((key,), lines, sum(map(len, lines)), None)
block = c.flush()
dump = [(k.decode(), n) for (k, n, *rest) in block._dump()]
sys.stdout.buffer.write(json.dumps({'dump': dump, 'block': block.to_bytes().hex(), 'length': block._content_length}).encode())
`;

describe('vf inspect on a Breezy groupcompress block', () => {
  it('lists the records Breezy dumps, with their kinds and lengths', () => {
    const out = JSON.parse(new TextDecoder().decode(runPython(SCRIPT))) as { dump: [string, number][]; block: string; length: number };
    const file = nodePath.join(tempDir('gcb'), 'block');
    writeFileSync(file, u8(Buffer.from(out.block, 'hex')));
    const r = vf(['inspect', '--json', file]);
    expect(r.code, r.stderr).toBe(0);
    const dump = JSON.parse(r.stdout) as { kind: string; contentLength: number; records: { kind: string; length: number }[] };
    expect(dump.kind).toBe('groupcompress-block');
    expect(dump.contentLength).toBe(out.length);
    expect(dump.records.map((x) => [x.kind === 'fulltext' ? 'f' : 'd', x.length])).toEqual(out.dump);
    expect(out.dump.some(([k]) => k === 'd')).toBe(true);
  });
});
