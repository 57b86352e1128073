// `WeaveVersionedFiles`: the keyed many-file store over weave files, as
// Breezy's `make_versioned_files_factory(WeaveFile, mapper)`: a key's prefix
// picks the file through the mapper (`ConstantMapper('inventory')` for key
// length 1, `PrefixMapper()` for `[fileId, revisionId]`), and its last
// element is the version name inside that weave.
//
// Entry points: `WeaveVersionedFiles` (`new WeaveVersionedFiles(transport,
// mapper, options)`), `makeWeaveVersionedFilesFactory(mapper)`.
//
// Weaves cannot hold ghosts, so every parent must already be in the same weave
// (`RevisionNotPresent` otherwise). Annotation is the weave's own (the version
// whose insertion holds each line), as Breezy's weave stores annotate.
// Parsed weaves are cached per file and re-read when the file's size changed
// behind our back (every add grows a weave); `clearCache()` drops them. A
// write checks each file it touches once (one `size` call per add), not once
// per step: reads outside a write check every time. A new file is written
// first with its first text, never empty.

import {
  ConstantMapper,
  InvalidKey,
  KeyMap,
  KeySet,
  NoSuchFile,
  RevisionNotPresent,
  VersionedFilesBase,
  AbsentContentFactory,
  keysEqual,
  type AddOptions,
  type AnnotatedLine,
  type CheckOptions,
  type ContentFactory,
  type Key,
  type KeyMapper,
  type LocalStreamRequest,
  type Parents,
  type Transport,
  type ValidatedText,
  type VersionedFiles,
  type WorkOptions,
  throwIfAborted,
} from '@versionedfiles/core';
import { weaveInternals } from '../internal.js';
import type { Weave } from '../weave.js';
import { WEAVE_SUFFIX, WeaveFile, versionRecord } from './weave-file.js';

export interface WeaveVersionedFilesOptions {
  /** Elements per key: default 1 with a `ConstantMapper`, else 2. */
  readonly keyLength?: number;
  readonly name?: string;
  /**
   * Check every extracted text against its recorded sha1 (`InvalidChecksum`).
   * Default true. False is for trusted bulk reads: a corrupted text then
   * streams out unnoticed (`check()` still finds it).
   */
  readonly verifySha1?: boolean;
}

/** A parsed weave file, with the write operation that last found it current. */
interface CachedFile {
  readonly file: WeaveFile;
  checkedIn: object | null;
}

/** The parsed weave files of one store, shared by its `withoutFallbacks` views. */
class WeaveCache {
  readonly files = new Map<string, CachedFile>();
}

export class WeaveVersionedFiles extends VersionedFilesBase {
  readonly #cache: WeaveCache;
  readonly #verifySha1: boolean;
  /** The write operation under way (a fresh token per `exclusive` run), or null. */
  #operation: object | null = null;

  constructor(
    readonly transport: Transport,
    readonly mapper: KeyMapper,
    options: WeaveVersionedFilesOptions = {},
    cache: WeaveCache = new WeaveCache(),
  ) {
    super({
      keyLength: options.keyLength ?? (mapper instanceof ConstantMapper ? 1 : 2),
      ghosts: false,
      name: options.name ?? `WeaveVersionedFiles(${transport.base})`,
    });
    this.#cache = cache;
    this.#verifySha1 = options.verifySha1 ?? true;
  }

