// `MemoryVersionedFiles`: a complete VersionedFiles held in memory.
//
// The reference backend: every text is kept whole, with its parents and sha1,
// so it is trivially correct and the conformance suite's model runs on it;
// it is also a real store for tests and for users who want one. All behaviour
// (validation, fallbacks, orderings, annotation, mpdiffs, insertion of any
// record kind) comes from `VersionedFilesBase`; this file only stores and reads.
//
// Options: `keyLength`, `graph` (false: Breezy's nograph stores, parents read
// back as null), `ghosts` (false: every parent must be present), `name`.
//
// Entry points: `MemoryVersionedFiles`, `MemoryVersionedFilesOptions`.

import { AbsentContentFactory, FulltextContentFactory, type ContentFactory, type Parents } from '../content/factory.js';
import { RevisionAlreadyPresent, throwIfAborted } from '../errors.js';
import { KeyMap, KeySet, type Key } from '../keys.js';
import type { AddOptions, VersionedFiles } from '../versionedfiles.js';
import {
  VersionedFilesBase,
  type LocalStreamRequest,
  type ValidatedText,
  type VersionedFilesBaseOptions,
} from '../vf/base.js';

export interface MemoryVersionedFilesOptions extends VersionedFilesBaseOptions {}

interface StoredText {
  readonly parents: Parents;
  /** A private copy: callers' buffers may change after `addLines` returns. */
  readonly text: Uint8Array;
  readonly sha1: string;
}

export class MemoryVersionedFiles extends VersionedFilesBase {
  /** Shared with the views `withoutFallbacks` makes, so they see the same texts. */
  #texts = new KeyMap<StoredText>();
  readonly #options: MemoryVersionedFilesOptions;

  constructor(options: MemoryVersionedFilesOptions) {
    super({ name: 'MemoryVersionedFiles', ...options });
    this.#options = options;
  }

  /** Number of texts held (not counting fallbacks). */
  get size(): number {
    return this.#texts.size;
  }

  protected async storeText(text: ValidatedText, _options: AddOptions): Promise<void> {
    // The base skips its presence check for `randomId`; a map can afford it,
    // and a model must never overwrite a text.
    if (this.#texts.has(text.key)) throw new RevisionAlreadyPresent(text.key, this.storeName);
    this.#texts.set(text.key, { parents: text.parents, text: text.text.slice(), sha1: text.sha1 });
  }

  protected async localParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>> {
    const out = new KeyMap<Parents>();
    for (const key of keys) {
      const stored = this.#texts.get(key);
      if (stored) out.set(key, stored.parents);
    }
    return out;
  }

  protected async localSha1s(keys: readonly Key[]): Promise<KeyMap<string>> {
    const out = new KeyMap<string>();
    for (const key of keys) {
      const stored = this.#texts.get(key);
      if (stored) out.set(key, stored.sha1);
    }
    return out;
  }

  protected async *localRecordStream(keys: readonly Key[], request: LocalStreamRequest): AsyncGenerator<ContentFactory> {
    for (const key of keys) {
      throwIfAborted(request.signal);
      const stored = this.#texts.get(key);
      yield stored
        ? new FulltextContentFactory(key, stored.parents, stored.sha1, stored.text)
        : new AbsentContentFactory(key);
    }
  }

  async keys(): Promise<KeySet> {
    return new KeySet(this.#texts.keys());
  }

  withoutFallbacks(): VersionedFiles {
    const view = new MemoryVersionedFiles(this.#options);
    view.#texts = this.#texts;
    return view;
  }
}
