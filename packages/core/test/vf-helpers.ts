// Shared helpers for the VersionedFilesBase / MemoryVersionedFiles tests.
import {
  KeyMap,
  collect,
  sortKeys,
  toHex,
  utf8,
  type Key,
  type Parents,
  type VersionedFiles,
} from '@versionedfiles/core';

export const lines = (...texts: string[]): Uint8Array[] => texts.map((t) => utf8(t));

export const text = (s: string): Uint8Array => utf8(s);

/** Everything observable about a store's own content, in a comparable form. */
export async function snapshot(vf: VersionedFiles): Promise<[Key, Parents, string][]> {
  const keys = sortKeys(await vf.keys());
  const parents = await vf.getParentMap(keys);
  const texts = new KeyMap<string>();
  for (const r of await collect(vf.getRecordStream(keys, 'unordered', true))) {
    texts.set(r.key, toHex(r.getBytesAs('fulltext')));
  }
  return keys.map((k) => [k, parents.get(k) ?? null, texts.get(k) ?? '']);
}

export async function fulltext(vf: VersionedFiles, key: Key): Promise<string> {
  const [record] = await collect(vf.getRecordStream([key], 'unordered', true));
  if (!record) throw new Error('no record');
  return new TextDecoder().decode(record.getBytesAs('fulltext'));
}

/** Breezy's get_diamond_files: origin, base, left, right, merged under each prefix. */
export async function addDiamond(
  vf: VersionedFiles,
  { prefixes = [[]] as string[][], eol = '\n', graph = true } = {},
): Promise<void> {
  const p = (prefix: string[], names: string[]): Key[] => (graph ? names.map((n) => [...prefix, n]) : []);
  const steps: [string, string[], string[]][] = [
    ['origin', [], [`origin${eol}`]],
    ['base', ['origin'], [`base${eol}`]],
    ['left', ['base'], ['base\n', `left${eol}`]],
    ['right', ['base'], ['base\n', `right${eol}`]],
    ['merged', ['left', 'right'], ['base\n', 'left\n', 'right\n', `merged${eol}`]],
  ];
  for (const [name, parents, body] of steps) {
    for (const prefix of prefixes) await vf.addLines([...prefix, name], p(prefix, parents), lines(...body));
  }
}
