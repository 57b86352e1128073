import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  FileExists,
  InvalidPath,
  LocalTransport,
  LockContention,
  LockNotHeld,
  MemoryTransport,
  NoSuchFile,
  PathOutsideRoot,
  ShortRead,
  TransportError,
  VersionedFilesError,
  coalesceRanges,
  concatBytes,
  formatLockInfo,
  fromUtf8,
  parseLockInfo,
  utf8,
} from '@versionedfiles/core';
import type { ByteRange, Transport } from '@versionedfiles/core';

const scratch = mkdtempSync(join(tmpdir(), 'vf-transport-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
function freshLocalDir(): string {
  return mkdtempSync(join(scratch, `t${dirs++}-`));
}

const kinds: [string, () => Transport][] = [
  ['MemoryTransport', () => new MemoryTransport()],
  ['LocalTransport', () => new LocalTransport(freshLocalDir())],
];

async function collect(t: Transport, path: string, ranges: readonly ByteRange[]): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const { offset, data } of t.readv(path, ranges)) out.push([offset, fromUtf8(data)]);
  return out;
}

/** `collect`'s answer, from `readRanges`. */
async function collectAtOnce(t: Transport, path: string, ranges: readonly ByteRange[]): Promise<[number, string][]> {
  const chunks = await t.readRanges(path, ranges);
  expect(chunks).toHaveLength(ranges.length);
  return chunks.map((data, i) => [(ranges[i] as ByteRange)[0], fromUtf8(data)]);
}

/** The two ways to read ranges, which answer alike. */
const rangeReads: [string, typeof collect][] = [
  ['readv', collect],
  ['readRanges', collectAtOnce],
];

/** The error's code and reason, or 'ok': what the behaviour table compares. */
async function outcome(work: () => Promise<unknown>): Promise<string> {
  try {
    const value = await work();
    if (value instanceof Uint8Array) return `ok ${fromUtf8(value)}`;
    return `ok ${JSON.stringify(value)}`;
  } catch (err) {
    if (err instanceof TransportError) return `${err.code}:${err.data.reason}`;
    if (err instanceof VersionedFilesError) return err.code;
    throw err;
  }
}

