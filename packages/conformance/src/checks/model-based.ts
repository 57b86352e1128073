// The model-based check: random sequences of calls on two stores of the
// scenario (adds good and bad, reads in every ordering, queries, copies from
// one store to the other, stacking the second under the first, annotation),
// each held against `ReferenceModel`.
// fast-check shrinks a failure to the shortest sequence that shows it.

import fc from 'fast-check';
import { FulltextContentFactory, KeySet, concatBytes, keyToId, sha1Hex, splitLines, utf8 } from '@versionedfiles/core';
import type { AddOptions, AddResult, Key, Ordering, VersionedFiles } from '@versionedfiles/core';
import { expectEqual, expectTrue, fail, isCode } from '../assert.js';
import { arbLines } from '../arbitraries.js';
import { defineCheck } from '../check.js';
import type { CheckTable } from '../check.js';
import { CheckContext } from '../context.js';
import { ReferenceModel } from '../model.js';
import { annotateOrGhost } from '../inspect.js';

interface Real {
  readonly primary: VersionedFiles;
  readonly secondary: VersionedFiles;
}

interface Model {
  readonly primary: ReferenceModel;
  readonly secondary: ReferenceModel;
}

type Command = fc.AsyncCommand<Model, Real>;

/** Six keys; with two-element keys, three per prefix. Parents come from lower slots of the same prefix, so no cycles. */
const POOL = 6;

function poolKey(ctx: CheckContext, slot: number): Key {
  return ctx.keyLength === 1 ? [`k${slot}`] : [slot % 2 ? 'file-b' : 'file-a', `k${slot}`];
}

function poolParents(ctx: CheckContext, slot: number, picks: readonly number[]): Key[] {
  const candidates = Array.from({ length: slot }, (_, s) => s).filter((s) => ctx.keyLength === 1 || s % 2 === slot % 2);
  const out: Key[] = [];
  for (const pick of picks) {
    const parent = candidates[pick % Math.max(candidates.length, 1)];
    if (parent === undefined) continue;
    const key = poolKey(ctx, parent);
    if (!out.some((k) => keyToId(k) === keyToId(key))) out.push(key);
  }
  return out;
}

async function expectSameAsModel(store: VersionedFiles, model: ReferenceModel, what: string): Promise<void> {
  const keys = [...model.keys()];
  expectEqual(await store.keys(), model.keys(), `${what}: keys`);
  expectEqual(await store.getParentMap(keys), model.parentMap(keys), `${what}: parents`);
  expectEqual(await store.getSha1s(keys), model.sha1s(keys), `${what}: sha1s`);
  for await (const record of store.getRecordStream(keys, 'unordered', true)) {
    expectEqual(record.getBytesAs('fulltext'), model.text(record.key), `${what}: text of ${keyToId(record.key)}`);
  }
}

async function expectError(run: () => Promise<unknown>, codes: readonly string[], what: string): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (codes.some((code) => isCode(err, code))) return;
    fail(`${what}: expected ${codes.join(' or ')}, got ${String(err)}`);
  }
  fail(`${what}: expected ${codes.join(' or ')}, but it succeeded`);
}

type AddVia = 'addLines' | 'addChunks' | 'addContent';

/** The same text through each way in: lines, chunks split anywhere, or a content factory. */
function addVia(
  vf: VersionedFiles,
  via: AddVia,
  key: Key,
  parents: readonly Key[],
  lines: readonly Uint8Array[],
  options: AddOptions,
): Promise<AddResult> {
  if (via === 'addLines') return vf.addLines(key, parents, lines, options);
  const text = concatBytes([...lines]);
  const half = text.length >> 1;
  if (via === 'addChunks') return vf.addChunks(key, parents, [text.subarray(0, half), text.subarray(half)], options);
  return vf.addContent(new FulltextContentFactory(key, parents, sha1Hex(text), text), options);
}

