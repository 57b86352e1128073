// fast-check arbitraries for versioned histories, exported for backend
// authors' own properties.
//
// A history is a list of texts in insertion order: each has a key, parents
// drawn from earlier texts of the same key prefix (Breezy's graphs never
// cross prefixes) plus, optionally, ghosts, and lines made by editing its
// left parent's lines (or fresh), so histories have the shared lines, merges,
// noeol endings, empty texts and binary bytes that deltas and annotation
// must get right. Generation draws a plain recipe; `buildHistory` turns it
// into texts deterministically, so shrinking works on the recipe.
//
// Entry points: `arbKeyElement`, `arbKey`, `arbLine`, `arbLines`, `arbText`,
// `arbHistory`, `History`, `HistoryEntry`, `applyHistory`, `historyAncestry`,
// `textsAboveGhosts`.

import fc from 'fast-check';
import { KeyMap, KeySet, concatBytes, utf8 } from '@versionedfiles/core';
import type { Key, VersionedFiles } from '@versionedfiles/core';

const NL = 0x0a;

/**
 * Key elements every backend can hold: lowercase ASCII letters, digits, `-`,
 * `_` and a few non-ASCII letters (UTF-8 on disk). Never `:` (reserved ids),
 * `/`, `.`, spaces or control characters, which some formats refuse.
 */
export function arbKeyElement(): fc.Arbitrary<string> {
  const unit = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'.split(''), '\u00e9', '\u00fc', '\u00bf', '\u4e2d');
  return fc.string({ unit, minLength: 1, maxLength: 10 });
}

export function arbKey(keyLength: number): fc.Arbitrary<Key> {
  return fc.array(arbKeyElement(), { minLength: keyLength, maxLength: keyLength });
}

/** The content of one line, without its newline: common words, UTF-8 text or raw bytes. */
function arbLineContent(): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('', 'a', 'b', 'c', 'same', 'line', '{', '}', 'x = 1;').map(utf8) },
    { weight: 2, arbitrary: fc.string({ maxLength: 20 }).filter((s) => !s.includes('\n')).map(utf8) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map((b) => b.filter((byte) => byte !== NL)) },
  );
}

/** One line ending in `\n`. */
export function arbLine(): fc.Arbitrary<Uint8Array> {
  return arbLineContent().map((content) => concatBytes([content, new Uint8Array([NL])]));
}

/** Drops the final newline of the last line when `noeol` and the line has more than it. */
function withEnding(lines: readonly Uint8Array[], noeol: boolean): Uint8Array[] {
  const out = [...lines];
  const last = out[out.length - 1];
  if (noeol && last !== undefined && last.length > 1) out[out.length - 1] = last.subarray(0, last.length - 1);
  return out;
}

/** Lines of a text: possibly empty, possibly without a final newline. */
export function arbLines(maxLines = 8): fc.Arbitrary<Uint8Array[]> {
  return fc
    .record({ lines: fc.array(arbLine(), { maxLength: maxLines }), noeol: fc.boolean() })
    .map(({ lines, noeol }) => withEnding(lines, noeol));
}

/** A text as bytes (`arbLines` joined). */
export function arbText(maxLines = 8): fc.Arbitrary<Uint8Array> {
  return arbLines(maxLines).map((lines) => concatBytes(lines));
}

export interface HistoryEntry {
  readonly key: Key;
  /** Parents in order; may name ghosts (keys in `History.ghosts`). */
  readonly parents: readonly Key[];
  readonly lines: readonly Uint8Array[];
}

export interface History {
  readonly keyLength: number;
  /** In insertion order: every present parent comes before its child. */
  readonly entries: readonly HistoryEntry[];
  /** Parents named by some entry that no entry provides. */
  readonly ghosts: readonly Key[];
}

export interface HistoryOptions {
  readonly keyLength: 1 | 2;
  /** Allow ghost parents (default false). */
  readonly ghosts?: boolean;
  /** At most this many texts (default 8). */
  readonly maxTexts?: number;
}

interface Edit {
  readonly at: number;
  readonly remove: number;
  readonly insert: readonly Uint8Array[];
}

interface EntryRecipe {
  readonly prefix: number;
  readonly parentPicks: readonly number[];
  readonly ghost: boolean;
  /** Start from the left parent's lines (else `fresh`). */
  readonly fromParent: boolean;
  readonly fresh: readonly Uint8Array[];
  readonly edits: readonly Edit[];
  /** Splice some of the second parent's lines in, as a merge does. */
  readonly takeFromRight: number;
  readonly noeol: boolean;
}

interface HistoryRecipe {
  readonly keyLength: number;
  readonly prefixes: readonly string[];
  readonly names: readonly string[];
  readonly entries: readonly EntryRecipe[];
  readonly ghosts: boolean;
}

