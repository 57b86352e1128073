// A check is one behaviour of a `VersionedFiles`: a plain async function over
// a `CheckContext` that throws when the store misbehaves. `describeVersionedFiles`
// wraps each in `it(...)`; tests of the suite itself call them directly.
//
// Entry points: `Check`, `defineCheck`, `CheckTable`, `appliesTo`.

import type { CheckContext } from './context.js';
import type { Capabilities, Scenario } from './scenario.js';

export interface Check {
  (ctx: CheckContext): Promise<void>;
  /** When false the check is not registered for the scenario (default: always). */
  readonly applies?: (caps: Capabilities, scenario: Scenario) => boolean;
}

export type CheckTable = Readonly<Record<string, Check>>;

export function defineCheck(run: (ctx: CheckContext) => Promise<void>, applies?: Check['applies']): Check {
  return applies === undefined ? run : Object.assign(run, { applies });
}

export function appliesTo(check: Check, scenario: Scenario): boolean {
  return check.applies === undefined || check.applies(scenario.capabilities, scenario);
}

/** Capability guards for `defineCheck`. */
export const needs = {
  graph: (caps: Capabilities): boolean => caps.graph,
  ghosts: (caps: Capabilities): boolean => caps.graph && caps.ghosts,
  noGhosts: (caps: Capabilities): boolean => caps.graph && !caps.ghosts,
  fallbacks: (caps: Capabilities): boolean => caps.fallbacks,
  /** A child above a parent held only by a fallback: the parent is a ghost locally. */
  graphFallbacksAndGhosts: (caps: Capabilities): boolean => caps.graph && caps.fallbacks && caps.ghosts,
} as const;