  withoutFallbacks(): VersionedFiles {
    const options = { keyLength: this.keyLength, name: this.storeName, verifySha1: this.#verifySha1 };
    return new WeaveVersionedFiles(this.transport, this.mapper, options, this.#cache);
  }

  override clearCache(): void {
    this.#cache.files.clear();
  }

  protected override exclusive<T>(work: () => Promise<T>): Promise<T> {
    return super.exclusive(async () => {
      this.#operation = {};
      try {
        return await work();
      } finally {
        this.#operation = null;
      }
    });
  }

  // -- files ---------------------------------------------------------------

  #path(key: Key): string {
    return this.mapper.map(key);
  }

  /**
   * The weave file at `path`, re-read when it changed; null when it does not
   * exist, unless `create` or inside a write (then an empty one, written by
   * its first add).
   */
  async #file(path: string, create = false): Promise<WeaveFile | null> {
    const operation = this.#operation;
    const cached = this.#cache.files.get(path);
    if (cached) {
      if (operation !== null && cached.checkedIn === operation) return cached.file;
      if (await cached.file.isCurrent()) {
        cached.checkedIn = operation;
        return cached.file;
      }
      this.#cache.files.delete(path);
    }
    let file: WeaveFile;
    try {
      file = await WeaveFile.open(this.transport, path);
    } catch (err) {
      if (!(err instanceof NoSuchFile)) throw err;
      // A write remembers the file is missing (it may well create it next);
      // a read does not, so looking up absent keys leaves nothing behind.
      if (!create && operation === null) return null;
      file = WeaveFile.unsaved(this.transport, path);
    }
    this.#cache.files.set(path, { file, checkedIn: operation });
    return file;
  }

  /** Keys grouped by the weave that holds them, with that weave (null: no such file). */
  async #byWeave(keys: readonly Key[]): Promise<Map<string, { weave: Weave | null; keys: Key[] }>> {
    const groups = new Map<string, { weave: Weave | null; keys: Key[] }>();
    for (const key of keys) {
      let path: string;
      try {
        path = this.#path(key);
      } catch (err) {
        // A key the mapper cannot place names no file: it is simply absent.
        if (err instanceof InvalidKey) continue;
        throw err;
      }
      let group = groups.get(path);
      if (!group) {
        group = { weave: null, keys: [] };
        groups.set(path, group);
      }
      group.keys.push(key);
    }
    for (const [path, group] of groups) group.weave = (await this.#file(path))?.weave ?? null;
    return groups;
  }

