// The fixed histories Breezy's per_versionedfile tests use, so checks can
// compare against the figures Breezy asserts (sha1s, sizes, annotations).
//
// The diamond: origin <- base <- {left, right} <- merged, once per prefix
// (two prefixes, FileA and FileB, when keys have two elements).
//
// Entry points: `ORDERINGS`, `addDiamond`, `DIAMOND_SHA1`, `DIAMOND_SIZE`, `diamondKeys`,
// `topologicalRank`, `groupcompressRank`.

import type { AddResult, Key, Ordering, PendingKey, VersionedFiles } from '@versionedfiles/core';
import type { CheckContext } from './context.js';
import { lines } from './inspect.js';

/** Every ordering `getRecordStream` takes. */
export const ORDERINGS: readonly Ordering[] = ['unordered', 'topological', 'groupcompress'];

export const DIAMOND_NAMES = ['origin', 'base', 'left', 'right', 'merged'] as const;
export type DiamondName = (typeof DIAMOND_NAMES)[number];

/** sha1 and size of each diamond text with trailing newlines (Breezy's test_add_lines_return). */
export const DIAMOND_SHA1: Readonly<Record<DiamondName, string>> = {
  origin: '00e364d235126be43292ab09cb4686cf703ddc17',
  base: '51c64a6f4fc375daf0d24aafbabe4d91b6f4bb44',
  left: 'a8478686da38e370e32e42e8a0c220e33ee9132f',
  right: '9ef09dfa9d86780bdec9219a22560c6ece8e0ef1',
  merged: 'ed8bce375198ea62444dc71952b22cfc2b09226d',
};

export const DIAMOND_SIZE: Readonly<Record<DiamondName, number>> = {
  origin: 7,
  base: 5,
  left: 10,
  right: 11,
  merged: 23,
};

const DIAMOND_PARENTS: Readonly<Record<DiamondName, readonly DiamondName[]>> = {
  origin: [],
  base: ['origin'],
  left: ['base'],
  right: ['base'],
  merged: ['left', 'right'],
};

export function diamondLines(name: DiamondName, trailingEol = true): Uint8Array[] {
  const end = trailingEol ? '\n' : '';
  switch (name) {
    case 'origin':
      return lines(`origin${end}`);
    case 'base':
      return lines(`base${end}`);
    case 'left':
      return lines('base\n', `left${end}`);
    case 'right':
      return lines('base\n', `right${end}`);
    case 'merged':
      return lines('base\n', 'left\n', 'right\n', `merged${end}`);
  }
}

export interface DiamondOptions {
  readonly trailingEol?: boolean;
  /** Only origin, base and left. */
  readonly leftOnly?: boolean;
  /** Content-addressed keys (`[...prefix, null]`); implies no parents. */
  readonly nokeys?: boolean;
  /** Pass parents (default: when the scenario has a graph). */
  readonly graph?: boolean;
}

/**
 * Adds the diamond to `vf` the way Breezy's get_diamond_files does: each
 * name for every prefix in turn, as a commit spreads inserts across files.
 */
export async function addDiamond(vf: VersionedFiles, ctx: CheckContext, options: DiamondOptions = {}): Promise<AddResult[]> {
  const graph = !options.nokeys && (options.graph ?? ctx.caps.graph);
  const names = options.leftOnly ? DIAMOND_NAMES.slice(0, 3) : DIAMOND_NAMES;
  const results: AddResult[] = [];
  for (const name of names) {
    for (const prefix of ctx.prefixes) {
      const key: PendingKey = options.nokeys ? [...prefix, null] : [...prefix, name];
      const parents = graph ? DIAMOND_PARENTS[name].map((p) => [...prefix, p]) : [];
      results.push(await vf.addLines(key, parents, diamondLines(name, options.trailingEol ?? true)));
    }
  }
  return results;
}

/** The diamond keys Breezy's stream tests ask for (origin left out), every prefix. */
export function diamondKeys(ctx: CheckContext, names: readonly DiamondName[] = ['merged', 'left', 'right', 'base']): Key[] {
  return ctx.prefixes.flatMap((prefix) => names.map((name) => [...prefix, name]));
}

/** Depth in the diamond: a topological stream never goes down within a prefix. */
export function topologicalRank(key: Key): number {
  const ranks: Record<string, number> = { origin: -1, base: 0, left: 1, right: 1, merged: 2 };
  return ranks[key[key.length - 1] as string] ?? Number.NaN;
}

/** Breezy's groupcompress order for the diamond: reverse topological within a prefix. */
export function groupcompressRank(key: Key): number {
  const ranks: Record<string, number> = { merged: 0, left: 1, right: 1, base: 2, origin: 3 };
  return ranks[key[key.length - 1] as string] ?? Number.NaN;
}
