// `vf demo`: the library at work on a real history, in about a minute.
//
//   1. history   every version of the most-changed files of the git repository
//                vf runs in (else the sample bundled with the package)
//   2. store     those texts in a fresh store; its size against the fulltexts
//   3. annotate  the most-changed file's last version, each line with its origin
//   4. sync      the store served over HTTP on loopback and pulled into a second store
//   5. stacking  a store stacked on the first: it holds one new text, and
//                reads every older one through its fallback
//
// Entry points: `demo` (the command), `runDemo(options)` (returns the figures).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { concatBytes, fromUtf8, splitLines, utf8, type Key } from '@versionedfiles/core';
import { RemoteVersionedFiles, serveVersionedFiles, syncVersionedFiles } from '@versionedfiles/sync';
import { readChunks, type Command } from '../command.js';
import { showKey } from '../context.js';
import { storeStats, type StoreStats } from '../commands/maintenance.js';
import { DEFAULT_FORMAT, FORMATS, initStore, isStoreFormat, networkFormatName, openStore, type StoreFormat } from '../store.js';
import { UsageError } from '../errors.js';
import { gitHistory, sampleHistory, type History } from './history.js';

export interface DemoOptions {
  /** Where to look for a git history (default: the current directory). */
  readonly from?: string;
  /** Skip git and use the bundled sample. */
  readonly sample?: boolean;
  /** Keep the stores in this directory (default: a temporary one, removed afterwards). */
  readonly keep?: string;
  readonly format?: StoreFormat;
  readonly say: (line: string) => void;
}

export interface DemoResult {
  readonly source: string;
  readonly files: number;
  readonly stats: StoreStats;
  readonly annotated: { readonly key: Key; readonly lines: number; readonly origins: number };
  readonly synced: { readonly how: string; readonly copied: number };
  readonly stacked: { readonly ownTexts: number; readonly storedBytes: number; readonly readThroughFallback: boolean };
}