describe.each(kinds)('%s', (_name, make) => {
  it('puts and gets whole files, atomically replacing', async () => {
    const t = make();
    await t.put('a', utf8('one'));
    expect(fromUtf8(await t.get('a'))).toBe('one');
    await t.put('a', [utf8('tw'), utf8('o'), new Uint8Array(0)]);
    expect(fromUtf8(await t.get('a'))).toBe('two');
    await t.put('empty', []);
    expect((await t.get('empty')).length).toBe(0);
    await expect(t.put('no/such/dir/f', utf8('x'))).rejects.toThrow(NoSuchFile);
    await t.put('made/on/demand', utf8('x'), { createParentDir: true, fsync: true });
    expect(fromUtf8(await t.get('made/on/demand'))).toBe('x');
    expect(await outcome(() => t.put('made', utf8('x')))).toBe('TransportError:isDirectory');
    expect(await outcome(() => t.get('made'))).toBe('TransportError:isDirectory');
    expect(await outcome(() => t.get('missing'))).toBe('NoSuchFile');
    expect(await outcome(() => t.get('a/under-a-file'))).toBe('TransportError:notDirectory');
    expect(await t.list('')).toEqual(['a', 'empty', 'made']);
  });

  it('appends, creating the file, and returns where each write started', async () => {
    const t = make();
    expect(await t.append('log', utf8('abc'))).toBe(0);
    expect(await t.append('log', [utf8('de'), utf8('f')], { fsync: true })).toBe(3);
    expect(await t.append('log', new Uint8Array(0))).toBe(6);
    expect(fromUtf8(await t.get('log'))).toBe('abcdef');
    expect(await outcome(() => t.append('nodir/log', utf8('x')))).toBe('NoSuchFile');
    await t.mkdir('d');
    expect(await outcome(() => t.append('d', utf8('x')))).toBe('TransportError:isDirectory');
  });

  it('keeps concurrent appends whole, each at the offset it reports', async () => {
    const t = make();
    const records = Array.from({ length: 30 }, (_, i) => utf8(`record ${i} ${'x'.repeat(i * 7)}\n`));
    const offsets = await Promise.all(records.map((r) => t.append('data', r)));
    const file = await t.get('data');
    records.forEach((r, i) => expect(file.subarray(offsets[i]!, offsets[i]! + r.length)).toEqual(r));
    expect(new Set(offsets).size).toBe(records.length);
    expect(file.length).toBe(concatBytes(records).length);
  });

  it.each(rangeReads)('%s answers ranges in the order asked, overlapping and repeated ones included', async (_how, collect) => {
    const t = make();
    await t.put('f', utf8('0123456789abcdefghij'));
    expect(await collect(t, 'f', [[10, 3], [0, 2], [5, 5], [0, 2], [19, 1], [4, 0], [6, 6]])).toEqual([
      [10, 'abc'],
      [0, '01'],
      [5, '56789'],
      [0, '01'],
      [19, 'j'],
      [4, ''],
      [6, '6789ab'],
    ]);
    expect(await collect(t, 'f', [])).toEqual([]);
    expect(await collect(t, 'f', [[0, 20]])).toEqual([[0, '0123456789abcdefghij']]);
  });

  it('readv refuses ranges past the end before yielding anything', async () => {
    const t = make();
    await t.put('f', utf8('0123456789'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const chunk of t.readv('f', [[0, 2], [8, 5]])) seen.push(chunk.offset);
      })(),
    ).rejects.toThrow(ShortRead);
    expect(seen).toEqual([]);
  });

  it.each(rangeReads)('%s refuses ranges past the end, malformed ones and missing files', async (_how, collect) => {
    const t = make();
    await t.put('f', utf8('0123456789'));
    const openFiles = readdirSync('/proc/self/fd').length;
    await expect(collect(t, 'f', [[0, 2], [8, 5]])).rejects.toThrow(ShortRead);
    await expect(collect(t, 'f', [[11, 0]])).rejects.toThrow(ShortRead);
    await expect(collect(t, 'f', [[0, 2 ** 60]])).rejects.toThrow(TransportError);
    await expect(collect(t, 'f', [[-1, 2]])).rejects.toThrow(TransportError);
    await expect(collect(t, 'missing', [[0, 1]])).rejects.toThrow(NoSuchFile);
    await expect(collect(t, '', [[0, 1]])).rejects.toThrow(InvalidPath);
    // Each refusal closed the file it opened.
    expect(readdirSync('/proc/self/fd').length).toBe(openFiles);
  });

  it.each(rangeReads)('%s agrees with slicing the file, for any ranges', async (_how, collect) => {
    const t = make();
    const content = utf8('The quick brown fox jumps over the lazy dog. '.repeat(120));
    await t.put('f', content);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(content.length), fc.nat(6000)), { maxLength: 12 }),
        async (raw) => {
          const ranges = raw.map(([o, l]) => [o, Math.min(l, content.length - o)] as const);
          const got = await collect(t, 'f', ranges);
          expect(got).toEqual(ranges.map(([o, l]) => [o, fromUtf8(content.subarray(o, o + l))]));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('renames like POSIX: files replace, non-empty directories do not', async () => {
    const t = make();
    await t.put('a', utf8('A'));
    await t.put('b', utf8('B'));
    await t.rename('a', 'b');
    expect(fromUtf8(await t.get('b'))).toBe('A');
    expect(await t.exists('a')).toBe(false);
    await t.mkdir('d1');
    await t.put('d1/x', utf8('x'));
    await t.mkdir('d2');
    await t.rename('d1', 'd2');
    expect(await t.list('d2')).toEqual(['x']);
    await t.mkdir('d3');
    await t.put('d3/y', utf8('y'));
    expect(await outcome(() => t.rename('d3', 'd2'))).toBe('FileExists');
    expect(await outcome(() => t.rename('b', 'd2'))).toBe('TransportError:isDirectory');
    expect(await outcome(() => t.rename('d3', 'b'))).toBe('TransportError:notDirectory');
    expect(await outcome(() => t.rename('missing', 'z'))).toBe('NoSuchFile');
    expect(await outcome(() => t.rename('b', 'nodir/z'))).toBe('NoSuchFile');
    expect(await outcome(() => t.rename('d3', 'd3/inside'))).toBe('TransportError:invalidOperation');
    await t.rename('b', 'b');
    expect(fromUtf8(await t.get('b'))).toBe('A');
  });

  it('deletes files and empty directories, lists, stats', async () => {
    const t = make();
    await t.mkdir('d');
    await t.mkdir('d/e/f', { recursive: true });
    await t.mkdir('d/e/f', { recursive: true });
    await t.put('d/e/f/file', utf8('12345'));
    await t.put('d/top', utf8('1'));
    expect(await outcome(() => t.mkdir('d'))).toBe('FileExists');
    expect(await outcome(() => t.mkdir('x/y'))).toBe('NoSuchFile');
    expect(await outcome(() => t.mkdir('d/top/z', { recursive: true }))).toBe('FileExists');
    expect(await t.listRecursive()).toEqual(['d/e/f/file', 'd/top']);
    expect(await t.listRecursive('d/e')).toEqual(['f/file']);
    expect(await t.list('d')).toEqual(['e', 'top']);
    expect(await outcome(() => t.list('d/top'))).toBe('TransportError:notDirectory');
    expect(await outcome(() => t.list('nope'))).toBe('NoSuchFile');
    expect(await t.stat('d/e/f/file')).toEqual({ size: 5, isDirectory: false });
    expect(await t.stat('d')).toEqual({ size: 0, isDirectory: true });
    expect(await t.size('d/e/f/file')).toBe(5);
    expect(await outcome(() => t.size('d'))).toBe('TransportError:isDirectory');
    expect(await t.exists('d/top')).toBe(true);
    expect(await t.exists('d/top/under')).toBe(false);
    expect(await t.exists('nope')).toBe(false);
    expect(await outcome(() => t.rmdir('d/e'))).toBe('TransportError:notEmpty');
    expect(await outcome(() => t.rmdir('d/top'))).toBe('TransportError:notDirectory');
    expect(await outcome(() => t.delete('d/e'))).toBe('TransportError:isDirectory');
    expect(await outcome(() => t.delete('d/nope'))).toBe('NoSuchFile');
    await t.delete('d/e/f/file');
    await t.rmdir('d/e/f');
    expect(await t.list('d/e')).toEqual([]);
    expect(await outcome(() => t.rmdir(''))).toBe('InvalidPath');
  });

  it('normalises paths and refuses any that leave the root', async () => {
    const t = make();
    await t.put('a/../b', utf8('b'), { createParentDir: true });
    expect(fromUtf8(await t.get('./b'))).toBe('b');
    await t.put('x//y/./z', utf8('z'), { createParentDir: true });
    expect(await t.listRecursive()).toEqual(['b', 'x/y/z']);
    const outside = ['..', '../b', '/etc/passwd', 'a/../../b', 'x/y/../../../b', 'b\u0000', '/'];
    for (const path of outside) {
      for (const op of [
        () => t.get(path),
        () => t.put(path, utf8('x')),
        () => t.append(path, utf8('x')),
        () => t.exists(path),
        () => t.mkdir(path, { recursive: true }),
        () => t.list(path),
        () => t.rename('b', path),
        () => t.delete(path),
        () => collect(t, path, [[0, 1]]),
        async () => t.clone(path),
        () => t.lockWrite(path),
      ]) {
        expect(await outcome(op), path).toBe('PathOutsideRoot');
      }
    }
    expect(await outcome(() => t.put('n'.repeat(256), utf8('x')))).toBe('InvalidPath');
    expect(await outcome(() => t.put('é'.repeat(128), utf8('x')))).toBe('InvalidPath');
    await t.put('é'.repeat(127), utf8('x'));
    expect(await outcome(() => t.put('bad\uD800', utf8('x')))).toBe('InvalidPath');
    expect(await t.listRecursive()).toEqual(['b', 'x/y/z', 'é'.repeat(127)]);
  });

  it('clones share the store and stay inside their subdirectory', async () => {
    const t = make();
    await t.mkdir('sub');
    const sub = t.clone('sub');
    await sub.put('f', utf8('in sub'));
    expect(fromUtf8(await t.get('sub/f'))).toBe('in sub');
    expect(await outcome(() => sub.get('../sub/f'))).toBe('PathOutsideRoot');
    expect(() => sub.clone('..')).toThrow(PathOutsideRoot);
    const deeper = t.clone('later/deeper');
    expect(await outcome(() => deeper.put('f', utf8('x')))).toBe('NoSuchFile');
    await t.mkdir('later/deeper', { recursive: true });
    await deeper.put('f', utf8('x'));
    expect(await t.listRecursive('later')).toEqual(['deeper/f']);
  });

  it('write locks: contention, release, peek, break', async () => {
    const t = make();
    const lock = await t.lockWrite('branch/lock');
    expect(await t.list('branch/lock')).toEqual(['held']);
    const holder = await t.peekLock('branch/lock');
    expect(holder?.nonce).toBe(lock.nonce);
    expect(holder?.pid).toBe(process.pid);
    await expect(t.lockWrite('branch/lock')).rejects.toThrow(LockContention);
    // A failed attempt cleans up its pending directory.
    expect(await t.list('branch/lock')).toEqual(['held']);
    await lock.confirm();
    await lock.release();
    expect(await t.peekLock('branch/lock')).toBeNull();
    expect(await t.list('branch/lock')).toEqual([]);
    await expect(lock.release()).rejects.toThrow(LockNotHeld);

    const again = await t.lockWrite('branch/lock', { extraInfo: { purpose: "it's mine" } });
    const held = await t.peekLock('branch/lock');
    expect(held?.fields['purpose']).toBe("it's mine");
    // Our own live process is not stale: breakStale does not take it.
    await expect(t.lockWrite('branch/lock', { breakStale: true })).rejects.toThrow(LockContention);
    await t.breakLock('branch/lock', held!);
    await expect(again.confirm()).rejects.toThrow(LockNotHeld);
    await expect(again.release()).rejects.toThrow(LockNotHeld);
    const third = await t.lockWrite('branch/lock');
    await expect(t.breakLock('branch/lock', held!)).rejects.toThrow(LockContention);
    await third.release();
  });

  it('waits for a lock when asked to', async () => {
    const t = make();
    const first = await t.lockWrite('lock');
    const started = Date.now();
    await expect(t.lockWrite('lock', { waitMs: 150 })).rejects.toThrow(LockContention);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const waiting = t.lockWrite('lock', { waitMs: 5000 });
    setTimeout(() => void first.release(), 50);
    const second = await waiting;
    expect((await t.peekLock('lock'))?.nonce).toBe(second.nonce);
    await second.release();
    expect(await t.list('lock')).toEqual([]);
  });

  it('breaks a stale lock only when asked', async () => {
    const t = make();
    const mine = await t.lockWrite('lock');
    const me = (await t.peekLock('lock'))!;
    await mine.release();
    const child = spawnSync(process.execPath, ['-e', 'process.pid']);
    const deadPid = child.pid!;
    await t.mkdir('lock/held', { recursive: true });
    await t.put('lock/held/info', formatLockInfo({ ...me.fields, pid: deadPid, nonce: 'deadbeef' }));
    await expect(t.lockWrite('lock')).rejects.toThrow(LockContention);
    expect((await t.peekLock('lock'))?.nonce).toBe('deadbeef');
    const lock = await t.lockWrite('lock', { breakStale: true });
    expect((await t.peekLock('lock'))?.nonce).toBe(lock.nonce);
    await lock.release();
  });
});

