// The reference model: what a `VersionedFiles` holds, in the plainest form
// there is (a map from key to parents, text and sha1, plus the models it
// falls back on), and what each call should do to it. It knows nothing of
// deltas, streams or formats, so it is trivially right; the model-based check
// holds real stores against it.
//
// Entry points: `ReferenceModel` (`expectAdd`, `add`, `lookup`, `parentMap`,
// `sha1s`, `keys`, `has`, `text`, `ancestry`, `reachesGhost`, `copyFrom`,
// `addFallback`).

import { KeyMap, KeySet, concatBytes, sha1Hex } from '@versionedfiles/core';
import type { Key, Parents } from '@versionedfiles/core';

export interface ModelText {
  readonly parents: Parents;
  readonly text: Uint8Array;
  readonly sha1: string;
}

export interface ModelOptions {
  readonly graph: boolean;
  readonly ghosts: boolean;
}

/**
 * What `addLines` should do: store the text, or fail with one of these error
 * codes (several when more than one rule is broken: stores check in
 * different orders).
 */
export type AddOutcome =
  | { readonly ok: true; readonly sha1: string; readonly size: number }
  | { readonly ok: false; readonly codes: readonly string[] };

export class ReferenceModel {
  /** The texts this store holds itself. */
  readonly texts = new KeyMap<ModelText>();
  readonly #fallbacks: ReferenceModel[] = [];

  constructor(readonly options: ModelOptions) {}

  get fallbacks(): readonly ReferenceModel[] {
    return this.#fallbacks;
  }

  /** Consulted, in order, for keys this model lacks (cycles are the caller's to avoid). */
  addFallback(fallback: ReferenceModel): void {
    this.#fallbacks.push(fallback);
  }

  /** The text of `key` here, else in the first fallback that has it. */
  lookup(key: Key): ModelText | undefined {
    const own = this.texts.get(key);
    if (own) return own;
    for (const fallback of this.#fallbacks) {
      const found = fallback.lookup(key);
      if (found) return found;
    }
    return undefined;
  }

  /** Present here or in a fallback. */
  has(key: Key): boolean {
    return this.lookup(key) !== undefined;
  }

  text(key: Key): Uint8Array | undefined {
    return this.lookup(key)?.text;
  }

  /**
   * The outcome Breezy's rules give for adding `lines` under `key`: only the
   * store's own keys clash; parents may be anywhere in the chain.
   */
  expectAdd(key: Key, parents: readonly Key[], lines: readonly Uint8Array[], nostoreSha?: string): AddOutcome {
    const text = concatBytes([...lines]);
    const sha1 = sha1Hex(text);
    const codes: string[] = [];
    if (nostoreSha !== undefined && nostoreSha === sha1) codes.push('ExistingContent');
    if (this.texts.has(key)) codes.push('RevisionAlreadyPresent');
    if (this.options.graph && !this.options.ghosts && parents.some((p) => !this.has(p))) codes.push('RevisionNotPresent');
    return codes.length > 0 ? { ok: false, codes } : { ok: true, sha1, size: text.length };
  }

  add(key: Key, parents: readonly Key[], lines: readonly Uint8Array[]): void {
    const text = concatBytes([...lines]);
    this.texts.set(key, { parents: this.options.graph ? [...parents] : null, text, sha1: sha1Hex(text) });
  }

  parentMap(keys: Iterable<Key>): KeyMap<Parents> {
    return this.#pick(keys, (entry) => entry.parents);
  }

  sha1s(keys: Iterable<Key>): KeyMap<string> {
    return this.#pick(keys, (entry) => entry.sha1);
  }

  /** One field of each key present in the chain, as the store's bulk queries answer. */
  #pick<V>(keys: Iterable<Key>, field: (entry: ModelText) => V): KeyMap<V> {
    const out = new KeyMap<V>();
    for (const key of keys) {
      const entry = this.lookup(key);
      if (entry) out.set(key, field(entry));
    }
    return out;
  }

  /** The store's own keys (not its fallbacks'). */
  keys(): KeySet {
    return new KeySet(this.texts.keys());
  }

  /** `key` and every ancestor present in the chain. */
  ancestry(key: Key): KeySet {
    const out = new KeySet();
    const pending = [key];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const entry = out.has(next) ? undefined : this.lookup(next);
      if (!entry) continue;
      out.add(next);
      pending.push(...(entry.parents ?? []));
    }
    return out;
  }

  /** Whether the ancestry of `key` names a parent the chain does not hold. */
  reachesGhost(key: Key): boolean {
    for (const k of this.ancestry(key)) {
      if ((this.lookup(k)?.parents ?? []).some((p) => !this.has(p))) return true;
    }
    return false;
  }

  /**
   * What inserting another store's records does: keys not yet held here are
   * added (parents dropped by a graphless store); keys already held stay.
   */
  copyFrom(other: ReferenceModel, keys: Iterable<Key>): void {
    for (const key of keys) {
      const entry = other.lookup(key);
      if (!entry || this.texts.has(key)) continue;
      this.texts.set(key, { ...entry, parents: this.options.graph ? entry.parents : null });
    }
  }
}
