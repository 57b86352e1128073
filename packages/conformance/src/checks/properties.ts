// Properties over random histories (what Breezy's tests never had): texts
// round-trip with their sha1s in every ordering; topological streams put
// parents first; annotate attributes every line to a text in the ancestry
// that holds that line; a copy through the store's own stream is identical.
// Also the cross-scenario insert check `insertBetween(from, to)`.

import fc from 'fast-check';
import { KeyMap, KeySet, concatBytes, keyToId, latin1, sha1Hex } from '@versionedfiles/core';
import type { Key, Ordering } from '@versionedfiles/core';
import { expectEqual, expectTrue, fail } from '../assert.js';
import { applyHistory, arbHistory, historyAncestry, textsAboveGhosts } from '../arbitraries.js';
import { ORDERINGS } from '../fixtures.js';
import type { History } from '../arbitraries.js';
import { defineCheck, needs } from '../check.js';
import type { CheckTable } from '../check.js';
import { CheckContext } from '../context.js';
import { annotateOrGhost, expectSameContent } from '../inspect.js';
import type { Scenario } from '../scenario.js';

function historyFor(ctx: CheckContext): fc.Arbitrary<History> {
  return arbHistory({ keyLength: ctx.keyLength, ghosts: ctx.caps.graph && ctx.caps.ghosts });
}

async function propertyOverHistories(ctx: CheckContext, body: (run: CheckContext, history: History) => Promise<void>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(historyFor(ctx), (history) => CheckContext.with(ctx.scenario, (run) => body(run, history))),
    { numRuns: ctx.numRuns },
  );
}

export const propertyChecks: CheckTable = {
  'property: every text round-trips with its sha1 in every ordering': defineCheck(async (ctx) => {
    await propertyOverHistories(ctx, async (run, history) => {
      const vf = await run.store();
      await applyHistory(vf, history, { graph: run.caps.graph });
      const keys = history.entries.map((e) => e.key);
      const expected = new KeyMap(history.entries.map((e) => [e.key, concatBytes([...e.lines])] as const));
      expectEqual(await vf.getSha1s(keys), new KeyMap([...expected].map(([k, t]) => [k, sha1Hex(t)] as const)), 'getSha1s');
      expectEqual(
        await vf.getParentMap([...keys, ...history.ghosts]),
        new KeyMap(history.entries.map((e) => [e.key, run.caps.graph ? e.parents : null] as const)),
        'getParentMap',
      );
      for (const ordering of ORDERINGS) {
        for (const closure of run.caps.deltaClosure ? [true] : [false, true]) {
          const seen = new KeySet();
          for await (const record of vf.getRecordStream(keys, ordering, closure)) {
            const where = `${ordering}/${closure}: ${keyToId(record.key)}`;
            expectTrue(!seen.has(record.key), `${where} streamed twice`);
            seen.add(record.key);
            const text = expected.get(record.key);
            if (text === undefined) fail(`${where} was not asked for`);
            expectEqual(record.getBytesAs('fulltext'), text, `${where} fulltext`);
            expectEqual(concatBytes([...record.getBytesAs('lines')]), text, `${where} lines`);
            if (record.sha1 !== null) expectEqual(record.sha1, sha1Hex(text), `${where} record sha1`);
          }
          expectEqual(seen.size, keys.length, `${ordering}/${closure}: every key streamed`);
        }
      }
    });
  }),

  'property: topological streams put present parents first': defineCheck(async (ctx) => {
    await propertyOverHistories(ctx, async (run, history) => {
      const vf = await run.store();
      await applyHistory(vf, history, { graph: true });
      const keys = [...history.entries.map((e) => e.key)].reverse();
      for (const closure of [false, true]) {
        const position = new KeyMap<number>();
        for await (const record of vf.getRecordStream(keys, 'topological', closure)) position.set(record.key, position.size);
        for (const entry of history.entries) {
          for (const parent of entry.parents) {
            const p = position.get(parent);
            if (p !== undefined) {
              expectTrue(p < (position.get(entry.key) ?? -1), `parent ${keyToId(parent)} streamed after ${keyToId(entry.key)} (closure ${closure})`);
            }
          }
        }
      }
    });
  }, needs.graph),

  'property: annotate attributes each line to a text of its ancestry holding it': defineCheck(async (ctx) => {
    await propertyOverHistories(ctx, async (run, history) => {
      const vf = await run.store();
      await applyHistory(vf, history, { graph: run.caps.graph });
      const ancestry = historyAncestry(history);
      // A line may lose or gain its final newline at the end of a text.
      const asLine = (line: Uint8Array): string => (line[line.length - 1] === 0x0a ? latin1(line) : `${latin1(line)}\n`);
      const linesOf = new KeyMap(history.entries.map((e) => [e.key, new Set(e.lines.map(asLine))] as const));
      const hasLine = (key: Key, line: Uint8Array): boolean => linesOf.get(key)?.has(asLine(line)) ?? false;
      const aboveGhosts = textsAboveGhosts(history);
      for (const entry of history.entries) {
        const annotated = await annotateOrGhost(vf, entry.key);
        if (annotated === null) {
          expectTrue(aboveGhosts.has(entry.key), `annotate(${keyToId(entry.key)}) threw RevisionNotPresent with no ghost in its ancestry`);
          continue;
        }
        expectEqual(annotated.map(([, line]) => line), entry.lines, `annotated lines of ${keyToId(entry.key)}`);
        for (const [origin, line] of annotated) {
          const where = `line ${JSON.stringify(latin1(line))} of ${keyToId(entry.key)} from ${keyToId(origin)}`;
          if (run.caps.graph) expectTrue(ancestry.get(entry.key)?.has(origin) ?? false, `${where}: origin outside the ancestry`);
          else expectEqual(origin, entry.key, `${where}: a graphless store attributes to the text itself`);
          expectTrue(hasLine(origin, line), `${where}: the origin does not hold the line`);
        }
      }
    });
  }),

  "property: a copy through the store's own stream is identical": defineCheck((ctx) =>
    insertBetween(ctx.scenario, ctx.scenario, ctx.numRuns),
  ),
};

