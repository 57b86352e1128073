// Subcommands over texts and their graph: init, add, cat, log, graph, annotate, diff.

import { concatBytes, fromUtf8, splitLines, unifiedDiff, type Key } from '@versionedfiles/core';
import { readChunks, readLines, sortedGraph, withStore, type Command } from '../command.js';
import { parseKey, readInput, showKey } from '../context.js';
import { UsageError } from '../errors.js';
import { DEFAULT_FORMAT, FORMATS, initStore, isStoreFormat } from '../store.js';

export const init: Command = {
  name: 'init',
  usage: 'init [DIR] [--format groupcompress|knit|knit-pack|weave] [--key-length 1|2] [--fast]',
  summary: 'create an empty store (default format: groupcompress)',
  options: { format: { type: 'string' }, 'key-length': { type: 'string' }, fast: { type: 'boolean' } },
  async run(ctx) {
    const dir = ctx.positionals[0] ?? ctx.storeDir;
    const format = ctx.string('format') ?? DEFAULT_FORMAT;
    if (!isStoreFormat(format)) throw new UsageError(`unknown format "${format}"; choose one of ${FORMATS.join(', ')}`);
    const keyLength = Number(ctx.string('key-length') ?? '1');
    if (keyLength !== 1 && keyLength !== 2) throw new UsageError('--key-length must be 1 or 2');
    const store = await initStore(dir, { format, keyLength, ...(ctx.flag('fast') ? { compression: 'fast' as const } : {}) });
    await store.close();
    if (ctx.json) ctx.emit({ dir, format, keyLength });
    ctx.say(`created a ${format} store in ${dir} (keys of ${keyLength} element${keyLength === 1 ? '' : 's'})`);
  },
};

export const add: Command = {
  name: 'add',
  usage: 'add KEY [--parent KEY]... [--file FILE]   (text from FILE or stdin)',
  summary: 'store one text',
  options: { parent: { type: 'string', short: 'p', multiple: true }, file: { type: 'string', short: 'f' } },
  async run(ctx) {
    const keyText = ctx.arg(0, 'KEY');
    const text = await readInput(ctx.string('file'), ctx.streams.stdin);
    await withStore(ctx, { write: true }, async (store) => {
      const key = parseKey(keyText, store.keyLength);
      const parents = ctx.strings('parent').map((p) => parseKey(p, store.keyLength));
      const result = await store.vf.addLines(key, parents, splitLines(text));
      if (ctx.json) ctx.emit({ key: result.key, sha1: result.sha1, size: result.size });
      ctx.say(`added ${showKey(result.key)} ${result.sha1} (${result.size} bytes)`);
    });
  },
};

export const cat: Command = {
  name: 'cat',
  usage: 'cat KEY',
  summary: 'print a text',
  async run(ctx) {
    const keyText = ctx.arg(0, 'KEY');
    await withStore(ctx, { write: false }, async (store) => {
      const chunks = await readChunks(store.vf, parseKey(keyText, store.keyLength));
      if (ctx.json) {
        ctx.emit({ key: keyText, text: fromUtf8(concatBytes(chunks)) });
        return;
      }
      for (const chunk of chunks) await ctx.write(chunk);
    });
  },
};

export const log: Command = {
  name: 'log',
  usage: 'log',
  summary: 'list every text, parents first, with its parents and sha1',
  async run(ctx) {
    await withStore(ctx, { write: false }, async (store) => {
      const { order, parents } = await sortedGraph(store.vf);
      const sha1s = await store.vf.getSha1s(order);
      const rows = order.map((key) => ({ key, parents: parents.get(key) ?? null, sha1: sha1s.get(key) ?? null }));
      if (ctx.json) {
        ctx.emit(rows);
        return;
      }
      for (const row of rows) {
        const ps = row.parents === null ? '(no graph)' : row.parents.length === 0 ? '(root)' : row.parents.map(showKey).join(' ');
        ctx.say(`${showKey(row.key)}  ${row.sha1 ?? ''}  parents: ${ps}`);
      }
    });
  },
};

export const graph: Command = {
  name: 'graph',
  usage: 'graph [--dot]',
  summary: 'the parent DAG, one edge list per text (or Graphviz with --dot)',
  options: { dot: { type: 'boolean' } },
  async run(ctx) {
    await withStore(ctx, { write: false }, async (store) => {
      const { order, parents } = await sortedGraph(store.vf);
      if (ctx.json) {
        ctx.emit({ nodes: order, edges: order.flatMap((k) => (parents.get(k) ?? []).map((p) => [k, p])) });
        return;
      }
      if (ctx.flag('dot')) {
        const q = (k: Key): string => JSON.stringify(showKey(k));
        ctx.say('digraph vf {');
        for (const key of order) {
          ctx.say(`  ${q(key)};`);
          for (const p of parents.get(key) ?? []) ctx.say(`  ${q(key)} -> ${q(p)};`);
        }
        ctx.say('}');
        return;
      }
      for (const key of order) {
        const ps = parents.get(key) ?? [];
        ctx.say(`${showKey(key)}${ps.length ? ` <- ${ps.map(showKey).join(', ')}` : ''}`);
      }
    });
  },
};

export const annotate: Command = {
  name: 'annotate',
  usage: 'annotate KEY',
  summary: 'each line of a text with the key that introduced it',
  async run(ctx) {
    const keyText = ctx.arg(0, 'KEY');
    await withStore(ctx, { write: false }, async (store) => {
      const lines = await store.vf.annotate(parseKey(keyText, store.keyLength));
      if (ctx.json) {
        ctx.emit(lines.map(([origin, line]) => ({ origin, line: fromUtf8(line) })));
        return;
      }
      const width = Math.min(40, Math.max(0, ...lines.map(([origin]) => showKey(origin).length)));
      for (const [origin, line] of lines) {
        await ctx.write(`${showKey(origin).padEnd(width)} | `);
        await ctx.write(line);
        if (line[line.length - 1] !== 0x0a) await ctx.write('\n');
      }
    });
  },
};

export const diff: Command = {
  name: 'diff',
  usage: 'diff KEY1 KEY2 [--context N]',
  summary: 'unified diff between two texts (patience diff)',
  options: { context: { type: 'string', short: 'U' } },
  async run(ctx) {
    const a = ctx.arg(0, 'KEY1');
    const b = ctx.arg(1, 'KEY2');
    const n = Number(ctx.string('context') ?? '3');
    if (!Number.isInteger(n) || n < 0) throw new UsageError('--context must be a whole number');
    return withStore(ctx, { write: false }, async (store) => {
      const left = await readLines(store.vf, parseKey(a, store.keyLength));
      const right = await readLines(store.vf, parseKey(b, store.keyLength));
      const out = unifiedDiff(left, right, { fromFile: a, toFile: b, n });
      if (ctx.json) {
        ctx.emit({ from: a, to: b, identical: out.length === 0, diff: out.map(fromUtf8).join('') });
        return out.length === 0 ? 0 : 1;
      }
      for (const line of out) {
        await ctx.write(line);
        if (line[line.length - 1] !== 0x0a) await ctx.write('\n\\ No newline at end of file\n');
      }
      // As diff(1): 1 when the texts differ.
      return out.length === 0 ? 0 : 1;
    });
  },
};
