// Stacked stores across backends pass the conformance suite with the history
// split between layers: each scenario is a top store of one backend stacked on
// a bottom store of another, behind a decorator that sends every other added
// text to the bottom layer. Every read goes through the top store's fallback
// cascade — parents, sha1s, streams (deltas whose basis is below), annotation,
// known graphs — so the suite checks stacking on texts that really live in two
// stores of two formats.
import { describe, expect, it } from 'vitest';
import {
  DelegatingVersionedFiles,
  KeySet,
  MemoryVersionedFiles,
  collect,
  isPendingKey,
  keyToId,
  utf8,
  type AddOptions,
  type AddResult,
  type CheckOptions,
  type ContentFactory,
  type Key,
  type PendingKey,
  type VersionedFiles,
} from '@versionedfiles/core';
import { describeVersionedFiles, defineScenario } from '@versionedfiles/conformance';
import { backends, type Backend } from './backends.js';

/** The history of one store split over two: `top` (whose first fallback is `bottom`) and `bottom`. */
class SplitHistory extends DelegatingVersionedFiles {
  readonly #external: VersionedFiles[] = [];

  constructor(
    readonly top: VersionedFiles,
    readonly bottom: VersionedFiles,
  ) {
    super(top);
    if (top.fallbacks[0] !== bottom) top.addFallbackVersionedFiles(bottom);
  }

  /** Every other key (by a hash of its id) lives in the bottom layer; keys still pending go on top. */
  #layerFor(key: PendingKey): VersionedFiles {
    if (isPendingKey(key) || !Array.isArray(key)) return this.top;
    let h = 0;
    for (const c of keyToId(key as Key)) h = (h * 31 + c.charCodeAt(0)) | 0;
    return (h & 1) === 0 ? this.bottom : this.top;
  }

  override get fallbacks(): readonly VersionedFiles[] {
    return this.#external;
  }

  override addLines(key: PendingKey, parents: readonly Key[] | null, lines: readonly Uint8Array[], options?: AddOptions): Promise<AddResult> {
    return this.#layerFor(key).addLines(key, parents, lines, options);
  }

  override addChunks(
    key: PendingKey,
    parents: readonly Key[] | null,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: AddOptions,
  ): Promise<AddResult> {
    return this.#layerFor(key).addChunks(key, parents, chunks, options);
  }

  override addContent(factory: ContentFactory, options?: AddOptions): Promise<AddResult> {
    return this.#layerFor(factory.key).addContent(factory, options);
  }

  override async keys(): Promise<KeySet> {
    const out = new KeySet(await this.top.keys());
    for (const key of await this.bottom.keys()) out.add(key);
    return out;
  }

  override async getMissingCompressionParentKeys(): Promise<KeySet> {
    const out = new KeySet(await this.top.getMissingCompressionParentKeys());
    for (const key of await this.bottom.getMissingCompressionParentKeys()) out.add(key);
    return out;
  }

  /** One check through the top store (it reads the bottom layer's texts through its fallback). */
  override async check(options: CheckOptions = {}): Promise<void> {
    await this.top.check({ ...options, keys: options.keys ?? (await this.keys()) });
  }

  override clearCache(): void {
    this.top.clearCache();
    this.bottom.clearCache();
  }

  override addFallbackVersionedFiles(fallback: VersionedFiles): void {
    this.top.addFallbackVersionedFiles(fallback);
    this.#external.push(fallback);
  }

  override withoutFallbacks(): VersionedFiles {
    const top = this.top.withoutFallbacks();
    const bottom = this.bottom.withoutFallbacks();
    return new SplitHistory(top, bottom);
  }
}

const byName = (name: string): Backend => {
  const found = backends.find((b) => b.name === name);
  if (!found || !found.stacks) throw new Error(`no stackable backend ${name}`);
  return found;
};
// Every format stacked on a different one (knit on groupcompress and the
// reverse, as Breezy stacks them), and knit on itself. Annotated knits store
// annotations from parents in their own layer only, so a split history
// annotates differently (see the knit package's overrides): left out here.
const pairs: [Backend, Backend][] = (
  [
    ['knit', 'memory'],
    ['memory', 'knit'],
    ['knit', 'knit'],
    ['knit-pack', 'knit'],
    ['knit', 'knit-pack'],
    ['knit', 'groupcompress'],
    ['groupcompress', 'knit'],
    ['groupcompress', 'memory'],
  ] as const
).map(([top, bottom]) => [byName(top), byName(bottom)]);

for (const [top, bottom] of pairs) {
  // Key length 2 everywhere; key length 1 too where a knit meets a memory store.
  const lengths = [top.name, bottom.name].sort().join() === 'knit,memory' ? ([1, 2] as const) : ([2] as const);
  for (const keyLength of lengths) {
    describeVersionedFiles(
      defineScenario({
        name: `stacked ${top.name} on ${bottom.name} (key length ${keyLength})`,
        keyLength,
        capabilities: { deltaClosure: top.name !== 'memory' || bottom.name !== 'memory' },
        numRuns: 5,
        create: async () => ({ vf: new SplitHistory(await top.open(keyLength), await bottom.open(keyLength)) }),
      }),
    );
  }
}

describe('stacking across backends', () => {
  const lines = (...ls: string[]) => ls.map(utf8);
  const big = Array.from({ length: 40 }, (_, i) => `a line long enough to make a delta worth it ${i}\n`);

  for (const [top, bottom] of pairs) {
    it(`${top.name} on ${bottom.name}: a delta whose basis sits in the fallback; the top holds only its new texts`, async () => {
      const base = await bottom.open(1);
      await base.addLines(['base'], [], lines(...big));
      // A knit delta of `child` against `base`, made in a store that has both.
      const maker = await backends[1]!.open(1);
      await maker.addLines(['base'], [], lines(...big));
      await maker.addLines(['child'], [['base']], lines(...big, 'one more\n'));
      const [delta] = await collect(maker.getRecordStream([['child']], 'unordered', false));
      expect(delta?.storageKind).toBe('knit-delta-gz');
      const stacked = await top.open(1);
      stacked.addFallbackVersionedFiles(base);
      await stacked.insertRecordStream([delta as ContentFactory]);
      expect([...(await stacked.keys())]).toEqual([['child']]);
      expect(await stacked.getSha1s([['child']])).toEqual(await maker.getSha1s([['child']]));
      const [back] = await collect(stacked.getRecordStream([['child']], 'unordered', true));
      expect(back?.getBytesAs('fulltext')).toEqual(utf8([...big, 'one more\n'].join('')));
      // The top store alone can still give the text: no delta reaches into the fallback.
      const [alone] = await collect(stacked.withoutFallbacks().getRecordStream([['child']], 'unordered', true));
      expect(alone?.getBytesAs('fulltext')).toEqual(utf8([...big, 'one more\n'].join('')));
      expect((await stacked.withoutFallbacks().getParentMap([['base']])).size).toBe(0);
    });
  }

  it('cycles across backends are refused, decorators included', async () => {
    const a = await backends[1]!.open(1);
    const b = new MemoryVersionedFiles({ keyLength: 1 });
    a.addFallbackVersionedFiles(b);
    expect(() => b.addFallbackVersionedFiles(a)).toThrow(expect.objectContaining({ code: 'FallbackCycle' }));
    const split = new SplitHistory(await backends[3]!.open(1), new MemoryVersionedFiles({ keyLength: 1 }));
    expect(() => split.bottom.addFallbackVersionedFiles(split)).toThrow(expect.objectContaining({ code: 'FallbackCycle' }));
  });
});