describe('MemoryTransport and LocalTransport', () => {
  it('agree on every outcome of random operations', async () => {
    const name = fc.constantFrom('a', 'b', 'd', 'd/a', 'd/e', 'd/e/f', 'x/y');
    // Each operation takes a path and an argument (text to write, or a second path).
    const ops: Record<string, (t: Transport, p: string, arg: string) => Promise<unknown>> = {
      put: (t, p, arg) => t.put(p, utf8(arg)),
      putDeep: (t, p, arg) => t.put(p, utf8(arg), { createParentDir: true }),
      append: (t, p, arg) => t.append(p, utf8(arg)),
      get: (t, p) => t.get(p),
      readv: (t, p) => collect(t, p, [[1, 1], [0, 1]]),
      readRanges: (t, p) => collectAtOnce(t, p, [[1, 1], [0, 1]]),
      mkdir: (t, p) => t.mkdir(p),
      mkdirs: (t, p) => t.mkdir(p, { recursive: true }),
      rmdir: (t, p) => t.rmdir(p),
      delete: (t, p) => t.delete(p),
      rename: (t, p, arg) => t.rename(p, arg),
      list: (t, p) => t.list(p),
      stat: (t, p) => t.stat(p),
      exists: (t, p) => t.exists(p),
    };
    const op = fc.tuple(fc.constantFrom(...Object.keys(ops)), name, fc.oneof(name, fc.string({ maxLength: 5 })));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (steps) => {
        const a = new MemoryTransport();
        const b = new LocalTransport(freshLocalDir());
        for (const [kind, p, arg] of steps) {
          const run = ops[kind]!;
          expect(await outcome(() => run(b, p, arg)), `${kind} ${p} ${arg}`).toBe(await outcome(() => run(a, p, arg)));
        }
        expect(await b.listRecursive()).toEqual(await a.listRecursive());
      }),
      { numRuns: Number(process.env.VF_STRESS ?? 30) },
    );
  });
});

