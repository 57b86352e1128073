// `vf snapshot ACTION`: the snapshot example (snapshot/repo.ts) as a command.

import { withStore, type Command } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { SnapshotRepo } from '../snapshot/repo.js';
import { NotAStore, initStore, readStoreInfo } from '../store.js';

const USAGE = 'snapshot create DIR -m MESSAGE | log | show ID | diff ID1 ID2 [--text] | restore ID DEST';

/**
 * A snapshot store is made on first use: keys of two elements, knit files
 * (each snapshot appends to them; a pack store would rewrite its pack), fast
 * zlib (big files).
 */
async function ensureStore(ctx: Context): Promise<void> {
  try {
    await readStoreInfo(ctx.storeDir);
  } catch (err) {
    if (!(err instanceof NotAStore)) throw err;
    await (await initStore(ctx.storeDir, { format: 'knit', keyLength: 2, compression: 'fast' })).close();
  }
}

function humanSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export const snapshot: Command = {
  name: 'snapshot',
  usage: USAGE,
  summary: 'snapshot a directory tree; list, compare and restore snapshots',
  options: { message: { type: 'string', short: 'm' }, text: { type: 'boolean' } },
  async run(ctx) {
    const action = ctx.arg(0, `an action: ${USAGE}`);
    switch (action) {
      case 'create': {
        const dir = ctx.arg(1, 'DIR');
        const message = ctx.string('message');
        if (message === undefined) throw new UsageError('give the snapshot a message with -m MESSAGE');
        await ensureStore(ctx);
        return withStore(ctx, { write: true }, async (store) => {
          const repo = new SnapshotRepo(store.vf);
          const bar = ctx.progress('snapshot');
          const result = await repo.create(dir, message, { exclude: [store.dir], progress: bar.update }).finally(() => bar.done());
          if (ctx.json) ctx.emit(result);
          ctx.say(`snapshot ${result.id}: ${result.files} files, ${humanSize(result.bytes)} (${result.newChunks} new chunks, ${result.reusedChunks} already stored)`);
        });
      }
      case 'log':
        return withStore(ctx, { write: false }, async (store) => {
          const list = (await new SnapshotRepo(store.vf).list()).reverse();
          if (ctx.json) ctx.emit(list);
          for (const s of list) ctx.say(`${s.id}  ${s.time}  ${s.files} files, ${humanSize(s.bytes)}  ${s.message}`);
        });
      case 'show':
        return withStore(ctx, { write: false }, async (store) => {
          const manifest = await new SnapshotRepo(store.vf).manifest(ctx.arg(1, 'ID'));
          if (ctx.json) ctx.emit(manifest);
          ctx.say(`${manifest.time}  ${manifest.message}`);
          for (const e of manifest.entries) {
            ctx.say(e.type === 'file' ? `${e.mode.toString(8)} ${String(e.size).padStart(10)} ${e.sha1}  ${e.path}` : e.type === 'dir' ? `${e.mode.toString(8)} ${'dir'.padStart(10)}  ${e.path}/` : `link ${e.path} -> ${e.target}`);
          }
        });
      case 'diff':
        return withStore(ctx, { write: false }, async (store) => {
          const d = await new SnapshotRepo(store.vf).diff(ctx.arg(1, 'ID1'), ctx.arg(2, 'ID2'), { text: ctx.flag('text') });
          if (ctx.json) ctx.emit(d);
          const mark = { added: 'A', removed: 'D', modified: 'M', mode: 'P', type: 'T' } as const;
          for (const c of d.changes) ctx.say(`${mark[c.change]} ${c.path}`);
          if (d.patch && !ctx.json) await ctx.write(d.patch);
          return d.changes.length === 0 ? 0 : 1;
        });
      case 'restore': {
        const id = ctx.arg(1, 'ID');
        const dest = ctx.arg(2, 'DEST');
        return withStore(ctx, { write: false }, async (store) => {
          const bar = ctx.progress('restore');
          const s = await new SnapshotRepo(store.vf).restore(id, dest, { progress: bar.update }).finally(() => bar.done());
          if (ctx.json) ctx.emit(s);
          ctx.say(`restored snapshot ${s.id} (${s.files} files, ${humanSize(s.bytes)}) into ${dest}`);
        });
      }
      default:
        throw new UsageError(`unknown snapshot action "${action}"; usage: vf ${USAGE}`);
    }
  },
};
