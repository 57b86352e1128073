// The `.kndx` index over a transport: one index file per mapped key prefix,
// parsed on first use and appended to on writes (Breezy's `_KndxIndex`).
//
// Entry points: `KndxIndex`.

import { ConstantMapper, InvalidKey, KeyMap, KeySet, NoSuchFile, RevisionNotPresent, concatBytes, keyToId, sortKeys } from '@versionedfiles/core';
import type { Key, KeyMapper, Parents, Transport } from '@versionedfiles/core';
import { KNDX_HEADER, KnitCorrupt, KndxState, methodOf, parseKndx, type KndxEntry, type KndxRecord } from '../format/index.js';
import type { AddRecordsOptions, BuildDetails, IndexRecord, KnitIndex } from './types.js';

const KNDX_SUFFIX = '.kndx';

export class KndxIndex implements KnitIndex {
  readonly hasGraph = true;
  readonly #states = new Map<string, KndxState>();

  constructor(
    private readonly transport: Transport,
    private readonly mapper: KeyMapper,
  ) {}

  /** Mapped names by prefix: hashing and escaping them once per prefix, not per lookup. */
  readonly #names = new Map<string, string>();

  #path(prefix: Key, ext: string): string {
    const id = keyToId(prefix);
    let name = this.#names.get(id);
    if (name === undefined) {
      name = this.mapper.map(prefix);
      this.#names.set(id, name);
    }
    return `${name}${ext}`;
  }

  async #state(prefix: Key): Promise<KndxState> {
    const id = keyToId(prefix);
    let state = this.#states.get(id);
    if (state !== undefined) return state;
    const path = this.#path(prefix, KNDX_SUFFIX);
    try {
      state = parseKndx(await this.transport.get(path), path);
    } catch (err) {
      if (!(err instanceof NoSuchFile)) throw err;
      state = new KndxState();
      // As Breezy: a constant-mapped knit (revisions, inventory) gets its index on open.
      if (this.mapper instanceof ConstantMapper) await this.transport.put(path, KNDX_HEADER, { createParentDir: true });
    }
    this.#states.set(id, state);
    return state;
  }

  /** The index entries of the keys present, with each key's prefix. */
  async *#entries(keys: readonly Key[]): AsyncGenerator<[Key, Key, KndxEntry]> {
    for (const key of keys) {
      const prefix = key.slice(0, -1);
      const entry = (await this.#state(prefix)).get(key[key.length - 1] as string);
      if (entry !== undefined) yield [key, prefix, entry];
    }
  }

  async getBuildDetails(keys: readonly Key[]): Promise<KeyMap<BuildDetails>> {
    const out = new KeyMap<BuildDetails>();
    for await (const [key, prefix, entry] of this.#entries(keys)) {
      const file = this.#path(prefix, KNDX_SUFFIX);
      const method = methodOf(entry.options);
      if (method === null) throw new KnitCorrupt(`no compression method in options ${entry.options.join(',')}`, { key, file });
      const parents = entry.parents.map((p) => [...prefix, p]);
      const basis = parents[0];
      if (method === 'line-delta' && basis === undefined) throw new KnitCorrupt('line-delta record without parents', { key, file });
      out.set(key, {
        memo: { file: this.#path(prefix, '.knit'), pos: entry.pos, size: entry.size },
        compressionParent: method === 'line-delta' ? (basis as Key) : null,
        parents,
        method,
        noeol: entry.options.includes('no-eol'),
      });
    }
    return out;
  }

  async getParentMap(keys: readonly Key[]): Promise<KeyMap<Parents>> {
    const out = new KeyMap<Parents>();
    for await (const [key, prefix, entry] of this.#entries(keys)) out.set(key, entry.parents.map((p) => [...prefix, p]));
    return out;
  }

  async keys(): Promise<KeySet> {
    let prefixes: Key[];
    if (this.mapper instanceof ConstantMapper) {
      prefixes = [[]];
    } else {
      // Each prefix's keys are in its .kndx; other files (its .knit, or the
      // temporary file of a write a crash cut short) name no keys.
      const paths = new Set<string>();
      for (const file of await this.transport.listRecursive()) {
        if (file.endsWith(KNDX_SUFFIX)) paths.add(file.slice(0, -KNDX_SUFFIX.length));
      }
      prefixes = [...paths].map((p) => this.mapper.unmap(p));
    }
    const out = new KeySet();
    for (const prefix of prefixes) for (const id of (await this.#state(prefix)).history) out.add([...prefix, id]);
    return out;
  }

  async addRecords(records: readonly IndexRecord[], options: AddRecordsOptions = {}): Promise<void> {
    if (options.missingCompressionParents) {
      // A .kndx cannot hold a record whose basis is missing: refuse them all.
      throw new RevisionNotPresent(sortKeys(records.map((r) => r.key))[0] as Key, 'knit index');
    }
    const byPath = new Map<string, { prefix: Key; records: IndexRecord[] }>();
    for (const record of records) {
      const prefix = record.key.slice(0, -1);
      const path = this.#path(prefix, KNDX_SUFFIX);
      let group = byPath.get(path);
      if (group === undefined) {
        group = { prefix, records: [] };
        byPath.set(path, group);
      }
      group.records.push(record);
    }
    for (const path of [...byPath.keys()].sort()) {
      const { prefix, records: group } = byPath.get(path) as { prefix: Key; records: IndexRecord[] };
      const state = await this.#state(prefix);
      const next = state.clone();
      const lines: Uint8Array[] = [];
      for (const r of group) {
        const entry: KndxRecord = {
          versionId: r.key[r.key.length - 1] as string,
          options: r.options,
          pos: r.memo.pos,
          size: r.memo.size,
          parents: (r.parents ?? []).map((p) => {
            if (p.length !== r.key.length || keyToId(p.slice(0, -1)) !== keyToId(prefix)) {
              throw new InvalidKey(p, 'a knit file cannot refer to parents under another prefix');
            }
            return p[p.length - 1] as string;
          }),
        };
        lines.push(next.encodeLine(entry));
        next.add(entry);
      }
      if (state.history.length > 0) await this.transport.append(path, concatBytes(lines));
      else await this.transport.put(path, concatBytes([KNDX_HEADER, ...lines]), { createParentDir: true });
      this.#states.set(keyToId(prefix), next);
    }
  }

  missingCompressionParents(): KeySet {
    return new KeySet();
  }
}