function humanBytes(n: number): string {
  return n < 10 * 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const say = options.say;
  const format = options.format ?? DEFAULT_FORMAT;
  const history: History = (!options.sample && (await gitHistory(options.from ?? process.cwd()))) || (await sampleHistory());
  const files = new Set(history.texts.map((t) => t.key[0]));
  say(`1. history: ${history.texts.length} versions of ${files.size} files, from the ${history.source}`);

  const root = options.keep ?? (await mkdtemp(nodePath.join(tmpdir(), 'vf-demo-')));
  try {
    // 2. one store holding every version
    const mainDir = nodePath.join(root, 'main');
    const main = await initStore(mainDir, { format, keyLength: 2 });
    try {
      for (const t of history.texts) await main.vf.addLines(t.key, t.parents, splitLines(t.text));
    } finally {
      await main.close();
    }
    const stats = await storeStats(mainDir);
    say(`2. store (${format}, ${mainDir}):`);
    say(`   ${stats.texts} texts, ${humanBytes(stats.fulltextBytes)} as fulltexts, ${humanBytes(stats.storedBytes)} stored: ${(stats.fulltextBytes / Math.max(1, stats.storedBytes)).toFixed(1)}:1`);
    say(`   records: ${Object.entries(stats.kinds).map(([k, n]) => `${n} ${k}`).join(', ')}; longest delta chain ${stats.longestDeltaChain}`);

    // 3. annotate the tip of the most-changed file
    const counts = new Map<string, number>();
    for (const t of history.texts) counts.set(t.key[0] as string, (counts.get(t.key[0] as string) ?? 0) + 1);
    const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
    const tip = [...history.texts].reverse().find((t) => t.key[0] === busiest)?.key as Key;
    const reader = await openStore(mainDir);
    let annotated: DemoResult['annotated'];
    try {
      const lines = await reader.vf.annotate(tip);
      const origins = new Set(lines.map(([k]) => showKey(k)));
      say(`3. annotate ${showKey(tip)}: ${lines.length} lines from ${origins.size} versions; the first 8:`);
      for (const [origin, line] of lines.slice(0, 8)) say(`   ${String(origin[1]).padEnd(12)} | ${fromUtf8(line).replace(/\n$/, '').slice(0, 70)}`);
      annotated = { key: tip, lines: lines.length, origins: origins.size };
    } finally {
      await reader.close();
    }

    // 4. sync into a second store, through HTTP on loopback
    const mirrorDir = nodePath.join(root, 'mirror');
    const mirror = await initStore(mirrorDir, { format: 'knit-pack', keyLength: 2 });
    const source = await openStore(mainDir);
    const server = await serveVersionedFiles(source.vf, { readOnly: true, formatName: networkFormatName(source.format) });
    let synced: DemoResult['synced'];
    try {
      const remote = await RemoteVersionedFiles.connect(server.url);
      const result = await syncVersionedFiles(remote, mirror.vf);
      synced = { how: `HTTP (${server.url})`, copied: result.copied };
      say(`4. sync: the main store served at ${server.url}; ${result.copied} texts pulled over HTTP as a Breezy byte stream`);
      say(`   into a knit-pack store (${mirrorDir})`);
    } finally {
      await server.close();
      await source.close();
      await mirror.close();
    }

    // 5. a stacked store: new work on top of the main store, without copying it
    const stackDir = nodePath.join(root, 'stacked');
    const stacked = await initStore(stackDir, { format, keyLength: 2 });
    const base = await openStore(mainDir);
    let stackResult: DemoResult['stacked'];
    try {
      stacked.vf.addFallbackVersionedFiles(base.vf);
      const parentText = await readChunks(stacked.vf, tip);
      const newKey: Key = [busiest, 'demo-edit'];
      await stacked.vf.addLines(newKey, [tip], splitLines(concatBytes([...parentText, utf8('// one more line, added in the stacked store\n')])));
      const own = await stacked.vf.withoutFallbacks().keys();
      const annotation = await stacked.vf.annotate(newKey);
      const fromBase = annotation.filter(([k]) => k[1] !== 'demo-edit').length;
      stackResult = { ownTexts: own.size, storedBytes: 0, readThroughFallback: fromBase > 0 };
      say(`5. stacked store (${stackDir}) on the main store: holds ${own.size} text of its own;`);
      say(`   annotating ${showKey(newKey)} through the fallback: ${fromBase} of ${annotation.length} lines come from the main store`);
    } finally {
      await base.close();
      await stacked.close();
    }
    const stackStats = await storeStats(stackDir);
    stackResult = { ...stackResult, storedBytes: stackStats.storedBytes };
    say(`   it takes ${humanBytes(stackStats.storedBytes)} on disk, against ${humanBytes(stats.storedBytes)} for the main store`);
    if (options.keep) say(`The stores are kept in ${root}; try: vf log --store ${mainDir}`);
    return { source: history.source, files: files.size, stats, annotated, synced, stacked: stackResult };
  } finally {
    if (!options.keep) await rm(root, { recursive: true, force: true });
  }
}

export const demo: Command = {
  name: 'demo',
  usage: 'demo [--sample] [--from DIR] [--keep DIR] [--format F]',
  summary: 'build a store from a real history and show what the library does',
  options: { sample: { type: 'boolean' }, from: { type: 'string' }, keep: { type: 'string' }, format: { type: 'string' } },
  async run(ctx) {
    const from = ctx.string('from');
    const keep = ctx.string('keep');
    const format = ctx.string('format');
    if (format !== undefined && !isStoreFormat(format)) throw new UsageError(`unknown format "${format}"; choose one of ${FORMATS.join(', ')}`);
    const result = await runDemo({
      sample: ctx.flag('sample'),
      ...(from !== undefined ? { from } : {}),
      ...(keep !== undefined ? { keep } : {}),
      ...(format !== undefined ? { format } : {}),
      say: (line) => ctx.say(line),
    });
    if (ctx.json) ctx.emit(result);
  },
};
