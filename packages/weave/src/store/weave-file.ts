// `WeaveFile`: one weave kept in `<name>.weave` on a transport, rewritten
// (atomically, by the transport's put) after every change, as Breezy's
// `WeaveFile`. This is the single-file, version-named API (Breezy's
// `VersionedFile`); `WeaveVersionedFiles` builds the keyed many-file store on it.
//
// Entry points: `WeaveFile.open(transport, name, { create })`, then
// `weave` for every read (`getLines`, `annotate`, `planMerge`, ...) and the
// writes here: `addLines`, `insertRecordStream`, `addMpdiffs`, `copyTo`;
// `getRecordStream` streams versions as `fulltext` records keyed `[name]`.
// `isCurrent()` tells whether the file still holds what this object read.

import {
  AbsentContentFactory,
  FulltextContentFactory,
  KeyMap,
  NoSuchFile,
  ReservedId,
  RevisionNotPresent,
  adaptRecord,
  isAbsent,
  orderKeys,
  type ContentFactory,
  type Key,
  type Ordering,
  type Parents,
  type Transport,
} from '@versionedfiles/core';
import { Weave, type ExtractOptions, type WeaveAddOptions, type WeaveAddResult, type WeaveMpdiff } from '../weave.js';

export const WEAVE_SUFFIX = '.weave';

export interface OpenWeaveOptions extends ExtractOptions {
  /** Start an empty weave (and write it) when the file does not exist. */
  readonly create?: boolean;
}

export class WeaveFile {
  #weave: Weave;
  /** Length of the file as last read or written (-1: not written yet): a cheap staleness check. */
  #size: number;

  private constructor(
    readonly transport: Transport,
    /** Path of the weave without its suffix. */
    readonly name: string,
    weave: Weave,
    size: number,
    /** Whether `getRecordStream` checks each text's sha1. */
    readonly verifySha1: boolean,
  ) {
    this.#weave = weave;
    this.#size = size;
  }

  /** Reads `<name>.weave`; a missing file is `NoSuchFile` unless `create`. */
  static async open(transport: Transport, name: string, options: OpenWeaveOptions = {}): Promise<WeaveFile> {
    const path = name + WEAVE_SUFFIX;
    try {
      const bytes = await transport.get(path);
      return new WeaveFile(transport, name, Weave.fromBytes(bytes, name), bytes.length, options.verifySha1 ?? true);
    } catch (err) {
      if (!(err instanceof NoSuchFile) || !options.create) throw err;
    }
    const file = WeaveFile.unsaved(transport, name, options);
    await file.#save(file.#weave);
    return file;
  }

  /**
   * An empty weave not yet on the transport: its first change writes the file
   * (creating its directory), so a store never leaves an empty weave behind.
   */
  static unsaved(transport: Transport, name: string, options: ExtractOptions = {}): WeaveFile {
    return new WeaveFile(transport, name, new Weave(name), -1, options.verifySha1 ?? true);
  }

  static suffixes(): string[] {
    return [WEAVE_SUFFIX];
  }

  /** The weave as last read or written; read from it freely, write through this object. */
  get weave(): Weave {
    return this.#weave;
  }

  /** True while the file on the transport is (by size) the one this object holds, or both are absent. */
  async isCurrent(): Promise<boolean> {
    try {
      return (await this.transport.size(this.name + WEAVE_SUFFIX)) === this.#size;
    } catch (err) {
      // Not on the transport: current only if this object never wrote it either.
      if (err instanceof NoSuchFile) return this.#size < 0;
      throw err;
    }
  }

  /**
   * Adds a version and rewrites the file. Reserved names (ending in ':') are
   * refused. When anything fails, neither the file nor `weave` has changed.
   */
  async addLines(
    version: string,
    parents: readonly string[],
    lines: readonly Uint8Array[],
    options: WeaveAddOptions = {},
  ): Promise<WeaveAddResult> {
    if (version.endsWith(':')) throw new ReservedId([version]);
    return this.update((w) => w.addLines(version, parents, lines, options));
  }

  /** Adds versions given as multi-parent diffs, all or none. */
  async addMpdiffs(records: readonly WeaveMpdiff[]): Promise<void> {
    await this.update((w) => w.addMpdiffs(records));
  }

  /**
   * Adds every record of a stream (any kind the adapter registry can turn into
   * lines), keyed `[version]`; an absent record is `RevisionNotPresent`.
   */
  async insertRecordStream(stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>): Promise<void> {
    for await (const record of stream) {
      if (isAbsent(record)) throw new RevisionNotPresent(record.key, this.name);
      const lines = await adaptRecord(record, 'lines');
      const parents = (record.parents ?? []).map((p) => p[p.length - 1] as string);
      await this.addLines(record.key[record.key.length - 1] as string, parents, lines);
    }
  }

  /** Versions as `fulltext` records keyed `[version]`, absent ones as `absent` records. */
  async *getRecordStream(versions: Iterable<string>, ordering: Ordering): AsyncGenerator<ContentFactory> {
    const weave = this.#weave;
    const present = new KeyMap<Parents>();
    const missing: Key[] = [];
    for (const version of versions) {
      if (weave.hasVersion(version)) present.set([version], weave.getParents(version).map((p) => [p]));
      else missing.push([version]);
    }
    const verify = { verifySha1: this.verifySha1 };
    for (const key of orderKeys(ordering, present)) yield versionRecord(weave, key[0] as string, key, undefined, verify);
    for (const key of missing) yield new AbsentContentFactory(key);
  }

  /** Writes this weave to `<name>.weave` on another transport. */
  async copyTo(name: string, transport: Transport): Promise<void> {
    await transport.put(name + WEAVE_SUFFIX, this.#weave.toBytes(), { createParentDir: true });
  }

  /**
   * Applies `change` to a copy of the weave, writes the copy, and only then
   * makes it current: when `change` or the write fails, nothing has changed.
   */
  async update<T>(change: (weave: Weave) => T): Promise<T> {
    const staged = this.#weave.copy();
    const result = change(staged);
    await this.#save(staged);
    this.#weave = staged;
    return result;
  }

  async #save(weave: Weave): Promise<void> {
    const bytes = weave.toBytes();
    const path = this.name + WEAVE_SUFFIX;
    // A file we read or wrote has its directory already; a missing one (say,
    // removed behind our back) is made on a second try.
    try {
      await this.transport.put(path, bytes, { createParentDir: this.#size < 0 });
    } catch (err) {
      if (!(err instanceof NoSuchFile) || this.#size < 0) throw err;
      await this.transport.put(path, bytes, { createParentDir: true });
    }
    this.#size = bytes.length;
  }
}

/** One version as a `fulltext` record (its text checked against its sha1 unless `verifySha1` is false). */
export function versionRecord(
  weave: Weave,
  version: string,
  key: Key = [version],
  parents?: Parents,
  options: ExtractOptions = {},
): ContentFactory {
  const sha1 = weave.getSha1s([version]).get(version) as string;
  const text = weave.getText(version, options);
  return new FulltextContentFactory(key, parents ?? weave.getParents(version).map((p) => [p]), sha1, text);
}
