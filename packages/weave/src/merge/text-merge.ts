// Turning a merge plan into merged text, as Breezy's `PlanWeaveMerge`.
//
// Entry points: `weaveMerge(plan, options)` (merged lines with conflict
// markers, and whether there were conflicts), `mergeStructFromPlan(plan)` (the
// regions: one side's lines, or a conflict `[a lines, b lines]`),
// `reprocessStruct` (shrinks conflicts with a two-way patience merge),
// `structToLines`, `baseFromPlan` (the BASE text a plan implies).
//
// The plan is walked once: `unchanged` lines are sync points; between them the
// lines each side has are collected, and a region where only one side changed
// (or both ended up with the same lines) takes that side, otherwise it is a
// conflict.

import { bytesEqual, matchingBlocks, utf8 } from '@versionedfiles/core';
import type { PlanLine } from '../weave.js';

/** A merged region: agreed lines, or a conflict between side a and side b. */
export type MergeGroup = readonly [readonly Uint8Array[]] | readonly [readonly Uint8Array[], readonly Uint8Array[]];

export interface ConflictMarkers {
  readonly a: Uint8Array;
  readonly b: Uint8Array;
  readonly split: Uint8Array;
}

/** Breezy's markers: note the trailing space on `<<<<<<< ` and `>>>>>>> `. */
export const DEFAULT_MARKERS: ConflictMarkers = Object.freeze({
  a: utf8('<<<<<<< \n'),
  b: utf8('>>>>>>> \n'),
  split: utf8('=======\n'),
});

export interface WeaveMergeOptions {
  readonly markers?: Partial<ConflictMarkers>;
  /** Run a two-way merge inside conflicts to shrink them (Breezy's `reprocess`). */
  readonly reprocess?: boolean;
}

export interface MergeResult {
  readonly lines: Uint8Array[];
  readonly conflicts: boolean;
}

export function weaveMerge(plan: Iterable<PlanLine>, options: WeaveMergeOptions = {}): MergeResult {
  let groups = mergeStructFromPlan(plan);
  if (options.reprocess) groups = reprocessStruct(groups);
  const markers = { ...DEFAULT_MARKERS, ...options.markers };
  return { lines: structToLines(groups, markers), conflicts: groups.some((g) => g.length > 1) };
}

/** The merge regions of a plan, empty ones left out. */
export function mergeStructFromPlan(plan: Iterable<PlanLine>): MergeGroup[] {
  const out: MergeGroup[] = [];
  let linesA: Uint8Array[] = [];
  let linesB: Uint8Array[] = [];
  let changedA = false;
  let changedB = false;
  const flush = (): void => {
    if (linesA.length === 0 && linesB.length === 0) return;
    if (changedA && !changedB) out.push([linesA]);
    else if (changedB && !changedA) out.push([linesB]);
    else if (sameLines(linesA, linesB)) out.push([linesA]);
    else out.push([linesA, linesB]);
  };
  for (const [state, line] of plan) {
    switch (state) {
      case 'unchanged':
        flush();
        linesA = [];
        linesB = [];
        changedA = changedB = false;
        if (line.length > 0) out.push([[line]]);
        break;
      case 'killed-a':
        changedA = true;
        linesB.push(line);
        break;
      case 'killed-b':
        changedB = true;
        linesA.push(line);
        break;
      case 'new-a':
        changedA = true;
        linesA.push(line);
        break;
      case 'new-b':
        changedB = true;
        linesB.push(line);
        break;
      case 'conflicted-a':
        changedA = changedB = true;
        linesA.push(line);
        break;
      case 'conflicted-b':
        changedA = changedB = true;
        linesB.push(line);
        break;
      case 'killed-both':
        // A change on both sides even though neither keeps a line.
        changedA = changedB = true;
        break;
      case 'irrelevant':
      case 'ghost-a':
      case 'ghost-b':
      case 'killed-base':
        break;
    }
  }
  flush();
  return out.filter(isUseful);
}

function isUseful(group: MergeGroup): boolean {
  return group[0].length > 0 || (group.length > 1 && (group[1] as readonly Uint8Array[]).length > 0);
}

/** Splits each conflict by a two-way patience merge of its sides; never adds conflicts. */
export function reprocessStruct(groups: readonly MergeGroup[]): MergeGroup[] {
  const out: MergeGroup[] = [];
  for (const group of groups) {
    if (group.length === 1) {
      out.push(group);
      continue;
    }
    const [a, b] = group;
    let posA = 0;
    let posB = 0;
    for (const [ai, bi, size] of matchingBlocks(a, b)) {
      out.push([a.slice(posA, ai), b.slice(posB, bi)]);
      out.push([a.slice(ai, ai + size)]);
      posA = ai + size;
      posB = bi + size;
    }
  }
  return out.filter(isUseful);
}

export function structToLines(groups: readonly MergeGroup[], markers: ConflictMarkers = DEFAULT_MARKERS): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const group of groups) {
    if (group.length === 1) {
      out.push(...group[0]);
    } else {
      out.push(markers.a, ...group[0], markers.split, ...group[1], markers.b);
    }
  }
  return out;
}

/** The BASE text of a plan: lines unchanged or killed by either side. */
export function baseFromPlan(plan: Iterable<PlanLine>): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [state, line] of plan) {
    if (state === 'killed-a' || state === 'killed-b' || state === 'killed-both' || state === 'unchanged') {
      out.push(line);
    }
  }
  return out;
}

function sameLines(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((line, i) => bytesEqual(line, b[i] as Uint8Array));
}
