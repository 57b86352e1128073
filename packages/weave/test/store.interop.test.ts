// Live interop of whole weave stores: Breezy opens the directories we write
// (make_versioned_files_factory(WeaveFile, mapper)) and we open the ones it
// writes, key length 1 (ConstantMapper) and 2 (PrefixMapper).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConstantMapper, LocalTransport, PrefixMapper, type KeyMapper } from '@versionedfiles/core';
import { WeaveVersionedFiles } from '@versionedfiles/weave';
import { runPython } from '../../../test-fixtures/support/breezy.js';
import { lines, texts, weaveFixtures } from './fixtures.js';

const BREEZY_STORE = `
import json, sys
from breezy.transport import get_transport
from breezy.bzr.weave import WeaveFile
from breezy.bzr.versionedfile import make_versioned_files_factory, ConstantMapper, PrefixMapper
req = json.load(sys.stdin)
mapper = ConstantMapper('inventory') if req['keyLength'] == 1 else PrefixMapper()
vf = make_versioned_files_factory(WeaveFile, mapper)(get_transport(req['dir']))
key = lambda k: tuple(e.encode() for e in k)
for k, parents, ls in req.get('add', []):
    vf.add_lines(key(k), [key(p) for p in parents], [l.encode('utf-8') for l in ls])
vf.check()
keys = sorted(vf.keys())
out = {'keys': [[e.decode() for e in k] for k in keys], 'texts': {}, 'sha1s': {}, 'annotate': {}, 'parents': {}}
pm = vf.get_parent_map(keys)
sha1s = vf.get_sha1s(keys)
for r in vf.get_record_stream(keys, 'unordered', True):
    name = '/'.join(e.decode() for e in r.key)
    out['texts'][name] = r.get_bytes_as('fulltext').decode('utf-8')
    out['sha1s'][name] = sha1s[r.key].decode()
    out['parents'][name] = [[e.decode() for e in p] for p in pm[r.key]]
    out['annotate'][name] = ['/'.join(e.decode() for e in o) for o, l in vf.annotate(r.key)]
json.dump(out, sys.stdout)
`;

interface StoreView {
  keys: string[][];
  texts: Record<string, string>;
  sha1s: Record<string, string>;
  annotate: Record<string, string[]>;
  parents: Record<string, string[][]>;
}

function breezyStore(dir: string, keyLength: number, add: [string[], string[][], string[]][] = []): StoreView {
  const out = runPython(BREEZY_STORE, { input: JSON.stringify({ dir, keyLength, add }) });
  return JSON.parse(new TextDecoder().decode(out)) as StoreView;
}

async function ourView(vf: WeaveVersionedFiles): Promise<StoreView> {
  const keys = [...(await vf.keys())].map((k) => [...k]).sort((a, b) => a.join('/').localeCompare(b.join('/')));
  const view: StoreView = { keys, texts: {}, sha1s: {}, annotate: {}, parents: {} };
  const sha1s = await vf.getSha1s(keys);
  const parents = await vf.getParentMap(keys);
  for await (const r of vf.getRecordStream(keys, 'unordered', true)) {
    const name = r.key.join('/');
    view.texts[name] = texts([r.getBytesAs('fulltext')])[0] as string;
    view.sha1s[name] = sha1s.get(r.key) as string;
    view.parents[name] = [...(parents.get(r.key) ?? [])].map((p) => [...p]);
    view.annotate[name] = (await vf.annotate(r.key)).map(([o]) => o.join('/'));
  }
  return view;
}

const scenarios: [string, 1 | 2, () => KeyMapper][] = [
  ['weave-named', 1, () => new ConstantMapper('inventory')],
  ['weave-prefix', 2, () => new PrefixMapper()],
];

/** Every fixture history, under one file id each (or all in one weave for key length 1). */
function adds(keyLength: 1 | 2): [string[], string[][], string[]][] {
  const out: [string[], string[][], string[]][] = [];
  for (const f of weaveFixtures()) {
    if (keyLength === 1 && f.name !== 'random') continue;
    const key = (v: string): string[] => (keyLength === 1 ? [v] : [`file-${f.name}`, v]);
    for (const v of f.versions) out.push([key(v.name), v.parents.map(key), v.lines]);
  }
  return out;
}

describe.each(scenarios)('%s store', (_name, keyLength, mapper) => {
  it('Breezy reads the store we write, and its check passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-weave-store-'));
    const vf = new WeaveVersionedFiles(new LocalTransport(dir), mapper(), { keyLength });
    for (const [k, parents, ls] of adds(keyLength)) await vf.addLines(k, parents, lines(ls));
    expect(breezyStore(dir, keyLength)).toEqual(await ourView(vf));
  });

  it('we read the store Breezy writes, and keep adding to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-weave-store-'));
    const theirs = breezyStore(dir, keyLength, adds(keyLength));
    const vf = new WeaveVersionedFiles(new LocalTransport(dir), mapper(), { keyLength });
    expect(await ourView(vf)).toEqual(theirs);
    await vf.check();
    const [last] = theirs.keys.slice(-1) as [string[]];
    const next = [...last.slice(0, -1), 'ours-1'];
    await vf.addLines(next, [last], lines(['appended by us\n']));
    const after = breezyStore(dir, keyLength);
    expect(after.texts[next.join('/')]).toBe('appended by us\n');
    expect(after.parents[next.join('/')]).toEqual([last]);
  });
});

/** A long history (three-digit version numbers in the body), merges and a non-ASCII name. */
function longHistory(): [string[], string[][], string[]][] {
  const out: [string[], string[][], string[]][] = [];
  const textOf: string[][] = [];
  const name = (v: number): string => (v === 7 ? 'révision-7' : `rev-${v}`);
  for (let v = 0; v < 120; v++) {
    const parents = v === 0 ? [] : v % 9 === 0 && v > 3 ? [v - 1, v - 3] : [v - 1];
    const text = v === 0 ? Array.from({ length: 30 }, (_, i) => `line ${i}\n`) : [...(textOf[parents[0] as number] as string[])];
    if (parents.length > 1) text.splice(v % text.length, 0, ...(textOf[parents[1] as number] as string[]).slice(0, 2));
    text.splice((v * 7) % (text.length + 1), v % 3, `edit ${v}\n`);
    if (v % 11 === 5) text.push(`no newline ${v}`);
    else if (text[text.length - 1]?.endsWith('\n') === false) text.pop();
    textOf.push(text);
    out.push([['long', name(v)], parents.map((p) => ['long', name(p)]), text]);
  }
  return out;
}

describe('the same adds through Breezy\'s store and ours', () => {
  it('give byte-identical weave files', async () => {
    const history = longHistory();
    const theirs = mkdtempSync(join(tmpdir(), 'vf-weave-store-'));
    breezyStore(theirs, 2, history);
    const ours = mkdtempSync(join(tmpdir(), 'vf-weave-store-'));
    const vf = new WeaveVersionedFiles(new LocalTransport(ours), new PrefixMapper());
    for (const [k, parents, ls] of history) await vf.addLines(k, parents, lines(ls));
    const bytes = new Uint8Array(readFileSync(join(ours, 'long.weave')));
    expect(Buffer.from(bytes).includes('{ 119\n')).toBe(true);
    expect(bytes).toEqual(new Uint8Array(readFileSync(join(theirs, 'long.weave'))));
  });
});
