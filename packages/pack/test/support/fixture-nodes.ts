// The nodes test-fixtures/pack/make-fixtures.py gives Breezy, made the same
// way here (its make_nodes), so tests can rebuild each fixture and compare.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sha1Hex, utf8 } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import type { IndexNode } from '../../src/index.js';

export const FIXTURES = fileURLToPath(new URL('../../../../test-fixtures/pack/', import.meta.url));

export interface IndexFixture {
  readonly file: string;
  readonly referenceLists: number;
  readonly keyElements: number;
  readonly count: number;
  readonly seed: string;
  readonly sample: readonly { key: string[]; value: string; references: string[][][] }[];
}

export interface ContainerFixture {
  readonly file: string;
  readonly records: readonly { names: string[][]; body: string; offset: number; length: number }[];
}

export interface Manifest {
  readonly graph: readonly IndexFixture[];
  readonly btree: readonly IndexFixture[];
  readonly container: readonly ContainerFixture[];
}

export function manifest(): Manifest {
  return JSON.parse(readFileSync(`${FIXTURES}fixtures.json`, 'utf8')) as Manifest;
}

export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES}${file}`));
}

function element(i: number, salt: string): string {
  const h = sha1Hex(utf8(`${salt}-${i}`));
  return `${salt}-${h.slice(0, 4 + (i % 17))}`;
}

/** make_nodes(count, key_elements, ref_lists, seed) from make-fixtures.py. */
export function makeNodes(count: number, keyElements: number, referenceLists: number, seed: string): IndexNode[] {
  const keys: Key[] = [];
  for (let i = 0; i < count; i++) {
    const key: string[] = [];
    for (let e = 0; e < keyElements; e++) {
      const n = e < keyElements - 1 ? Math.floor(i / 3 ** (keyElements - 1 - e)) : i;
      key.push(element(n, `${seed}${e}`));
    }
    keys.push(key);
  }
  return keys.map((key, n) => {
    const references: Key[][] = [];
    for (let r = 0; r < referenceLists; r++) {
      const list: Key[] = [];
      for (let d = 1; d < 1 + ((n + r) % 3); d++) if (n - d >= 0) list.push(keys[n - d] as Key);
      if ((n + r) % 5 === 4) list.push(Array.from({ length: keyElements }, () => `ghost-${n}`));
      references.push(list);
    }
    return { key, value: utf8(`v${n} ${(n * 7919) % 1000}`), references };
  });
}

export function fixtureNodes(f: IndexFixture): IndexNode[] {
  return makeNodes(f.count, f.keyElements, f.referenceLists, f.seed);
}
