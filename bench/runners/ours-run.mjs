// The bench operations on one of our backends: entry point `runOurs(config)`,
// which bench/runners/ours.mjs runs in a child process (and tests run in
// process). The config (written by bench/run.mjs, read alike by
// bench/runners/breezy_side.py) names the corpus, the backend, the operations,
// a work directory, the tips to annotate and the keys to look up. Every
// extracted text's sha1 is checked against the corpus; a wrong one throws.
// That check is the harness's, not the library's: its time is left out of the
// extraction's, as on Breezy's side.
import { performance } from 'node:perf_hooks';
import { peakRssKb } from '../lib/peak-rss.mjs';
import { FulltextContentFactory, splitLines } from '@versionedfiles/core';
import { readCorpus, sha1 } from '../lib/corpus.mjs';
import { diskUsage } from '../lib/du.mjs';
import { textVerifier } from '../lib/verify.mjs';
import { openBackend } from './backends.mjs';

export async function runOurs(config) {
  const corpus = readCorpus(config.corpus);
  const entries = corpus.entries;
  const keys = entries.map((e) => e.key);
  const store = await openBackend(config.backend, config.workDir);
  const vf = store.vf;

  async function insert() {
    if (store.insert === 'stream') {
      await vf.insertRecordStream(
        (function* () {
          for (const e of entries) yield new FulltextContentFactory(e.key, e.parents, e.sha1, corpus.textOf(e));
        })(),
      );
    } else {
      for (const e of entries) await vf.addLines(e.key, e.parents, splitLines(corpus.textOf(e)));
    }
    await store.finish();
    return entries.length;
  }

  // The harness's own check of each extracted text is timed apart and left
  // out of the operation's time, on both sides (the libraries' own checks stay in).
  let checkingMs = 0;
  async function extract(ordering) {
    const verifier = textVerifier(entries);
    for await (const record of vf.getRecordStream(keys, ordering, true)) {
      const bytes = record.getBytesAs('fulltext');
      const t = performance.now();
      verifier.check(record.key, bytes);
      checkingMs += performance.now() - t;
    }
    return verifier.finish();
  }

  const annotations = {};
  async function annotate() {
    let lines = 0;
    for (const key of config.annotate) {
      const result = await vf.annotate(key);
      lines += result.length;
      annotations[key.join('/')] = sha1(new TextEncoder().encode(result.map(([origin]) => origin.join('/')).join('\n')));
    }
    return lines;
  }

  async function lookupSingle() {
    let found = 0;
    for (const key of config.lookups) found += (await vf.getParentMap([key])).size;
    if (found !== config.lookups.length) throw new Error(`looked up ${config.lookups.length} present keys, found ${found}`);
    return found;
  }

  async function lookupBatch() {
    const found = (await vf.getParentMap(keys)).size;
    if (found !== keys.length) throw new Error(`looked up ${keys.length} keys, found ${found}`);
    return found;
  }

  const OPS = {
    insert,
    'extract-unordered': () => extract('unordered'),
    'extract-topological': () => extract('topological'),
    'extract-groupcompress': () => extract('groupcompress'),
    annotate,
    'lookup-single': lookupSingle,
    'lookup-batch': lookupBatch,
  };

  const ops = {};
  for (const name of config.ops) {
    const op = OPS[name];
    if (!op) throw new Error(`unknown operation ${name}`);
    checkingMs = 0;
    const t0 = performance.now();
    const items = await op();
    ops[name] = { ms: performance.now() - t0 - checkingMs, items, checkingMs };
  }
  const storedBytes = store.storedBytes === null ? null : diskUsage(config.workDir);
  return { side: 'ours', backend: config.backend, ops, storedBytes, maxRssKb: peakRssKb(), annotations };
}
