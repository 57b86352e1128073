// Reading a store back for comparison: texts, a whole-store snapshot, and
// the "same content" assertion Breezy calls assertIdenticalVersionedFile.
//
// Entry points: `annotateOrGhost`, `lines`, `bytes`, `fulltextOf`, `recordOf`,
// `snapshot`, `expectSameContent`, `expectRecordText`.

import { KeyMap, collect, sha1Hex, sortKeys, utf8, concatBytes } from '@versionedfiles/core';
import type { AnnotatedLine, ContentFactory, Key, Parents, VersionedFiles } from '@versionedfiles/core';
import { expectEqual, expectTrue, fail, isCode } from './assert.js';

/**
 * `annotate(key)`, or null when the store refuses with RevisionNotPresent
 * because the ancestry holds a ghost (what Breezy's knit packs and
 * groupcompress stores do; its annotated knit files annotate past ghosts).
 */
export async function annotateOrGhost(vf: VersionedFiles, key: Key): Promise<readonly AnnotatedLine[] | null> {
  try {
    return await vf.annotate(key);
  } catch (err) {
    if (isCode(err, 'RevisionNotPresent')) return null;
    throw err;
  }
}

/** Lines from strings, UTF-8 encoded: `lines('a\n', 'b')`. */
export function lines(...text: string[]): Uint8Array[] {
  return text.map(utf8);
}

export function bytes(text: string): Uint8Array {
  return utf8(text);
}

/** The one record a single-key stream yields (with its delta closure). */
export async function recordOf(vf: VersionedFiles, key: Key, includeDeltaClosure = true): Promise<ContentFactory> {
  const records = await collect(vf.getRecordStream([key], 'unordered', includeDeltaClosure));
  expectTrue(records.length === 1, `a stream of one key gave ${records.length} records`);
  return records[0] as ContentFactory;
}

/** The text of `key`; fails when the store does not have it. */
export async function fulltextOf(vf: VersionedFiles, key: Key): Promise<Uint8Array> {
  const record = await recordOf(vf, key);
  if (record.storageKind === 'absent') fail(`key ${JSON.stringify(key)} is absent`);
  return record.getBytesAs('fulltext');
}

/** Every text form of a record agrees with `expected`. */
export function expectRecordText(record: ContentFactory, expected: Uint8Array, what: string): void {
  expectEqual(record.getBytesAs('fulltext'), expected, `${what}: fulltext`);
  expectEqual(concatBytes([...record.getBytesAs('chunked')]), expected, `${what}: chunked`);
  expectEqual(concatBytes([...record.iterBytesAs('chunked')]), expected, `${what}: iterBytesAs(chunked)`);
  const asLines = record.getBytesAs('lines');
  expectEqual(concatBytes([...asLines]), expected, `${what}: lines`);
  asLines.forEach((line, i) => {
    const nl = line.indexOf(0x0a);
    expectTrue(
      line.length > 0 && (nl === line.length - 1 || (nl < 0 && i === asLines.length - 1)),
      `${what}: getBytesAs('lines') item ${i} is not one line`,
    );
  });
}

export interface StoreSnapshot {
  readonly keys: readonly Key[];
  readonly parents: KeyMap<Parents>;
  readonly sha1s: KeyMap<string>;
  readonly texts: KeyMap<Uint8Array>;
}

/** Keys, parents, recorded sha1s and texts of the store itself (not its fallbacks). */
export async function snapshot(vf: VersionedFiles): Promise<StoreSnapshot> {
  const keys = sortKeys(await vf.keys());
  const texts = new KeyMap<Uint8Array>();
  for await (const record of vf.getRecordStream(keys, 'unordered', true)) {
    if (record.storageKind === 'absent') fail(`keys() lists ${JSON.stringify(record.key)} but it streams as absent`);
    texts.set(record.key, record.getBytesAs('fulltext'));
  }
  return { keys, parents: await vf.getParentMap(keys), sha1s: await vf.getSha1s(keys), texts };
}

/**
 * `actual` holds the same keys and texts as `expected`, with sha1s that match
 * the texts, and the same parents when `graph` (else `null` parents).
 */
export async function expectSameContent(
  expected: VersionedFiles | StoreSnapshot,
  actual: VersionedFiles,
  options: { readonly graph: boolean; readonly what?: string },
): Promise<void> {
  const what = options.what ?? 'copied store';
  const want = isSnapshot(expected) ? expected : await snapshot(expected);
  const got = await snapshot(actual);
  expectEqual(got.keys, want.keys, `${what}: keys`);
  expectEqual(got.texts, want.texts, `${what}: texts`);
  for (const [key, text] of got.texts) {
    expectEqual(got.sha1s.get(key), sha1Hex(text), `${what}: sha1 of ${JSON.stringify(key)}`);
  }
  if (options.graph) {
    expectEqual(got.parents, want.parents, `${what}: parents`);
  } else {
    for (const [key, parents] of got.parents) expectEqual(parents, null, `${what}: parents of ${JSON.stringify(key)} in a graphless store`);
  }
}

function isSnapshot(value: VersionedFiles | StoreSnapshot): value is StoreSnapshot {
  return Array.isArray(value.keys);
}