  #version(key: Key): string {
    return key[key.length - 1] as string;
  }

  #keyOf(prefix: Key, version: string): Key {
    return [...prefix, version];
  }

  // -- the primitives ---------------------------------------------------------

  protected async storeText(text: ValidatedText, options: AddOptions): Promise<void> {
    const prefix = text.key.slice(0, -1);
    const parents = (text.parents ?? []).map((p) => {
      // One weave holds one prefix: a parent elsewhere would be a ghost here.
      if (!keysEqual(p.slice(0, -1), prefix)) throw new RevisionNotPresent(p, this.storeName);
      return this.#version(p);
    });
    const path = this.#path(text.key);
    const file = (await this.#file(path, true)) as WeaveFile;
    const addOptions = options.nostoreSha !== undefined ? { nostoreSha: options.nostoreSha } : {};
    try {
      // A store's validated lines are always proper (ValidatedText).
      const checked = { ...text, proper: true };
      await file.update((weave) => weaveInternals.addCheckedText(weave, this.#version(text.key), parents, checked, addOptions));
    } catch (err) {
      // The file may have changed under us; read it afresh next time.
      this.#cache.files.delete(path);
      throw err;
    }
  }

  /** The keys present here, each with its weave and version name. */
  async #present(keys: readonly Key[]): Promise<[Key, Weave, string][]> {
    const out: [Key, Weave, string][] = [];
    for (const { weave, keys: group } of (await this.#byWeave(keys)).values()) {
      if (weave === null) continue;
      for (const key of group) {
        const version = this.#version(key);
        if (weave.hasVersion(version)) out.push([key, weave, version]);
      }
    }
    return out;
  }

  #parentKeys(weave: Weave, key: Key): Key[] {
    const prefix = key.slice(0, -1);
    return weave.getParents(this.#version(key)).map((p) => this.#keyOf(prefix, p));
  }

  protected async localParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>> {
    return new KeyMap((await this.#present(keys)).map(([key, weave]) => [key, this.#parentKeys(weave, key)] as const));
  }

  protected async localSha1s(keys: readonly Key[]): Promise<KeyMap<string>> {
    return new KeyMap(
      (await this.#present(keys)).map(([key, weave, version]) => [key, weave.getSha1s([version]).get(version) as string] as const),
    );
  }

  protected async *localRecordStream(keys: readonly Key[], request: LocalStreamRequest): AsyncIterable<ContentFactory> {
    const groups = await this.#byWeave(keys);
    const weaveOf = new KeyMap<Weave | null>();
    for (const { weave, keys: group } of groups.values()) for (const key of group) weaveOf.set(key, weave);
    for (const key of keys) {
      throwIfAborted(request.signal);
      const weave = weaveOf.get(key) ?? null;
      const version = this.#version(key);
      if (weave === null || !weave.hasVersion(version)) {
        yield new AbsentContentFactory(key);
        continue;
      }
      yield versionRecord(weave, version, key, this.#parentKeys(weave, key), { verifySha1: this.#verifySha1 });
    }
  }

  async keys(): Promise<KeySet> {
    const out = new KeySet();
    for (const [prefix, path] of await this.#components()) {
      const weave = (await this.#file(path))?.weave;
      if (weave) for (const version of weave.versions()) out.add(this.#keyOf(prefix, version));
    }
    return out;
  }

  /** Every weave file of the store, with the key prefix it holds. */
  async #components(): Promise<[Key, string][]> {
    if (this.mapper instanceof ConstantMapper) return [[[], this.mapper.map([])]];
    let files: string[];
    try {
      files = await this.transport.listRecursive();
    } catch (err) {
      if (err instanceof NoSuchFile) return [];
      throw err;
    }
    const out: [Key, string][] = [];
    for (const file of files) {
      if (!file.endsWith(WEAVE_SUFFIX)) continue;
      const path = file.slice(0, -WEAVE_SUFFIX.length);
      let prefix: Key;
      try {
        prefix = this.mapper.unmap(path);
      } catch (err) {
        // A file the mapper would never have named is not part of this store.
        if (err instanceof InvalidKey) continue;
        throw err;
      }
      out.push([prefix, path]);
    }
    return out;
  }

  // -- weave-specific answers ---------------------------------------------------

  /** The weave's annotation: each line with the key whose insertion holds it. */
  override async annotate(key: Key): Promise<readonly AnnotatedLine[]> {
    const weave = (await this.#file(this.#path(key)))?.weave;
    const version = this.#version(key);
    if (!weave || !weave.hasVersion(version)) return super.annotate(key);
    const prefix = key.slice(0, -1);
    return weave.annotateAs(version, (origin) => this.#keyOf(prefix, origin));
  }

  /**
   * Lines of the keys held here come from one walk of each weave (lines the
   * versions inserted, whether or not later deleted, as Breezy's weaves
   * answer); keys held elsewhere go the general way.
   */
  override async *iterLinesAddedOrPresentInKeys(
    keys: Iterable<Key>,
    options: WorkOptions = {},
  ): AsyncGenerator<readonly [Uint8Array, Key]> {
    const wanted = [...new KeySet(keys)];
    const local = new KeySet();
    for (const { weave, keys: group } of (await this.#byWeave(wanted)).values()) {
      const here = group.filter((k) => weave?.hasVersion(this.#version(k)));
      if (weave === null || here.length === 0) continue;
      for (const k of here) local.add(k);
      const prefix = (here[0] as Key).slice(0, -1);
      for (const [line, version] of weave.iterLinesAddedOrPresentInVersions(here.map((k) => this.#version(k)))) {
        throwIfAborted(options.signal);
        yield [line, this.#keyOf(prefix, version)];
      }
    }
    const elsewhere = wanted.filter((k) => !local.has(k));
    if (elsewhere.length > 0) yield* super.iterLinesAddedOrPresentInKeys(elsewhere, options);
  }

  /** Every weave's own check (structure and every version's sha1), or the named keys only. */
  override async check(options: CheckOptions = {}): Promise<void> {
    if (options.keys) return super.check(options);
    for (const [, path] of await this.#components()) {
      throwIfAborted(options.signal);
      (await this.#file(path))?.weave.check();
    }
    for (const fallback of this.fallbacks) await fallback.check(options.signal ? { signal: options.signal } : {});
  }
}

/** Breezy's `make_versioned_files_factory(WeaveFile, mapper)`. */
export function makeWeaveVersionedFilesFactory(
  mapper: KeyMapper,
  options: WeaveVersionedFilesOptions = {},
): (transport: Transport) => WeaveVersionedFiles {
  return (transport) => new WeaveVersionedFiles(transport, mapper, options);
}