describe('LocalTransport on disk', () => {
  it('leaves no temporary files behind, after success or failure', async () => {
    const dir = freshLocalDir();
    const t = new LocalTransport(dir);
    await t.put('f', utf8('x'), { fsync: true });
    await expect(t.put('missing/f', utf8('x'))).rejects.toThrow(NoSuchFile);
    await t.mkdir('d');
    await expect(t.put('d', utf8('x'))).rejects.toThrow(TransportError);
    expect(readdirSync(dir).sort()).toEqual(['d', 'f']);
  });
});

describe('LocalTransport and symbolic links', () => {
  // root/ holds links to elsewhere/ (outside) and to root/real (inside).
  function layout(): { root: string; elsewhere: string } {
    const base = freshLocalDir();
    const root = join(base, 'root');
    const elsewhere = join(base, 'elsewhere');
    mkdirSync(join(root, 'real'), { recursive: true });
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'secret'), 'secret');
    writeFileSync(join(root, 'real', 'f'), 'inside');
    symlinkSync(elsewhere, join(root, 'outdir'));
    symlinkSync(join(elsewhere, 'secret'), join(root, 'outfile'));
    symlinkSync(join(elsewhere, 'not-yet'), join(root, 'dangling'));
    symlinkSync(join(root, 'real'), join(root, 'indir'));
    return { root, elsewhere };
  }

  it('refuses paths that lead outside the root through a link', async () => {
    const { root, elsewhere } = layout();
    const t = new LocalTransport(root);
    for (const op of [
      () => t.get('outfile'),
      () => t.get('outdir/secret'),
      () => t.append('outfile', utf8('x')),
      () => t.append('dangling', utf8('x')),
      () => t.put('outdir/new', utf8('x')),
      () => t.mkdir('outdir/new'),
      () => t.list('outdir'),
      () => t.stat('outfile'),
      () => t.delete('outdir/secret'),
      () => t.rename('real/f', 'outdir/f'),
      () => collect(t, 'outfile', [[0, 1]]),
      () => t.clone('outdir').get('secret'),
    ]) {
      expect(await outcome(op)).toBe('PathOutsideRoot');
    }
    expect(readdirSync(elsewhere)).toEqual(['secret']);
    expect(readFileSync(join(elsewhere, 'secret'), 'utf8')).toBe('secret');
    // Links that stay inside work; a link itself can be replaced or deleted.
    expect(fromUtf8(await t.get('indir/f'))).toBe('inside');
    await t.put('outfile', utf8('replaced the link'));
    expect(readFileSync(join(elsewhere, 'secret'), 'utf8')).toBe('secret');
    await t.delete('dangling');
  });

  it('follows them when asked, as Breezy does', async () => {
    const { root } = layout();
    const t = new LocalTransport(root, { followSymlinksOutside: true });
    expect(fromUtf8(await t.get('outfile'))).toBe('secret');
    expect(await t.list('outdir')).toEqual(['secret']);
  });

  // LocalTransport remembers which paths it found inside its root; a rename or
  // delete through it (or a clone) makes it look again.
  describe('path verdicts', () => {
    it('a link renamed over a path already read is refused on the next read', async () => {
      const t = new LocalTransport(layout().root);
      expect(fromUtf8(await t.get('real/f'))).toBe('inside');
      await t.append('real/f', utf8('!'));
      await t.rename('outfile', 'real/f');
      await expect(t.get('real/f')).rejects.toThrow(PathOutsideRoot);
      await expect(t.append('real/f', utf8('x'))).rejects.toThrow(PathOutsideRoot);
    });

    it('a clone shares the verdicts and forgets them for its parent too', async () => {
      const t = new LocalTransport(layout().root);
      const real = t.clone('real');
      expect(fromUtf8(await real.get('f'))).toBe('inside');
      await t.delete('real/f');
      await t.rename('outfile', 'real/f');
      await expect(real.get('f')).rejects.toThrow(PathOutsideRoot);
    });

    it('a path missing when first checked is checked again once it exists', async () => {
      const { root, elsewhere } = layout();
      const t = new LocalTransport(root);
      await expect(t.get('later')).rejects.toMatchObject({ code: 'NoSuchFile' });
      symlinkSync(join(elsewhere, 'secret'), join(root, 'later'));
      await expect(t.get('later')).rejects.toThrow(PathOutsideRoot);
    });
  });
});

