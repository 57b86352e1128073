// Errors raised by the graph algorithms (topological sorts, KnownGraph).
//
// Entry points: `GraphCycle` (Breezy's GraphCycleError), `ParentsMismatch`
// (KnownGraph.addNode given other parents for a known key), `InvalidMainline`
// (mergeSort's forced mainline is not a path through the graph).

import { VersionedFilesError } from '../errors.js';
import type { Key } from '../keys.js';

export class GraphCycle extends VersionedFilesError {
  readonly code = 'GraphCycle' as const;
  declare readonly data: { readonly keys: readonly Key[] };
  /** `keys`: nodes on or behind the cycle, as far as the algorithm knows them. */
  constructor(keys: readonly Key[]) {
    super(`Cycle in graph among ${keys.length} node(s).`, { keys });
  }
}

export class ParentsMismatch extends VersionedFilesError {
  readonly code = 'ParentsMismatch' as const;
  declare readonly data: { readonly key: Key; readonly existing: readonly Key[]; readonly given: readonly Key[] };
  constructor(key: Key, existing: readonly Key[], given: readonly Key[]) {
    super(`Node (${key.join(', ')}) already has ${existing.length} other parent(s).`, { key, existing, given });
  }
}

export class InvalidMainline extends VersionedFilesError {
  readonly code = 'InvalidMainline' as const;
  declare readonly data: { readonly key: Key | null; readonly parent: Key | null };
  constructor(key: Key | null, parent: Key | null) {
    super('The mainline given to mergeSort is not a path through the graph.', { key, parent });
  }
}
