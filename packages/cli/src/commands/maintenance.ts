// Subcommands about a whole store: stats, check, convert, sync (local paths).

import { KeyMap, KeySet, type Key, type StorageKind } from '@versionedfiles/core';
import { GroupCompressVersionedFiles } from '@versionedfiles/groupcompress';
import { RemoteVersionedFiles, syncVersionedFiles, type SyncSource, type SyncTarget } from '@versionedfiles/sync';
import { withStore, type Command } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { DATA_DIR, FORMATS, initStore, isStoreFormat, openStore, readStoreInfo } from '../store.js';
import { ReloadingVersionedFiles } from '../reloading.js';

const DELTA_KINDS: ReadonlySet<StorageKind> = new Set<StorageKind>(['knit-delta-gz', 'knit-annotated-delta-gz']);

export interface StoreStats {
  readonly format: string;
  readonly keyLength: number;
  readonly texts: number;
  readonly fulltextBytes: number;
  readonly storedBytes: number;
  readonly files: number;
  readonly kinds: Readonly<Record<string, number>>;
  readonly longestDeltaChain: number;
  /** Groupcompress stores: how many blocks (groups) hold the texts. */
  readonly blocks: number | null;
}

/** Texts, their total size, what the store's files take, and how records are stored. */
export async function storeStats(dir: string, progress?: Context['progress']): Promise<StoreStats> {
  const store = await openStore(dir);
  try {
    const vf = store.vf;
    const keys = [...(await vf.keys())];
    const bar = progress?.('stats');
    let fulltextBytes = 0;
    let done = 0;
    for await (const record of vf.getRecordStream(keys, 'unordered', true)) {
      fulltextBytes += record.size ?? record.getBytesAs('fulltext').length;
      bar?.update({ phase: 'reading texts', done: ++done, total: keys.length });
    }
    bar?.done();
    const kinds: Record<string, number> = {};
    const deltas = new KeySet();
    for await (const record of vf.getRecordStream(keys, 'unordered', false)) {
      kinds[record.storageKind] = (kinds[record.storageKind] ?? 0) + 1;
      if (DELTA_KINDS.has(record.storageKind)) deltas.add(record.key);
    }
    const parents = await vf.getParentMap(keys);
    const longestDeltaChain = longestChain(deltas, parents);
    let blocks: number | null = null;
    const inner = vf instanceof ReloadingVersionedFiles ? vf.current : vf;
    if (inner instanceof GroupCompressVersionedFiles) {
      const memos = new Set<string>();
      for (const [, e] of await inner.index.getEntries(keys)) memos.add(`${e.block.pack}\0${e.block.offset}`);
      blocks = memos.size;
    }
    let storedBytes = 0;
    let files = 0;
    const data = store.transport.clone(DATA_DIR);
    for (const file of await data.listRecursive()) {
      // Packs an autopack combined away (deleted by the next one) hold no live text.
      if (file.startsWith('obsolete_packs/') || file.startsWith('upload/')) continue;
      storedBytes += await data.size(file);
      files++;
    }
    return { format: store.format, keyLength: store.keyLength, texts: keys.length, fulltextBytes, storedBytes, files, kinds, longestDeltaChain, blocks };
  } finally {
    await store.close();
  }
}

/** Knit deltas are against the left parent: a chain follows first parents while records are deltas. */
function longestChain(deltas: KeySet, parents: KeyMap<readonly Key[] | null>): number {
  const memo = new KeyMap<number>();
  const chain = (key: Key): number => {
    let length = 0;
    const path: Key[] = [];
    let k: Key | undefined = key;
    while (k !== undefined && deltas.has(k)) {
      const known = memo.get(k);
      if (known !== undefined) {
        length += known;
        break;
      }
      path.push(k);
      length++;
      k = parents.get(k)?.[0];
    }
    path.forEach((p, i) => memo.set(p, length - i));
    return length;
  };
  let longest = 0;
  for (const key of deltas) longest = Math.max(longest, chain(key));
  return longest;
}

