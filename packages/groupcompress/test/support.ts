// Shared test helpers: reading the delta fixtures Breezy wrote, and checking
// our deltas and groups against them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { bytesEqual, compatZlib, concatBytes } from '@versionedfiles/core';
import { GroupCompressor, applyDelta, encodeBlock, makeDelta, parseBlock } from '@versionedfiles/groupcompress';

export const FIXTURES = fileURLToPath(new URL('../../../test-fixtures/groupcompress/', import.meta.url));

export interface PairCase {
  readonly source: Uint8Array;
  readonly target: Uint8Array;
  readonly delta: Uint8Array | null;
}

export interface GroupCase {
  readonly maxBytesToIndex: number;
  readonly texts: Uint8Array[];
  readonly records: [number, number, string][];
  readonly content: Uint8Array;
  readonly block: Uint8Array;
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Parses make-deltas.py output. */
export function parseDeltaCases(text: string): { pairs: PairCase[]; groups: GroupCase[] } {
  const pairs: PairCase[] = [];
  const groups: GroupCase[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    if (o.kind === 'pair') {
      const delta = o.delta as string | null;
      pairs.push({ source: b64(o.source as string), target: b64(o.target as string), delta: delta ? b64(delta) : null });
    } else {
      groups.push({
        maxBytesToIndex: o.maxBytesToIndex as number,
        texts: (o.texts as string[]).map(b64),
        records: o.records as [number, number, string][],
        content: b64(o.content as string),
        block: b64(o.block as string),
      });
    }
  }
  return { pairs, groups };
}

export function loadDeltaCases(name: string): { pairs: PairCase[]; groups: GroupCase[] } {
  return parseDeltaCases(readFileSync(FIXTURES + name, 'utf8'));
}

export function checkPair(c: PairCase): void {
  const ours = makeDelta(c.source, c.target);
  expect(ours).toEqual(c.delta);
  if (ours) expect(applyDelta(c.source, ours)).toEqual(c.target);
}

export function checkGroup(c: GroupCase): void {
  const compressor = new GroupCompressor({ maxBytesToIndex: c.maxBytesToIndex });
  const records = c.texts.map((t, i) => {
    const r = compressor.compress([`k${i}`], [t], t.length);
    return [r.start, r.end, r.kind];
  });
  expect(records).toEqual(c.records);
  const { chunks } = compressor.flush();
  const content = concatBytes(chunks);
  expect(bytesEqual(content, c.content)).toBe(true);
  const block = encodeBlock(chunks, compatZlib);
  expect(bytesEqual(concatBytes(block), c.block)).toBe(true);
  const parsed = parseBlock(c.block);
  c.texts.forEach((t, i) => {
    const [start, end] = c.records[i] as [number, number, string];
    expect(bytesEqual(parsed.extract([`k${i}`], start, end), t)).toBe(true);
  });
}