/** Whether records from `from` can go to `to` in the suite's cross-insert check. */
export function canInsertBetween(from: Scenario, to: Scenario): boolean {
  // Breezy's graphless stores refuse records with parents.
  return from.keyLength === to.keyLength && from.capabilities.graph === to.capabilities.graph;
}

/**
 * How a copy streams: without the delta closure always parents first (deltas
 * need their basis); with it in any ordering, unless the target needs parents
 * first (no ghosts).
 */
function arbStreamShape(to: Scenario): fc.Arbitrary<{ readonly ordering: Ordering; readonly closure: boolean }> {
  const anyOrder = fc.constantFrom<Ordering>(...ORDERINGS);
  return fc.oneof(
    fc.constant({ ordering: 'topological' as Ordering, closure: false }),
    fc.record({ ordering: to.capabilities.ghosts ? anyOrder : fc.constant<Ordering>('topological'), closure: fc.constant(true) }),
  );
}

/**
 * Histories added to a store of `from`, streamed into a store of `to` (as a
 * fetch does: topological without the delta closure, or any ordering with
 * it): `to` then holds the same texts and sha1s, and the same parents when it
 * keeps a graph, and passes its check.
 */
export async function insertBetween(from: Scenario, to: Scenario, numRuns: number): Promise<void> {
  const ghosts = from.capabilities.ghosts && to.capabilities.ghosts && from.capabilities.graph && to.capabilities.graph;
  await fc.assert(
    fc.asyncProperty(arbHistory({ keyLength: from.keyLength, ghosts }), arbStreamShape(to), (history, { ordering, closure }) =>
      CheckContext.with(from, async (fromCtx) =>
        CheckContext.with(to, async (toCtx) => {
          const source = await fromCtx.store('source');
          await applyHistory(source, history, { graph: from.capabilities.graph });
          const target = await toCtx.store('target');
          await target.insertRecordStream(source.getRecordStream(await source.keys(), ordering, closure));
          const what = `${from.name} -> ${to.name} (${ordering}, delta closure ${closure})`;
          await expectSameContent(source, target, { graph: to.capabilities.graph, what });
          await target.check();
        }),
      ),
    ),
    { numRuns },
  );
}
