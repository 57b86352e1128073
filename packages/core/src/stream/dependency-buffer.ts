// Holding records back until what they depend on has arrived.
//
// A record stream may bring a delta before its compression basis (Breezy's
// streams are only topological when asked to be). A store that cannot keep a
// delta without its basis parks the record here under the key it waits for;
// when that key is stored, `release` hands back every record now buildable,
// in arrival order and transitively (a released record may itself be the
// basis others wait for). What is left at the end of the stream is exactly
// what `getMissingCompressionParentKeys` reports, or an error for stores that
// refuse partial insertion.
//
// Entry points: `DependencyBuffer` (`hold`, `release`, `waitingFor`, `drain`).

import { KeyMap, KeySet, type Key } from '../keys.js';

export class DependencyBuffer<T> {
  /** basis key -> the held items waiting for it, in arrival order. */
  readonly #waiting = new KeyMap<{ key: Key; item: T }[]>();
  #size = 0;

  /** Parks `item` (stored under `key`) until `basis` is released. */
  hold(basis: Key, key: Key, item: T): void {
    let list = this.#waiting.get(basis);
    if (!list) {
      list = [];
      this.#waiting.set(basis, list);
    }
    list.push({ key, item });
    this.#size++;
  }

  /** True when something waits for `basis`. */
  isAwaited(basis: Key): boolean {
    return this.#waiting.has(basis);
  }

  /**
   * `key` is now stored: yields the items that waited for it, then those that
   * waited for them, breadth first. Each yielded item counts as stored once
   * the consumer moves on to the next one.
   */
  *release(key: Key): Generator<readonly [Key, T]> {
    const queue: Key[] = [key];
    while (queue.length > 0) {
      const basis = queue.shift() as Key;
      const list = this.#waiting.get(basis);
      if (!list) continue;
      this.#waiting.delete(basis);
      for (const entry of list) {
        this.#size--;
        yield [entry.key, entry.item];
        queue.push(entry.key);
      }
    }
  }

  /** Keys something is still waiting for. */
  waitingFor(): KeySet {
    return new KeySet(this.#waiting.keys());
  }

  /** Number of items held. */
  get size(): number {
    return this.#size;
  }

  /** Empties the buffer, returning what was held as `[basis, key, item]`. */
  drain(): [basis: Key, key: Key, item: T][] {
    const out: [Key, Key, T][] = [];
    for (const [basis, list] of this.#waiting) for (const e of list) out.push([basis, e.key, e.item]);
    this.#waiting.clear();
    this.#size = 0;
    return out;
  }
}
