// The vitest face of the suite: `describeVersionedFiles(scenario)` registers
// every applicable check as an `it(...)` over a fresh `CheckContext`, and
// `describeInsertBetween(scenarios)` the cross-scenario insert property.
// `runCheck` runs one check outside vitest (the suite's own tests use it on
// deliberately broken stores).
//
// Entry points: `checks`, `describeVersionedFiles`, `describeInsertBetween`,
// `runCheck`, `applicableChecks`.

import { describe, it } from 'vitest';
import { appliesTo } from './check.js';
import type { Check, CheckTable } from './check.js';
import { addChecks } from './checks/add.js';
import { annotateChecks } from './checks/annotate.js';
import { errorChecks } from './checks/errors.js';
import { fallbackChecks } from './checks/fallbacks.js';
import { insertChecks } from './checks/insert.js';
import { modelChecks } from './checks/model-based.js';
import { canInsertBetween, insertBetween, propertyChecks } from './checks/properties.js';
import { queryChecks } from './checks/query.js';
import { streamChecks } from './checks/stream.js';
import { wireChecks } from './checks/wire.js';
import { workChecks } from './checks/work.js';
import { CheckContext } from './context.js';
import { propertyRuns } from './scenario.js';
import type { Scenario } from './scenario.js';

/** Every check of the suite, by name. */
export const checks: CheckTable = {
  ...addChecks,
  ...errorChecks,
  ...streamChecks,
  ...insertChecks,
  ...queryChecks,
  ...annotateChecks,
  ...fallbackChecks,
  ...workChecks,
  ...wireChecks,
  ...propertyChecks,
  ...modelChecks,
};

/** The checks that apply to `scenario` (plus any the caller adds). */
export function applicableChecks(scenario: Scenario, extra: CheckTable = {}): [string, Check][] {
  return Object.entries({ ...checks, ...extra }).filter(([, check]) => appliesTo(check, scenario));
}

/** Runs one check on a fresh context of `scenario`; throws when the store fails it. */
export async function runCheck(scenario: Scenario, check: Check | string): Promise<void> {
  const run = typeof check === 'string' ? checks[check] : check;
  if (run === undefined) throw new TypeError(`no check named ${JSON.stringify(check)}`);
  await CheckContext.with(scenario, run);
}

/**
 * Registers the suite for one scenario: a `describe` block named after it
 * with one `it` per applicable check. `extra` adds backend-specific checks
 * that run the same way.
 */
export function describeVersionedFiles(scenario: Scenario, extra: CheckTable = {}): void {
  describe(`VersionedFiles conformance: ${scenario.name}`, () => {
    for (const [name, check] of applicableChecks(scenario, extra)) {
      it(name, () => runCheck(scenario, check), scenario.timeoutMs);
    }
  });
}

/**
 * Registers, for every ordered pair of scenarios that can exchange records
 * (same key length, both with or both without a graph), the
 * property that a stream from one inserted into the other keeps texts,
 * parents and sha1s.
 */
export function describeInsertBetween(scenarios: readonly Scenario[]): void {
  describe('VersionedFiles conformance: insert between scenarios', () => {
    for (const from of scenarios) {
      for (const to of scenarios) {
        if (!canInsertBetween(from, to)) continue;
        const timeout = Math.max(from.timeoutMs ?? 0, to.timeoutMs ?? 0) || undefined;
        it(`${from.name} -> ${to.name}`, () => insertBetween(from, to, Math.min(propertyRuns(from), propertyRuns(to))), timeout);
      }
    }
  });
}
