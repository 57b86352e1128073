// Loads what Breezy wrote into test-fixtures/weave (see make-fixtures.py there).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { utf8 } from '@versionedfiles/core';
import type { PlanState } from '@versionedfiles/weave';

export const FIXTURES = fileURLToPath(new URL('../../../test-fixtures/weave/', import.meta.url));

export interface VersionFixture {
  readonly name: string;
  readonly parents: string[];
  readonly lines: string[];
  readonly text: string[];
  readonly sha1: string;
  readonly annotate: [string, string][];
  readonly ancestry: string[];
}

export interface WeaveFixture {
  readonly name: string;
  readonly versions: VersionFixture[];
  readonly linesAdded: [string, string][];
}

export interface MergeFixture {
  readonly name: string;
  readonly base: string[];
  readonly a: string[];
  readonly b: string[];
  readonly plan: [PlanState, string][];
  readonly merged: string[];
  readonly conflicts: boolean;
  readonly reprocessed: string[];
  readonly basePlan: string[];
}

export interface PlanMergeFixture {
  readonly name: string;
  readonly revisions: [string, string[], string][];
  readonly merges: {
    readonly a: string;
    readonly b: string;
    readonly base: string | null;
    readonly plan: [PlanState, string][];
    readonly lcaPlan: [PlanState, string][];
    readonly thisPlan: [PlanState, string][];
    readonly merged: string[];
  }[];
}

function json<T>(name: string): T {
  return JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as T;
}

export const weaveFixtures = (): WeaveFixture[] => json('inserts.json');
export const mergeFixtures = (): MergeFixture[] => json('merges.json');
export const planMergeFixtures = (): PlanMergeFixture[] => json('plan-merge.json');

export function weaveBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES}${name}.weave`));
}

export const lines = (texts: readonly string[]): Uint8Array[] => texts.map((t) => utf8(t));
export const texts = (ls: readonly Uint8Array[]): string[] => ls.map((l) => new TextDecoder().decode(l));
