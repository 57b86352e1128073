// Progress bars: drawn on stderr when it is a terminal, never otherwise (pipes,
// --json, --quiet), and cleared when the work is done.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeContext, parseKey, showKey } from '../src/context.js';

function streams(tty: boolean): { stderr: PassThrough & { isTTY?: boolean }; text: () => string; io: Parameters<typeof makeContext>[2] } {
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (tty) stderr.isTTY = true;
  let text = '';
  stderr.on('data', (c: Buffer) => (text += c.toString()));
  return { stderr, text: () => text, io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr } };
}

describe('progress', () => {
  it('draws a bar on a terminal and clears it', async () => {
    const s = streams(true);
    const bar = makeContext([], {}, s.io, {}).progress('copy');
    bar.update({ phase: 'texts', done: 5, total: 10 });
    bar.update({ phase: 'texts', done: 10, total: 10 });
    bar.done();
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toContain('copy: texts [###############               ] 5/10');
    expect(s.text()).toContain('10/10');
    expect(s.text().endsWith('\r\u001b[K')).toBe(true);
  });

  it('draws nothing when stderr is not a terminal, or under --json, --quiet or VF_NO_PROGRESS', async () => {
    for (const [tty, values, env] of [
      [false, {}, {}],
      [true, { json: true }, {}],
      [true, { quiet: true }, {}],
      [true, {}, { VF_NO_PROGRESS: '1' }],
    ] as const) {
      const s = streams(tty);
      const bar = makeContext([], values, s.io, env).progress('copy');
      bar.update({ phase: 'texts', done: 1, total: 2 });
      bar.done();
      await new Promise((r) => setImmediate(r));
      expect(s.text()).toBe('');
    }
  });
});

describe('keys on the command line', () => {
  it('split at the last slash in a two-element store, and round-trip through showKey', () => {
    expect(parseKey('src/main.ts/rev-1', 2)).toEqual(['src/main.ts', 'rev-1']);
    expect(parseKey('rev/1', 1)).toEqual(['rev/1']);
    expect(showKey(parseKey('a/b', 2))).toBe('a/b');
    expect(() => parseKey('noslash', 2)).toThrow(/PREFIX\/NAME/);
    expect(() => parseKey('bad key', 1)).toThrow(/forbidden/);
  });
});
