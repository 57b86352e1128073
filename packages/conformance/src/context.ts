// The context a check runs in: its scenario, fresh stores on demand, and the
// key and parent conventions of Breezy's per_versionedfile tests.
//
// Every store a check opens is closed by `dispose()` whatever the outcome, so
// checks need no try/finally of their own.
//
// Entry points: `CheckContext` (`with`, `store`, `open`, `key`, `prefixes`,
// `parentsToAdd`, `parentsStored`, `numRuns`, `dispose`).

import type { Key, Parents, VersionedFiles } from '@versionedfiles/core';
import { propertyRuns } from './scenario.js';
import type { Capabilities, OpenedStore, Scenario } from './scenario.js';

export class CheckContext {
  readonly #cleanups: (() => Promise<void> | void)[] = [];
  #opened = 0;

  constructor(readonly scenario: Scenario) {}

  /** Runs `body` in a fresh context of `scenario`, closing its stores afterwards. */
  static async with<T>(scenario: Scenario, body: (ctx: CheckContext) => Promise<T>): Promise<T> {
    const ctx = new CheckContext(scenario);
    try {
      return await body(ctx);
    } finally {
      await ctx.dispose();
    }
  }

  get caps(): Capabilities {
    return this.scenario.capabilities;
  }

  get keyLength(): 1 | 2 {
    return this.scenario.keyLength;
  }

  get numRuns(): number {
    return propertyRuns(this.scenario);
  }

  /** A fresh, empty store of the scenario. */
  async store(label = 'files'): Promise<VersionedFiles> {
    return (await this.open(label)).vf;
  }

  /** A fresh store with its `reopen`, when the scenario has one. */
  async open(label = 'files'): Promise<OpenedStore> {
    this.#opened += 1;
    const opened = await this.scenario.create(`${label}-${this.#opened}`);
    if (opened.cleanup) this.#cleanups.push(opened.cleanup);
    return opened;
  }

  /** Registers extra cleanup (e.g. for stores of another scenario). */
  onDispose(cleanup: () => Promise<void> | void): void {
    this.#cleanups.push(cleanup);
  }

  /** Breezy's `get_simple_key`: `[suffix]` or `[prefix, suffix]`. */
  key(suffix: string, prefix = 'FileA'): Key {
    return this.keyLength === 1 ? [suffix] : [prefix, suffix];
  }

  /** The key prefixes the diamond fixtures use: one empty prefix, or two files. */
  get prefixes(): readonly Key[] {
    return this.keyLength === 1 ? [[]] : [['FileA'], ['FileB']];
  }

  /** Parents to pass to `addLines`: none at all in a graphless store. */
  parentsToAdd(parents: readonly Key[]): readonly Key[] {
    return this.caps.graph ? parents : [];
  }

  /** Parents the store reports for a text added with `parents`. */
  parentsStored(parents: readonly Key[]): Parents {
    return this.caps.graph ? parents : null;
  }

  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    for (const cleanup of this.#cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'store cleanup failed');
  }
}