function arbEntryRecipe(): fc.Arbitrary<EntryRecipe> {
  return fc.record({
    prefix: fc.nat(1),
    parentPicks: fc.array(fc.nat(), { maxLength: 3 }),
    ghost: fc.boolean(),
    fromParent: fc.boolean(),
    fresh: fc.array(arbLine(), { maxLength: 6 }),
    edits: fc.array(fc.record({ at: fc.nat(), remove: fc.nat(3), insert: fc.array(arbLine(), { maxLength: 3 }) }), { maxLength: 3 }),
    takeFromRight: fc.nat(3),
    noeol: fc.boolean(),
  });
}

/** Random histories: DAGs with merges (and ghosts when asked), line edits, noeol, empty and binary texts. */
export function arbHistory(options: HistoryOptions): fc.Arbitrary<History> {
  const maxTexts = options.maxTexts ?? 8;
  return fc
    .record({
      prefixes: fc.uniqueArray(arbKeyElement(), { minLength: 2, maxLength: 2 }),
      names: fc.uniqueArray(arbKeyElement(), { minLength: maxTexts, maxLength: maxTexts }),
      entries: fc.array(arbEntryRecipe(), { minLength: 1, maxLength: maxTexts }),
    })
    .map((recipe) => buildHistory({ ...recipe, keyLength: options.keyLength, ghosts: options.ghosts ?? false }));
}

/** The lines with a newline put back on a last line that lacks one, so edits keep lines whole. */
function normalised(lines: readonly Uint8Array[]): Uint8Array[] {
  const out = [...lines];
  const last = out[out.length - 1];
  if (last !== undefined && last[last.length - 1] !== NL) out[out.length - 1] = concatBytes([last, new Uint8Array([NL])]);
  return out;
}

function buildHistory(recipe: HistoryRecipe): History {
  const entries: HistoryEntry[] = [];
  const ghosts = new KeySet();
  const byPrefix = new Map<number, HistoryEntry[]>();
  recipe.entries.forEach((entry, i) => {
    const prefixIndex = recipe.keyLength === 1 ? 0 : entry.prefix;
    const prefix = recipe.keyLength === 1 ? [] : [recipe.prefixes[prefixIndex] as string];
    const key: Key = [...prefix, recipe.names[i] as string];
    const earlier = byPrefix.get(prefixIndex) ?? [];
    const parents: Key[] = [];
    const chosen = new KeySet();
    for (const pick of entry.parentPicks) {
      const parent = earlier[pick % Math.max(earlier.length, 1)];
      if (parent && !chosen.has(parent.key)) {
        chosen.add(parent.key);
        parents.push(parent.key);
      }
    }
    if (recipe.ghosts && entry.ghost) {
      // '.' never occurs in generated names, so a ghost never collides with a text.
      const ghost: Key = [...prefix, `ghost.${i}`];
      parents.splice(entry.parentPicks.length % (parents.length + 1), 0, ghost);
      ghosts.add(ghost);
    }
    const present = parents.map((p) => earlier.find((e) => e.key === p)).filter((e): e is HistoryEntry => e !== undefined);
    const left = present[0];
    let lines = entry.fromParent && left ? normalised(left.lines) : [...entry.fresh];
    for (const edit of entry.edits) {
      const at = lines.length === 0 ? 0 : edit.at % (lines.length + 1);
      lines.splice(at, edit.remove, ...edit.insert);
    }
    const right = present[1];
    if (right && entry.takeFromRight > 0) {
      const taken = normalised(right.lines).slice(0, entry.takeFromRight);
      lines.splice(Math.min(entry.takeFromRight, lines.length), 0, ...taken);
    }
    lines = withEnding(lines, entry.noeol);
    const built: HistoryEntry = { key, parents, lines };
    entries.push(built);
    earlier.push(built);
    byPrefix.set(prefixIndex, earlier);
  });
  return { keyLength: recipe.keyLength, entries, ghosts: [...ghosts] };
}

/**
 * Adds a history to a store in order. `graph: false` passes no parents, as
 * graphless stores take none.
 */
export async function applyHistory(vf: VersionedFiles, history: History, options: { readonly graph: boolean }): Promise<void> {
  for (const entry of history.entries) await vf.addLines(entry.key, options.graph ? entry.parents : [], entry.lines);
}

/** The texts whose ancestry names a ghost. */
export function textsAboveGhosts(history: History): KeySet {
  const ghosts = new KeySet(history.ghosts);
  const out = new KeySet();
  for (const entry of history.entries) {
    if (entry.parents.some((p) => ghosts.has(p) || out.has(p))) out.add(entry.key);
  }
  return out;
}

/** For each text, itself and every present ancestor. */
export function historyAncestry(history: History): KeyMap<KeySet> {
  const out = new KeyMap<KeySet>();
  for (const entry of history.entries) {
    const ancestry = new KeySet([entry.key]);
    for (const parent of entry.parents) for (const key of out.get(parent) ?? []) ancestry.add(key);
    out.set(entry.key, ancestry);
  }
  return out;
}