class AddText implements Command {
  constructor(
    readonly ctx: CheckContext,
    readonly slot: number,
    readonly picks: readonly number[],
    readonly lines: readonly Uint8Array[],
    readonly nostore: boolean,
    readonly via: AddVia,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const key = poolKey(this.ctx, this.slot);
    const parents = this.ctx.caps.graph ? poolParents(this.ctx, this.slot, this.picks) : [];
    const nostoreSha = this.nostore ? sha1Hex(utf8('')) : undefined;
    const expected = model.primary.expectAdd(key, parents, this.lines, nostoreSha);
    const options = nostoreSha === undefined ? {} : { nostoreSha };
    const add = (): Promise<AddResult> => addVia(real.primary, this.via, key, parents, this.lines, options);
    if (!expected.ok) {
      await expectError(add, expected.codes, this.toString());
      expectEqual(await real.primary.keys(), model.primary.keys(), `${this.toString()}: keys unchanged`);
      return;
    }
    const result = await add();
    expectEqual({ key: result.key, sha1: result.sha1, size: result.size }, { key, sha1: expected.sha1, size: expected.size }, this.toString());
    model.primary.add(key, parents, this.lines);
  }
  toString(): string {
    return `${this.via}(k${this.slot}, picks ${JSON.stringify(this.picks)}, ${this.lines.length} lines${this.nostore ? ', nostoreSha of the empty text' : ''})`;
  }
}

/**
 * A text named by its content (`[...prefix, null]`, no parents): the store
 * fills in `sha1:<hex>`; adding the same text again is the same text, not an
 * error (Breezy's indices drop identical adds).
 */
class AddContentAddressed implements Command {
  constructor(readonly ctx: CheckContext, readonly slot: number, readonly lines: readonly Uint8Array[]) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const prefix = poolKey(this.ctx, this.slot).slice(0, -1);
    const sha1 = sha1Hex(concatBytes([...this.lines]));
    const key: Key = [...prefix, `sha1:${sha1}`];
    const result = await real.primary.addLines([...prefix, null], [], this.lines);
    expectEqual({ key: result.key, sha1: result.sha1 }, { key, sha1 }, this.toString());
    if (!model.primary.texts.has(key)) model.primary.add(key, [], this.lines);
    expectEqual(await real.primary.keys(), model.primary.keys(), `${this.toString()}: keys`);
  }
  toString(): string {
    return `addLines([prefix of k${this.slot}, null], ${this.lines.length} lines)`;
  }
}

type BadInput = 'newline' | 'notBytes' | 'reserved' | 'longKey';

class AddBad implements Command {
  constructor(readonly ctx: CheckContext, readonly kind: BadInput) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const fresh = poolKey(this.ctx, 0).slice(0, -1);
    const attempts: Record<BadInput, [() => Promise<unknown>, string]> = {
      newline: [() => real.primary.addLines([...fresh, 'bad'], [], [utf8('a\nb\n')]), 'BadParameterContainsNewline'],
      notBytes: [() => real.primary.addLines([...fresh, 'bad'], [], ['text\n' as unknown as Uint8Array]), 'BadParameterNotBytes'],
      reserved: [() => real.primary.addLines([...fresh, 'bad:'], [], [utf8('a\n')]), 'ReservedId'],
      longKey: [() => real.primary.addLines([...fresh, 'bad', 'extra'], [], [utf8('a\n')]), 'InvalidKey'],
    };
    const [attempt, code] = attempts[this.kind];
    await expectError(attempt, [code], this.toString());
    expectEqual(await real.primary.keys(), model.primary.keys(), `${this.toString()}: keys unchanged`);
  }
  toString(): string {
    return `addLines(bad input: ${this.kind})`;
  }
}