export const stats: Command = {
  name: 'stats',
  usage: 'stats',
  summary: 'texts, bytes stored against fulltexts, storage kinds, delta chains',
  async run(ctx) {
    const s = await storeStats(ctx.storeDir, ctx.progress);
    if (ctx.json) {
      ctx.emit(s);
      return;
    }
    const ratio = s.storedBytes > 0 ? (s.fulltextBytes / s.storedBytes).toFixed(2) : '-';
    ctx.say(`format:          ${s.format} (keys of ${s.keyLength})`);
    ctx.say(`texts:           ${s.texts}`);
    ctx.say(`fulltext bytes:  ${s.fulltextBytes}`);
    ctx.say(`stored bytes:    ${s.storedBytes} in ${s.files} file(s)  (${ratio}:1)`);
    ctx.say(`records:         ${Object.entries(s.kinds).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`);
    ctx.say(`longest delta chain: ${s.longestDeltaChain}`);
    if (s.blocks !== null) ctx.say(`groupcompress blocks: ${s.blocks}`);
  },
};

export const check: Command = {
  name: 'check',
  usage: 'check',
  summary: 'verify every text (sha1s, parents, records)',
  async run(ctx) {
    await withStore(ctx, { write: false }, async (store) => {
      const keys = await store.vf.keys();
      const bar = ctx.progress('check');
      try {
        await store.vf.check({ progress: bar.update });
      } finally {
        bar.done();
      }
      if (ctx.json) ctx.emit({ ok: true, texts: keys.size });
      ctx.say(`ok: ${keys.size} texts checked`);
    });
  },
};

/** Copies the texts `to` lacks from `from`, parents first, by record stream; returns how many. */
export async function copyMissing(from: SyncSource, to: SyncTarget, progress?: Context['progress']): Promise<number> {
  const bar = progress?.('copy');
  try {
    const result = await syncVersionedFiles(from, to, bar ? { progress: bar.update } : {});
    return result.copied;
  } finally {
    bar?.done();
  }
}

export const convert: Command = {
  name: 'convert',
  usage: 'convert SRC DST --format groupcompress|knit|knit-pack|weave',
  summary: 'copy a store into a new store of another format',
  options: { format: { type: 'string' } },
  async run(ctx) {
    const src = ctx.arg(0, 'SRC');
    const dst = ctx.arg(1, 'DST');
    const format = ctx.string('format');
    if (format === undefined) throw new UsageError('--format is required');
    if (!isStoreFormat(format)) throw new UsageError(`unknown format "${format}"; choose one of ${FORMATS.join(', ')}`);
    const info = await readStoreInfo(src);
    const target = await initStore(dst, { format, keyLength: info.keyLength });
    try {
      await withStore(ctx, { write: false, dir: src }, async (source) => {
        const n = await copyMissing(source.vf, target.vf, ctx.progress);
        if (ctx.json) ctx.emit({ from: src, to: dst, format, texts: n });
        ctx.say(`converted ${n} texts from ${info.format} (${src}) to ${format} (${dst})`);
      });
    } finally {
      await target.close();
    }
  },
};

const isUrl = (end: string): boolean => /^https?:\/\//.test(end);

/** One end of a sync: a served store (URL) or a store directory, opened for reading or writing. */
async function openEnd<T>(ctx: Context, end: string, write: boolean, fn: (vf: SyncSource & SyncTarget, keyLength: number) => Promise<T>): Promise<T> {
  if (isUrl(end)) {
    const remote = await RemoteVersionedFiles.connect(end);
    return fn(remote, remote.keyLength);
  }
  return withStore(ctx, { write, dir: end }, (store) => fn(store.vf, store.keyLength));
}

export const sync: Command = {
  name: 'sync',
  usage: 'sync SRC DST   (store directories, or http URLs of `vf serve`)',
  summary: 'copy the texts DST lacks from SRC',
  async run(ctx) {
    const src = ctx.arg(0, 'SRC');
    const dst = ctx.arg(1, 'DST');
    await openEnd(ctx, src, false, (source, sourceKeyLength) =>
      openEnd(ctx, dst, true, async (target, targetKeyLength) => {
        if (sourceKeyLength !== targetKeyLength) throw new UsageError(`${src} has keys of ${sourceKeyLength} elements, ${dst} of ${targetKeyLength}`);
        const n = await copyMissing(source, target, ctx.progress);
        if (ctx.json) ctx.emit({ from: src, to: dst, texts: n });
        ctx.say(`copied ${n} texts from ${src} to ${dst}`);
      }),
    );
  },
};
