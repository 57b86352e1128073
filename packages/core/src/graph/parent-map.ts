// The parent-map input every graph algorithm takes, normalised once.
//
// Entry points: `ParentMapInput` (a `KeyMap` or any iterable of
// `[key, parents]` pairs) and `toParentMap`, which gives a `KeyMap` with
// Python dict semantics: a repeated key keeps its first position and its
// last parents, as `dict(pairs)` does.

import { KeyMap } from '../keys.js';
import type { Key } from '../keys.js';

export type ParentMapInput = Iterable<readonly [Key, readonly Key[]]>;

export function toParentMap(input: ParentMapInput): KeyMap<readonly Key[]> {
  if (input instanceof KeyMap) return input as KeyMap<readonly Key[]>;
  const map = new KeyMap<readonly Key[]>();
  for (const [key, parents] of input) map.set(key, parents);
  return map;
}
