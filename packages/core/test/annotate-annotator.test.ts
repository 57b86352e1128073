import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Aborted, Annotator, DelegatingVersionedFiles, MemoryVersionedFiles, PatienceSequenceMatcher, RevisionNotPresent, splitLines, utf8 } from '@versionedfiles/core';
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

describe('Annotator and records that defer their lines', () => {
  /** Every record knows its blocks against its first parent and defers its lines; counts whose lines are made. */
  function deferring(vf: VersionedFiles, texts: Map<string, Uint8Array[]>, parents: Map<string, Key[]>): { vf: VersionedFiles; made: string[] } {
    const made: string[] = [];
    class Deferring extends DelegatingVersionedFiles {
      override async *getRecordStream(keys: Iterable<Key>, ordering: Ordering, includeDeltaClosure: boolean): AsyncGenerator<ContentFactory> {
        for await (const record of this.backing.getRecordStream(keys, ordering, includeDeltaClosure)) {
          const id = record.key.join();
          const lines = texts.get(id) as Uint8Array[];
          const first = parents.get(id)?.[0];
          yield Object.assign(Object.create(record) as ContentFactory, {
            takeMatchingBlocks: (p: Key) =>
              first !== undefined && p.join() === first.join() ? [...new PatienceSequenceMatcher(texts.get(first.join()) as Uint8Array[], lines).getMatchingBlocks()] : null,
            deferredLines: () => ({
              count: lines.length,
              lines: () => {
                // Made once, as DeferredLines asks.
                if (!made.includes(id)) made.push(id);
                return lines;
              },
            }),
          });
        }
      }
    }
    return { vf: new Deferring(vf), made };
  }

  async function history(): Promise<{ store: VersionedFiles; texts: Map<string, Uint8Array[]>; parents: Map<string, Key[]> }> {
    const store = new MemoryVersionedFiles({ keyLength: 1 });
    const texts = new Map<string, Uint8Array[]>();
    const parents = new Map<string, Key[]>();
    const add = async (name: string, ps: string[], text: string): Promise<void> => {
      const lines = splitLines(utf8(text));
      texts.set(name, lines);
      parents.set(name, ps.map((p) => [p]));
      await store.addLines([name], ps.map((p) => [p]), lines);
    };
    await add('base', [], 'a\nb\nc\n');
    await add('one', ['base'], 'a\nb\nc\nd\n');
    await add('two', ['one'], 'a\nB\nc\nd\n');
    await add('side', ['base'], 'a\nb\nc\nside\n');
    await add('merge', ['two', 'side'], 'a\nB\nc\nd\nside\n');
    return { store, texts, parents };
  }

  it('annotates from line counts, making only the lines of the asked text', async () => {
    const { store, texts, parents } = await history();
    const { vf, made } = deferring(store, texts, parents);
    const got = await new Annotator(vf).annotate(['two']);
    expect(got).toEqual(await new Annotator(store).annotate(['two']));
    expect(made).toEqual(['two']);
  });

  it('makes the lines a diff reads: a merge against its other parent', async () => {
    const { store, texts, parents } = await history();
    const { vf, made } = deferring(store, texts, parents);
    const got = await new Annotator(vf).annotate(['merge']);
    expect(got).toEqual(await new Annotator(store).annotate(['merge']));
    expect(made).toEqual(['side', 'merge']);
  });
});

describe('Annotator over texts it interns from their bytes', () => {
  // Records without known blocks (a MemoryVersionedFiles') are interned from
  // their bytes against their first parent's; a caller's own matcher takes
  // lines instead. Both must give the same annotations.
  const lineArb = fc.constantFrom('a\n', 'b\n', 'c\n', 'd\n', '}\n', 'same\n', 'x');
  const textArb = fc.array(lineArb, { maxLength: 12 }).map((ls) => ls.join(''));
  const linesMatcher = (a: readonly Uint8Array[], b: readonly Uint8Array[]): readonly MatchingBlock[] => new PatienceSequenceMatcher(a, b).getMatchingBlocks();

  it('annotates as a line matcher does, merges included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(textArb, fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 8 }), async (steps) => {
        const vf = new MemoryVersionedFiles({ keyLength: 1 });
        const keys: Key[] = [];
        for (const [text, p1, p2, merge] of steps) {
          const parents = keys.length === 0 ? [] : merge && keys.length > 1 ? [keys[p1 % keys.length] as Key, keys[p2 % keys.length] as Key] : [keys[p1 % keys.length] as Key];
          const key: Key = [`r${keys.length}`];
          await vf.addLines(key, [...new Map(parents.map((p) => [p[0], p])).values()], splitLines(utf8(text)));
          keys.push(key);
        }
        const interning = new Annotator(vf);
        const matching = new Annotator(vf, { matcher: linesMatcher });
        for (const key of [...keys].reverse()) {
          const ours = await interning.annotate(key);
          const theirs = await matching.annotate(key);
          expect(ours.annotations).toEqual(theirs.annotations);
          expect(ours.lines.map((l) => [...l])).toEqual(theirs.lines.map((l) => [...l]));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('matches a text against a parent interned before its interner started afresh', async () => {
    // Past 2^20 distinct lines the interner starts afresh: the child is then
    // matched against its parent on their lines, with the same answer.
    const vf = new MemoryVersionedFiles({ keyLength: 1 });
    const parentText = utf8(Array.from({ length: (1 << 20) + 8 }, (_, i) => `${i}\n`).join(''));
    await vf.addLines(['big'], [], splitLines(parentText));
    await vf.addLines(['child'], [['big']], splitLines(utf8(['new\n', ...Array.from({ length: 16 }, (_, i) => `${i}\n`), 'edit\n'].join(''))));
    const { annotations, lines } = await new Annotator(vf).annotate(['child']);
    expect(lines.length).toBe(2 + 16);
    expect(annotations.map((a) => (a as Key[]).map((k) => k[0]).join('+'))).toEqual(['child', ...Array(16).fill('big'), 'child']);
  }, 60_000);
});