describe('readv planning', () => {
  it('merges neighbours within the fudge and keeps every request', () => {
    expect(coalesceRanges([[15, 10], [25, 10]])).toEqual([{ start: 15, length: 20, requests: [0, 1] }]);
    expect(coalesceRanges([[100, 10], [0, 10], [12, 3]], { fudge: 2 })).toEqual([
      { start: 0, length: 15, requests: [1, 2] },
      { start: 100, length: 10, requests: [0] },
    ]);
    expect(coalesceRanges([[0, 10], [5, 2]])).toEqual([{ start: 0, length: 10, requests: [0, 1] }]);
    expect(coalesceRanges([[0, 10], [10, 10], [20, 10]], { maxRanges: 2 })).toHaveLength(2);
    expect(coalesceRanges([[0, 10], [10, 10]], { maxSize: 15 })).toHaveLength(2);
  });
});

describe('lock info files', () => {
  it("reads Breezy's YAML and writes YAML Breezy reads", () => {
    const breezy = utf8('hostname: box\nnonce: abc123\npid: 4242\nstart_time: 1700000000\nuser: Jane <jane@example.com>\n');
    const holder = parseLockInfo(breezy);
    expect(holder).toMatchObject({ hostname: 'box', nonce: 'abc123', pid: 4242, startTime: 1700000000, user: 'Jane <jane@example.com>' });
    const ours = formatLockInfo({ user: "O'Brien: x", pid: 7, nonce: 'n', hostname: 'h' });
    expect(fromUtf8(ours)).toBe("hostname: 'h'\nnonce: 'n'\npid: 7\nuser: 'O''Brien: x'\n");
    expect(parseLockInfo(ours).user).toBe("O'Brien: x");
    expect(parseLockInfo(utf8('garbage\n\u0000\nuser: "q\\"uoted"\n')).user).toBe('q"uoted');
    expect(parseLockInfo(new Uint8Array(0)).nonce).toBeNull();
  });

  it('errors are typed', () => {
    expect(new InvalidPath('x', 'why')).toBeInstanceOf(VersionedFilesError);
    expect(new FileExists('x')).toBeInstanceOf(VersionedFilesError);
  });
});