class Read implements Command {
  constructor(readonly ctx: CheckContext, readonly slots: readonly number[], readonly ordering: Ordering, readonly closure: boolean) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const keys = new KeySet(this.slots.map((s) => poolKey(this.ctx, s % POOL)));
    const seen = new KeySet();
    const position = new Map<string, number>();
    for await (const record of real.primary.getRecordStream(keys, this.ordering, this.closure)) {
      const where = `${this.toString()}: ${keyToId(record.key)}`;
      expectTrue(keys.has(record.key) && !seen.has(record.key), `${where}: streamed once and only when asked`);
      seen.add(record.key);
      position.set(keyToId(record.key), position.size);
      const text = model.primary.text(record.key);
      if (text === undefined) {
        expectEqual(record.storageKind, 'absent', `${where}: a missing key is absent`);
        continue;
      }
      expectEqual(record.parents, model.primary.parentMap([record.key]).get(record.key), `${where}: parents`);
      if (record.sha1 !== null) expectEqual(record.sha1, sha1Hex(text), `${where}: sha1`);
      if (this.closure || !this.ctx.caps.deltaClosure) expectEqual(record.getBytesAs('fulltext'), text, `${where}: text`);
    }
    expectEqual(seen, keys, `${this.toString()}: every key asked`);
    if (this.ordering === 'topological' && this.ctx.caps.graph) {
      for (const key of keys) {
        for (const parent of model.primary.parentMap([key]).get(key) ?? []) {
          const p = position.get(keyToId(parent));
          if (p !== undefined && model.primary.has(parent)) {
            expectTrue(p < (position.get(keyToId(key)) ?? -1), `${this.toString()}: ${keyToId(parent)} after its child ${keyToId(key)}`);
          }
        }
      }
    }
  }
  toString(): string {
    return `getRecordStream([${this.slots.map((s) => `k${s % POOL}`).join(', ')}], ${this.ordering}, ${this.closure})`;
  }
}

class Query implements Command {
  constructor(readonly ctx: CheckContext, readonly slots: readonly number[]) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const keys = this.slots.map((s) => poolKey(this.ctx, s % POOL));
    expectEqual(await real.primary.getParentMap(keys), model.primary.parentMap(keys), `${this.toString()}: getParentMap`);
    expectEqual(await real.primary.getSha1s(keys), model.primary.sha1s(keys), `${this.toString()}: getSha1s`);
    expectEqual(await real.primary.keys(), model.primary.keys(), `${this.toString()}: keys`);
  }
  toString(): string {
    return `query([${this.slots.map((s) => `k${s % POOL}`).join(', ')}])`;
  }
}

class Copy implements Command {
  /** `ghosts`: the store takes children before parents; else streams go parents first. */
  constructor(readonly ordering: Ordering, readonly closure: boolean, readonly ghosts: boolean) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const keys = await real.primary.keys();
    const ordering = this.closure && this.ghosts ? this.ordering : 'topological';
    await real.secondary.insertRecordStream(real.primary.getRecordStream(keys, ordering, this.closure));
    model.secondary.copyFrom(model.primary, keys);
    await expectSameAsModel(real.secondary, model.secondary, this.toString());
  }
  toString(): string {
    return `copy to the second store (${this.closure && this.ghosts ? this.ordering : 'topological'}, closure ${this.closure})`;
  }
}

class Annotate implements Command {
  constructor(readonly ctx: CheckContext, readonly slot: number) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const key = poolKey(this.ctx, this.slot);
    const text = model.primary.text(key);
    if (text === undefined) {
      await expectError(() => real.primary.annotate(key), ['RevisionNotPresent'], this.toString());
      return;
    }
    const annotated = await annotateOrGhost(real.primary, key);
    if (annotated === null) {
      expectTrue(model.primary.reachesGhost(key), `${this.toString()}: RevisionNotPresent with no ghost in the ancestry`);
      return;
    }
    const ancestry = this.ctx.caps.graph ? model.primary.ancestry(key) : new KeySet([key]);
    expectEqual(annotated.map(([, line]) => line), splitLines(text), `${this.toString()}: lines`);
    for (const [origin] of annotated) expectTrue(ancestry.has(origin), `${this.toString()}: origin ${keyToId(origin)} outside the ancestry`);
  }
  toString(): string {
    return `annotate(k${this.slot})`;
  }
}

