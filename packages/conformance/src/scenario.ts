// Scenarios: how the suite learns what a backend is and what it can do.
//
// A `Scenario` names a store configuration, its key length, its capability
// flags and a `create()` that opens a fresh, empty store. Checks read the
// flags to pick the behaviour Breezy expects of such a store (a graphless
// store reports `null` parents, a store without ghosts refuses absent
// parents, ...) and skip nothing silently: a check that cannot apply to a
// scenario is not registered for it.
//
// Entry points: `Scenario`, `Capabilities`, `OpenedStore`, `scenarioMatrix`
// (Breezy's per_versionedfile table in one call), `defineScenario` (fills
// defaults and validates once), `propertyRuns` (the fast-check budget).

import type { VersionedFiles } from '@versionedfiles/core';

export interface Capabilities {
  /** The store records parents; without it `getParentMap` gives `null` parents. */
  readonly graph: boolean;
  /** The store keeps per-line annotations with each text (annotated knits). */
  readonly annotated: boolean;
  /**
   * `insertRecordStream` accepts a delta whose compression parent is missing,
   * keeps the record and reports the basis in `getMissingCompressionParentKeys`.
   * Without it such a stream throws `RevisionNotPresent` and stores nothing broken.
   */
  readonly partialInsertion: boolean;
  /** Texts may name parents the store does not hold (ghosts). Weaves cannot. */
  readonly ghosts: boolean;
  /**
   * Records streamed with `includeDeltaClosure = false` may be deltas that
   * cannot give a fulltext on their own. When false, every record can.
   */
  readonly deltaClosure: boolean;
  /** `addFallbackVersionedFiles` is supported (stacked stores). */
  readonly fallbacks: boolean;
}

/** What `Scenario.create` hands the suite: a fresh, empty store. */
export interface OpenedStore {
  readonly vf: VersionedFiles;
  /** Called once after the check that made the store has finished. */
  readonly cleanup?: () => Promise<void> | void;
  /** Opens the same store again from its storage (persistent backends). */
  readonly reopen?: () => Promise<VersionedFiles>;
}

export interface Scenario {
  readonly name: string;
  readonly keyLength: 1 | 2;
  readonly capabilities: Capabilities;
  /** Opens a fresh, empty store. `label` tells apart stores made in one check. */
  create(label: string): Promise<OpenedStore>;
  /** Runs per fast-check property; default `propertyRuns()`. */
  readonly numRuns?: number;
  /** Per-check timeout in milliseconds for slow stores (default: vitest's). */
  readonly timeoutMs?: number;
}

export interface ScenarioInit {
  readonly name: string;
  readonly keyLength: 1 | 2;
  readonly capabilities?: Partial<Capabilities>;
  readonly create: (label: string) => Promise<OpenedStore>;
  readonly numRuns?: number;
  readonly timeoutMs?: number;
}

export const DEFAULT_CAPABILITIES: Capabilities = {
  graph: true,
  annotated: false,
  partialInsertion: false,
  ghosts: true,
  deltaClosure: false,
  fallbacks: true,
};

/** A scenario with every capability defaulted and its shape checked once. */
export function defineScenario(init: ScenarioInit): Scenario {
  if (init.keyLength !== 1 && init.keyLength !== 2) {
    throw new TypeError(`scenario ${init.name}: keyLength must be 1 or 2, got ${String(init.keyLength)}`);
  }
  if (init.numRuns !== undefined && !(Number.isInteger(init.numRuns) && init.numRuns > 0)) {
    throw new TypeError(`scenario ${init.name}: numRuns must be a positive integer`);
  }
  const capabilities: Capabilities = { ...DEFAULT_CAPABILITIES, ...init.capabilities };
  return {
    name: init.name,
    keyLength: init.keyLength,
    capabilities,
    create: init.create,
    ...(init.numRuns === undefined ? {} : { numRuns: init.numRuns }),
    ...(init.timeoutMs === undefined ? {} : { timeoutMs: init.timeoutMs }),
  };
}

/** One row of a scenario matrix: what varies between configurations of one backend. */
export interface MatrixRow<Options> {
  readonly name: string;
  readonly keyLength: 1 | 2;
  readonly capabilities?: Partial<Capabilities>;
  readonly options: Options;
}

/**
 * Breezy's per_versionedfile matrix for one backend: each row is a
 * configuration (graph/nograph, key length, delta/nodelta, ...) and `open`
 * makes a store for it. Returns one `Scenario` per row, names prefixed.
 */
export function scenarioMatrix<Options>(
  backend: string,
  rows: readonly MatrixRow<Options>[],
  open: (options: Options, row: MatrixRow<Options>, label: string) => Promise<OpenedStore>,
  common: { readonly capabilities?: Partial<Capabilities>; readonly numRuns?: number; readonly timeoutMs?: number } = {},
): Scenario[] {
  return rows.map((row) =>
    defineScenario({
      name: `${backend}:${row.name}`,
      keyLength: row.keyLength,
      capabilities: { ...common.capabilities, ...row.capabilities },
      create: (label) => open(row.options, row, label),
      ...(common.numRuns === undefined ? {} : { numRuns: common.numRuns }),
      ...(common.timeoutMs === undefined ? {} : { timeoutMs: common.timeoutMs }),
    }),
  );
}

/**
 * fast-check runs per property: the scenario's own figure, else
 * `VF_CONFORMANCE_RUNS` from the environment, else a small default that keeps
 * the suite fast across every backend.
 */
export function propertyRuns(scenario?: Pick<Scenario, 'numRuns'>): number {
  if (scenario?.numRuns !== undefined) return scenario.numRuns;
  const env = typeof process === 'undefined' ? undefined : process.env['VF_CONFORMANCE_RUNS'];
  const parsed = env === undefined ? NaN : Number.parseInt(env, 10);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : 15;
}
