// Test support for the annotation tests: the Breezy fixtures (see make-fixtures.py).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import {
  Annotator,
  KnownGraph,
  KeySet,
  MemoryVersionedFiles,
  RevisionNotPresent,
  annotateFromTexts,
  flattenAnnotations,
  splitLines,
  utf8,
} from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';

export type FixtureKey = string[];

export type AnnotateResult =
  | { readonly annotations: FixtureKey[][]; readonly lines: string[]; readonly flat: FixtureKey[] }
  | { readonly error: 'RevisionNotPresent'; readonly key: FixtureKey };

export interface AnnotateHistory {
  readonly name: string;
  readonly keyLength: number;
  /** [key, parents, text], parents first. */
  readonly texts: [FixtureKey, FixtureKey[], string][];
  readonly results: [FixtureKey, AnnotateResult][];
}

export const MAKE_ANNOTATE_FIXTURES = new URL('./make-fixtures.py', import.meta.url).pathname;

export function parseAnnotateHistories(json: string): AnnotateHistory[] {
  return (JSON.parse(json) as { histories: AnnotateHistory[] }).histories;
}

export function loadAnnotateHistories(): AnnotateHistory[] {
  return parseAnnotateHistories(readFileSync(new URL('./annotate-fixtures.json', import.meta.url), 'utf8'));
}

function expectNotPresent(err: unknown, key: FixtureKey): void {
  expect(err).toBeInstanceOf(RevisionNotPresent);
  expect((err as RevisionNotPresent).data.key).toEqual(key);
}

/** The pure annotator, given each key's ancestry, gives Breezy's annotate and annotate_flat. */
export function checkAnnotateFromTexts(history: AnnotateHistory): void {
  const parentMap = history.texts.map(([k, ps]) => [k, ps] as const);
  const graph = new KnownGraph(parentMap);
  for (const [key, expected] of history.results) {
    const texts = ancestryTexts(history, key);
    if ('error' in expected) {
      let thrown: unknown;
      try {
        annotateFromTexts(parentMap, texts);
      } catch (err) {
        thrown = err;
      }
      expectNotPresent(thrown, expected.key);
      continue;
    }
    const annotated = annotateFromTexts(parentMap, texts).get(key);
    if (annotated === undefined) throw new Error(`no annotation for ${key.join('/')}`);
    expect(annotated.annotations).toEqual(expected.annotations);
    expect(annotated.lines.map((l) => new TextDecoder().decode(l))).toEqual(expected.lines);
    const flat = flattenAnnotations(annotated, (keys) => graph.heads(keys));
    expect(flat.map(([origin]) => origin)).toEqual(expected.flat);
    expect(flat.map(([, line]) => line)).toEqual(annotated.lines);
  }
}

export async function storeOf(history: AnnotateHistory, graph = true): Promise<MemoryVersionedFiles> {
  const vf = new MemoryVersionedFiles({ keyLength: history.keyLength, graph });
  for (const [key, parents, text] of history.texts) await vf.addLines(key, graph ? parents : [], linesOf(text));
  return vf;
}

export async function errorOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  return undefined;
}

/**
 * Annotator over a MemoryVersionedFiles gives Breezy's answers: a fresh one per
 * key, one shared by all keys (newest first, so it reuses and refetches cached
 * work), and the store's own `annotate`.
 */
export async function checkAnnotator(history: AnnotateHistory): Promise<void> {
  const vf = await storeOf(history);
  const shared = new Annotator(vf);
  for (const [key, expected] of [...history.results].reverse()) {
    for (const annotator of [new Annotator(vf), shared]) {
      if ('error' in expected) {
        expectNotPresent(await errorOf(annotator.annotate(key)), expected.key);
        continue;
      }
      const { annotations, lines } = await annotator.annotate(key);
      expect(annotations).toEqual(expected.annotations);
      expect(lines.map((l) => new TextDecoder().decode(l))).toEqual(expected.lines);
      const flat = await annotator.annotateFlat(key);
      expect(flat.map(([origin]) => origin)).toEqual(expected.flat);
    }
    if (!('error' in expected)) expect((await vf.annotate(key)).map(([origin]) => origin)).toEqual(expected.flat);
  }
}

export function linesOf(text: string): Uint8Array[] {
  return splitLines(utf8(text));
}

/** The texts `key` and its ancestors, in the history's (parents first) order. */
export function ancestryTexts(history: AnnotateHistory, key: Key): [Key, Uint8Array[]][] {
  const parents = new Map(history.texts.map(([k, ps]) => [k.join('\u0000'), ps]));
  const wanted = new KeySet();
  const todo: Key[] = [key];
  while (todo.length > 0) {
    const k = todo.pop() as Key;
    if (wanted.has(k)) continue;
    wanted.add(k);
    todo.push(...(parents.get(k.join('\u0000')) ?? []));
  }
  return history.texts.filter(([k]) => wanted.has(k)).map(([k, , text]) => [k, linesOf(text)]);
}
