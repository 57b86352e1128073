import { describe, expect, it } from 'vitest';
import { Aborted, Annotator, DelegatingVersionedFiles, PatienceSequenceMatcher, RevisionNotPresent, utf8 } from '@versionedfiles/core';
import type { ContentFactory, Key, MatchingBlock, Ordering, VersionedFiles } from '@versionedfiles/core';
import { checkAnnotator, errorOf, loadAnnotateHistories, storeOf } from '../../../test-fixtures/core/annotate/support.js';
import type { AnnotateHistory } from '../../../test-fixtures/core/annotate/support.js';

const histories = loadAnnotateHistories();

describe('Annotator over a MemoryVersionedFiles, against Breezy', () => {
  it.each(histories.map((h) => [h.name, h] as const))('%s', async (_name, history) => {
    await checkAnnotator(history);
  });
});

describe('Annotator', () => {
  const diamond = histories.find((h) => h.name === 'diamond') as AnnotateHistory;

  it('throws RevisionNotPresent for a key the store lacks', async () => {
    const vf = await storeOf(diamond);
    const err = await errorOf(new Annotator(vf).annotate(['nope']));
    expect(err).toBeInstanceOf(RevisionNotPresent);
    expect((err as RevisionNotPresent).data.key).toEqual(['nope']);
  });

  it('annotates a special text against the store', async () => {
    const vf = await storeOf(diamond);
    const annotator = new Annotator(vf);
    annotator.addSpecialText(['current:'], [['merge']], utf8('zero\none\nedited\nthree\nmerged\n'));
    const flat = await annotator.annotateFlat(['current:']);
    expect(flat.map(([k]) => k)).toEqual([['right'], ['base'], ['current:'], ['base'], ['merge']]);
    // a special text whose child is another special text
    annotator.addSpecialText(['next:'], [['current:'], ['left']], utf8('zero\nedited\ntwo left\n'));
    const next = await annotator.annotate(['next:']);
    expect(next.annotations).toEqual([[['right']], [['current:']], [['left']]]);
  });

  it('annotates a store without a graph as texts without parents', async () => {
    const vf = await storeOf(diamond, false);
    const { annotations } = await new Annotator(vf).annotate(['merge']);
    expect(annotations.every((a) => a.length === 1 && a[0]?.[0] === 'merge')).toBe(true);
  });

  it('reports progress and stops when aborted', async () => {
    const vf = await storeOf(diamond);
    const events: number[] = [];
    await new Annotator(vf).annotate(['merge'], { progress: (e) => events.push(e.done) });
    expect(events).toEqual([1, 2, 3, 4]);
    const controller = new AbortController();
    controller.abort();
    expect(await errorOf(new Annotator(vf).annotate(['merge'], { signal: controller.signal }))).toBeInstanceOf(Aborted);
  });

  it('annotates texts that arrive out of order', async () => {
    const vf = await storeOf(diamond);
    // A store whose "topological" stream is newest first.
    const reversedStream: VersionedFiles['getRecordStream'] = async function* (keys, ordering, closure, options) {
      const records = [];
      for await (const r of vf.getRecordStream(keys, ordering, closure, options)) records.push(r);
      yield* records.reverse();
    };
    const reversed = new Proxy(vf, {
      get: (target, name) => {
        if (name === 'getRecordStream') return reversedStream;
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    }) as VersionedFiles;
    const { annotations } = await new Annotator(reversed).annotate(['merge']);
    const keys = annotations.map((a) => (a as Key[]).map((k) => k[0]).join('+'));
    expect(keys).toEqual(['right', 'base', 'left', 'base', 'merge']);
  });
});

describe('Annotator and records that know their matching blocks', () => {
  const diamond = histories.find((h) => h.name === 'diamond') as AnnotateHistory;

  /** Gives every record of `key` these blocks against `parent` (KnownMatchingBlocks), counting the asks. */
  function knowing(vf: VersionedFiles, key: Key, parent: Key, blocks: MatchingBlock[]): { vf: VersionedFiles; asked: Key[] } {
    const asked: Key[] = [];
    class Knowing extends DelegatingVersionedFiles {
      override async *getRecordStream(keys: Iterable<Key>, ordering: Ordering, includeDeltaClosure: boolean): AsyncGenerator<ContentFactory> {
        for await (const record of this.backing.getRecordStream(keys, ordering, includeDeltaClosure)) {
          if (record.key.join() !== key.join()) {
            yield record;
            continue;
          }
          yield Object.assign(Object.create(record) as ContentFactory, {
            takeMatchingBlocks: (p: Key) => {
              asked.push(p);
              return p.join() === parent.join() ? blocks : null;
            },
          });
        }
      }
    }
    return { vf: new Knowing(vf), asked };
  }

  it('takes the blocks a record gives for a parent instead of diffing, and diffs the others', async () => {
    const store = await storeOf(diamond);
    const parents = (await store.getParentMap([['merge']])).get(['merge']) as Key[];
    expect(parents.length).toBe(2);
    const first = parents[0] as Key;
    // "Nothing matches the first parent": every line it gave is no longer credited to it.
    const { vf, asked } = knowing(store, ['merge'], first, []);
    const { annotations } = await new Annotator(vf).annotate(['merge']);
    const { annotations: diffed } = await new Annotator(store).annotate(['merge']);
    expect(asked).toEqual(parents);
    expect(annotations).not.toEqual(diffed);
    // Given the blocks a diff finds, the answer is the diff's.
    const lines = (p: Key) => store.getRecordStream([p], 'unordered', true);
    const text = async (k: Key) => {
      for await (const r of lines(k)) return r.getBytesAs('lines');
      return [];
    };
    const blocks = new PatienceSequenceMatcher(await text(first), await text(['merge'])).getMatchingBlocks();
    const same = knowing(store, ['merge'], first, [...blocks]);
    expect((await new Annotator(same.vf).annotate(['merge'])).annotations).toEqual(diffed);
  });
});
