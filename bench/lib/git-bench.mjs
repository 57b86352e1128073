// What the component benches over a git history share (bench/knit,
// bench/groupcompress): entry points `gitBenchOptions(benchDir)` (their
// command line: --git, --max-bytes, --rounds), `gitBenchCorpus(work, opts)`
// (the corpus written under a work directory, with its texts, keys and
// expected sha1s) and `extractChecked(vf, keys, expected, ordering)` (every
// text streamed and checked against the corpus; a wrong one throws).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGitCorpus } from './git-source.mjs';
import { corpusStats, writeCorpus } from './corpus.mjs';

export function gitBenchOptions(benchDir) {
  const { values } = parseArgs({
    options: {
      git: { type: 'string', default: join(benchDir, '..', '..') },
      'max-bytes': { type: 'string', default: '3000000' },
      rounds: { type: 'string', default: '3' },
    },
  });
  return { git: values.git, maxBytes: Number(values['max-bytes']), rounds: Number(values.rounds) };
}

export function gitBenchCorpus(work, opts) {
  const corpus = writeCorpus(join(work, 'corpus'), 'git', opts.git, buildGitCorpus(opts.git, opts.maxBytes));
  const entries = corpus.entries.map((e) => ({ key: e.key, parents: e.parents, text: corpus.textOf(e), sha1: e.sha1 }));
  return {
    corpus,
    entries,
    keys: entries.map((e) => e.key),
    expected: new Map(entries.map((e) => [JSON.stringify(e.key), e.sha1])),
    stats: corpusStats(corpus.entries),
  };
}

const sha1 = (bytes) => createHash('sha1').update(bytes).digest('hex');

export async function extractChecked(vf, keys, expected, ordering) {
  let n = 0;
  for await (const r of vf.getRecordStream(keys, ordering, true)) {
    if (sha1(r.getBytesAs('fulltext')) !== expected.get(JSON.stringify(r.key))) throw new Error(`wrong text for ${r.key}`);
    n++;
  }
  if (n !== keys.length) throw new Error(`extracted ${n} of ${keys.length} texts`);
}
