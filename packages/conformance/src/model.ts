// The reference model: what a `VersionedFiles` holds, in the plainest form
// there is (a map from key to parents, text and sha1), and what each call
// should do to it. It knows nothing of deltas, streams or formats, so it is
// trivially right; the model-based check holds real stores against it.
//
// Entry points: `ReferenceModel` (`expectAdd`, `add`, `parentMap`, `sha1s`,
// `has`, `text`, `ancestry`, `reachesGhost`, `copyFrom`).

import { KeyMap, KeySet, bytesEqual, concatBytes, sha1Hex } from '@versionedfiles/core';
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
  readonly texts = new KeyMap<ModelText>();

  constructor(readonly options: ModelOptions) {}

  has(key: Key): boolean {
    return this.texts.has(key);
  }

  text(key: Key): Uint8Array | undefined {
    return this.texts.get(key)?.text;
  }

  /** The outcome Breezy's rules give for adding `lines` under `key`. */
  expectAdd(key: Key, parents: readonly Key[], lines: readonly Uint8Array[], nostoreSha?: string): AddOutcome {
    const text = concatBytes([...lines]);
    const sha1 = sha1Hex(text);
    const codes: string[] = [];
    if (nostoreSha !== undefined && nostoreSha === sha1) codes.push('ExistingContent');
    if (this.texts.has(key)) codes.push('RevisionAlreadyPresent');
    if (this.options.graph && !this.options.ghosts && parents.some((p) => !this.texts.has(p))) codes.push('RevisionNotPresent');
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

  /** One field of each present key, as the store's bulk queries answer. */
  #pick<V>(keys: Iterable<Key>, field: (entry: ModelText) => V): KeyMap<V> {
    const out = new KeyMap<V>();
    for (const key of keys) {
      const entry = this.texts.get(key);
      if (entry) out.set(key, field(entry));
    }
    return out;
  }

  keys(): KeySet {
    return new KeySet(this.texts.keys());
  }

  /** `key` and every present ancestor. */
  ancestry(key: Key): KeySet {
    const out = new KeySet();
    const pending = [key];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (out.has(next) || !this.texts.has(next)) continue;
      out.add(next);
      pending.push(...(this.texts.get(next)?.parents ?? []));
    }
    return out;
  }

  /** Whether the ancestry of `key` names a parent the model does not hold. */
  reachesGhost(key: Key): boolean {
    for (const k of this.ancestry(key)) {
      if ((this.texts.get(k)?.parents ?? []).some((p) => !this.texts.has(p))) return true;
    }
    return false;
  }

  /**
   * What inserting another store's records does: keys not yet held are added
   * (parents dropped by a graphless store); keys already held stay as they are.
   */
  copyFrom(other: ReferenceModel, keys: Iterable<Key>): void {
    for (const key of keys) {
      const entry = other.texts.get(key);
      if (!entry || this.texts.has(key)) continue;
      this.texts.set(key, { ...entry, parents: this.options.graph ? entry.parents : null });
    }
  }

  sameTextAs(key: Key, text: Uint8Array): boolean {
    const entry = this.texts.get(key);
    return entry !== undefined && bytesEqual(entry.text, text);
  }
}