/** Stacks the second store under the first, once: reads of the first then see both. */
class AttachFallback implements Command {
  check(model: Readonly<Model>): boolean {
    return model.primary.fallbacks.length === 0;
  }
  async run(model: Model, real: Real): Promise<void> {
    real.primary.addFallbackVersionedFiles(real.secondary);
    model.primary.addFallback(model.secondary);
    expectTrue(real.primary.fallbacks[0] === real.secondary, `${this.toString()}: the fallback is listed`);
    expectEqual(await real.primary.keys(), model.primary.keys(), `${this.toString()}: keys() stays the store's own`);
  }
  toString(): string {
    return 'addFallbackVersionedFiles(second store)';
  }
}

class ClearCache implements Command {
  check(): boolean {
    return true;
  }
  async run(_model: Model, real: Real): Promise<void> {
    real.primary.clearCache();
    real.secondary.clearCache();
  }
  toString(): string {
    return 'clearCache()';
  }
}

function arbCommands(ctx: CheckContext): fc.Arbitrary<Iterable<Command>> {
  const slot = fc.nat(POOL - 1);
  // Half the time every key of the pool, so reads see whole ancestries.
  const slots = fc.oneof(
    fc.constant(Array.from({ length: POOL }, (_, s) => s)),
    fc.array(fc.nat(POOL * 2), { minLength: 2, maxLength: 6 }),
  );
  const ordering = fc.constantFrom<Ordering>('unordered', 'topological', 'groupcompress');
  const add = fc
    .record({
      slot,
      picks: fc.array(fc.nat(POOL - 1), { minLength: 1, maxLength: 3 }),
      lines: arbLines(5),
      nostore: fc.boolean(),
      via: fc.constantFrom<AddVia>('addLines', 'addChunks', 'addContent'),
    })
    .map((a): Command => new AddText(ctx, a.slot, a.picks, a.lines, a.nostore, a.via));
  const read = fc.record({ slots, ordering, closure: fc.boolean() }).map((a): Command => new Read(ctx, a.slots, a.ordering, a.closure));
  // Adds and reads are listed twice: fast-check picks among the entries evenly.
  return fc.commands(
    [
      add,
      add,
      read,
      read,
      fc.constantFrom<BadInput>('newline', 'notBytes', 'reserved', 'longKey').map((kind): Command => new AddBad(ctx, kind)),
      slots.map((s): Command => new Query(ctx, s)),
      fc.record({ ordering, closure: fc.boolean() }).map((a): Command => new Copy(a.ordering, a.closure, ctx.caps.ghosts)),
      slot.map((s): Command => new Annotate(ctx, s)),
      fc.record({ slot, lines: arbLines(3) }).map((a): Command => new AddContentAddressed(ctx, a.slot, a.lines)),
      fc.constant<Command>(new ClearCache()),
      ...(ctx.caps.fallbacks ? [fc.constant<Command>(new AttachFallback())] : []),
    ],
    { maxCommands: 30, size: '+1' },
  );
}

export const modelChecks: CheckTable = {
  'model-based: random calls agree with the reference model': defineCheck(async (ctx) => {
    const options = { graph: ctx.caps.graph, ghosts: ctx.caps.ghosts };
    await fc.assert(
      fc.asyncProperty(arbCommands(ctx), (commands) =>
        CheckContext.with(ctx.scenario, async (run) => {
          const real: Real = { primary: await run.store('primary'), secondary: await run.store('secondary') };
          const model: Model = { primary: new ReferenceModel(options), secondary: new ReferenceModel(options) };
          await fc.asyncModelRun(() => ({ model, real }), commands);
          await expectSameAsModel(real.primary, model.primary, 'after the run');
          await real.primary.check();
        }),
      ),
      { numRuns: ctx.numRuns },
    );
  }),
};
