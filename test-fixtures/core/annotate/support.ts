// Test support for the annotation tests: the Breezy fixtures (see make-fixtures.py).
import { readFileSync } from 'node:fs';
import { KeySet, splitLines, utf8 } from '@versionedfiles/core';
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

export function loadAnnotateHistories(): AnnotateHistory[] {
  const url = new URL('./annotate-fixtures.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { histories: AnnotateHistory[] }).histories;
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
