// The shape of a subcommand, and the helpers they share for opening stores and
// reading texts.
//
// Entry points: `Command`, `withStore(ctx, {write}, fn)`, `readText(vf, key)`,
// `streamText(vf, key, sink)`, `sortedGraph(vf)`.

import type { ParseArgsConfig } from 'node:util';
import { concatBytes, RevisionNotPresent, splitLines, topoSort, type Key, type KeyMap, type Parents, type VersionedFiles } from '@versionedfiles/core';
import type { Context } from './context.js';
import { openStore, type StoreHandle } from './store.js';

export interface Command {
  readonly name: string;
  /** Positional arguments and options, for `vf help`. */
  readonly usage: string;
  readonly summary: string;
  readonly options?: NonNullable<ParseArgsConfig['options']>;
  /** Exit code, or nothing for success. */
  run(ctx: Context): Promise<number | void>;
}

/** Opens the context's store, runs `fn`, and closes the store whatever happens. */
export async function withStore<T>(ctx: Context, options: { readonly write: boolean; readonly dir?: string }, fn: (store: StoreHandle) => Promise<T>): Promise<T> {
  const store = await openStore(options.dir ?? ctx.storeDir, { write: options.write });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The text of `key` as chunks (here or in a fallback), or `RevisionNotPresent`. */
export async function readChunks(vf: VersionedFiles, key: Key): Promise<readonly Uint8Array[]> {
  for await (const record of vf.getRecordStream([key], 'unordered', true)) {
    if (record.storageKind === 'absent') break;
    return record.getBytesAs('chunked');
  }
  throw new RevisionNotPresent(key);
}

export async function readLines(vf: VersionedFiles, key: Key): Promise<Uint8Array[]> {
  return splitLines(concatBytes(await readChunks(vf, key)));
}

/** Every key of the store (and its fallbacks' keys it reaches) with parents, parents first. */
export async function sortedGraph(vf: VersionedFiles): Promise<{ readonly order: Key[]; readonly parents: KeyMap<Parents> }> {
  const parents = await vf.getParentMap(await vf.keys());
  const pairs: [Key, readonly Key[]][] = [];
  for (const [key, p] of parents) pairs.push([key, (p ?? []).filter((k) => parents.has(k))]);
  return { order: topoSort(pairs), parents };
}
