// Bad input gets a typed error (a CorruptData subclass with our code), never
// a crash, a hang, or an allocation sized by an unchecked length.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CorruptData, compatZlib, concatBytes, utf8 } from '@versionedfiles/core';
import {
  BTreeBuilder,
  BTreeGraphIndex,
  BytesRangeReader,
  ContainerPushParser,
  ContainerTruncated,
  iterContainerRecords,
  ContainerWriter,
  GraphIndex,
  GraphIndexBuilder,
  PAGE_SIZE,
  parseBytesRecord,
  parseContainer,
  validateContainer,
  parseBTreePage,
  parseGraphIndex,
} from '../src/index.js';
import type { GraphIndexReader } from '../src/index.js';
import { makeNodes } from './support/fixture-nodes.js';

/** Runs `f`; passes if it succeeds or throws CorruptData, returns the error code if any. */
async function typedOrOk(f: () => unknown): Promise<string | null> {
  try {
    await f();
    return null;
  } catch (err) {
    if (!(err instanceof CorruptData)) throw err;
    return err.code;
  }
}

function container(): Uint8Array {
  const chunks: Uint8Array[] = [];
  const w = new ContainerWriter((c) => chunks.push(c));
  w.begin();
  w.addBytesRecord(utf8('hello\n'), [['a', 'b'], ['c']]);
  w.addBytesRecord(new Uint8Array(300).fill(7), []);
  w.addBytesRecord(new Uint8Array(0), [['x']]);
  w.end();
  return concatBytes(chunks);
}

async function readEverything(index: GraphIndexReader, probe: readonly string[]): Promise<void> {
  for await (const _ of index.iterEntries([probe])) {
    /* lookups first, so bisection runs on the damaged file */
  }
  for await (const _ of index.iterAllEntries()) {
    /* drain */
  }
  await index.validate();
}

function graphBytes(): Uint8Array {
  const b = new GraphIndexBuilder({ referenceLists: 2, keyElements: 2 });
  for (const n of makeNodes(200, 2, 2, 'fz')) b.addNode(n.key, n.value, n.references);
  return b.finish();
}

function btreeBytes(count: number): Uint8Array {
  const b = new BTreeBuilder({ referenceLists: 1, keyElements: 2 });
  for (const n of makeNodes(count, 2, 1, 'fz')) b.addNode(n.key, n.value, n.references);
  return b.finish();
}

describe('container', () => {
  const good = container();

  it('every truncation is ContainerTruncated (or a format error for a cut format line)', async () => {
    for (let n = 0; n < good.length; n++) {
      const code = await typedOrOk(() => parseContainer(good.subarray(0, n)));
      expect(code).toBe('ContainerTruncated');
    }
  });

  it('bytes fed one at a time parse the same as all at once', () => {
    const p = new ContainerPushParser();
    for (const b of good) p.accept(Uint8Array.of(b));
    p.end();
    expect(p.readPendingRecords().map((r) => r.names)).toEqual(parseContainer(good).map((r) => r.names));
  });

  it('streams records from an async source as they complete; hints the body size; hands out records in batches', async () => {
    async function* chunks(size: number) {
      for (let i = 0; i < good.length; i += size) yield good.subarray(i, i + size);
    }
    const names: unknown[] = [];
    for await (const r of iterContainerRecords(chunks(7))) names.push(r.names);
    expect(names).toEqual(parseContainer(good).map((r) => r.names));
    async function* cut() {
      yield good.subarray(0, 60);
    }
    await expect(async () => {
      for await (const _ of iterContainerRecords(cut())) {
        /* drain */
      }
    }).rejects.toBeInstanceOf(ContainerTruncated);
    const p = new ContainerPushParser();
    p.accept(utf8('Bazaar pack format 1 (introduced in 0.18)\nB100000\n\n'));
    expect(p.readSizeHint()).toBe(100000);
    p.accept(new Uint8Array(100000));
    p.accept(utf8('B1\n\nxE'));
    expect(p.readPendingRecords(1)).toHaveLength(1);
    expect(p.readPendingRecords()).toHaveLength(1);
    expect(p.finished).toBe(true);
  });

  it('bad headers, types, lengths and names are typed errors', async () => {
    const bad = (s: string) => typedOrOk(() => parseContainer(utf8(s)));
    expect(await bad('Bazaar pack format 2\nE')).toBe('BadContainerFormat');
    expect(await bad('Bazaar pack format 1 (introduced in 0.18)\nX')).toBe('BadContainerRecord');
    expect(await bad('Bazaar pack format 1 (introduced in 0.18)\nB-1\n\nE')).toBe('BadContainerRecord');
    expect(await bad('Bazaar pack format 1 (introduced in 0.18)\nB1x\n\nE')).toBe('BadContainerRecord');
    expect(await bad('Bazaar pack format 1 (introduced in 0.18)\nB3\na b\n\nabcE')).toBe('BadContainerRecord');
    expect(await bad('Bazaar pack format 1 (introduced in 0.18)\nEjunk')).toBe('BadContainerRecord');
    // A hostile length is only a number: nothing is allocated for it.
    expect(await bad('Bazaar pack format 1 (introduced in 0.18)\nB999999999999999\n\nabc')).toBe('ContainerTruncated');
    expect(await bad('Bazaar pack format 1 (introduced in 0.18)\nB99999999999999999999\n\nabc')).toBe('BadContainerRecord');
    expect(await typedOrOk(() => validateContainer(good))).toBeNull();
    expect(await typedOrOk(() => validateContainer(utf8('Bazaar pack format 1 (introduced in 0.18)\nB0\na\n\nB0\na\n\nE')))).toBe('BadContainerRecord');
    const notUtf8 = concatBytes([utf8('Bazaar pack format 1 (introduced in 0.18)\nB0\n'), Uint8Array.of(0xff), utf8('\n\nE')]);
    expect(await typedOrOk(() => parseContainer(notUtf8))).toBe('BadContainerRecord');
    expect(await typedOrOk(() => parseBytesRecord(utf8('B5\n\nabc')))).toBe('ContainerTruncated');
    expect(await typedOrOk(() => parseBytesRecord(utf8('B1\n\nabc')))).toBe('BadContainerRecord');
  });

  it('random damage is a typed error or a parse', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (edits) => {
        const bytes = good.slice();
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        await typedOrOk(() => parseContainer(bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('GraphIndex', () => {
  const good = graphBytes();
  const probe = ['fz0-0a2f', 'nope'];

  it('truncations are typed errors, read whole or by bisection', async () => {
    for (let n = 0; n < good.length; n += 97) {
      const cut = good.subarray(0, n);
      expect(await typedOrOk(() => parseGraphIndex(cut))).not.toBeNull();
      expect(await typedOrOk(() => readEverything(new GraphIndex(new BytesRangeReader(cut)), probe))).not.toBeNull();
    }
  });

  it('keys out of order are BadIndexData', async () => {
    const text = new TextDecoder('latin1').decode(good);
    const lines = text.split('\n');
    [lines[5], lines[6]] = [lines[6] as string, lines[5] as string];
    const swapped = Uint8Array.from(lines.join('\n'), (c) => c.charCodeAt(0));
    expect(await typedOrOk(() => parseGraphIndex(swapped))).toBe('BadIndexData');
  });

  it('bad signatures and options are typed', async () => {
    expect(await typedOrOk(() => parseGraphIndex(utf8('Bazaar Graph Index 2\n')))).toBe('BadIndexSignature');
    expect(await typedOrOk(() => parseGraphIndex(utf8('Bazaar Graph Index 1\nnode_ref_lists=x\n')))).toBe('BadIndexOptions');
    expect(await typedOrOk(() => parseGraphIndex(utf8('Bazaar Graph Index 1\nnode_ref_lists=1\nkey_elements=1\nlen=1\n\n')))).toBe('BadIndexData');
  });

  it('random damage is a typed error or a parse', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), async (edits) => {
        const bytes = good.slice();
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        await typedOrOk(() => parseGraphIndex(bytes));
        await typedOrOk(() => readEverything(new GraphIndex(new BytesRangeReader(bytes)), probe));
      }),
      { numRuns: 150 },
    );
  });
});

describe('BTreeGraphIndex', () => {
  const good = btreeBytes(2500);
  const probe = ['fz0-0a2f', 'nope'];

  it('is more than one page (so damage lands in internal and leaf pages)', async () => {
    const index = new BTreeGraphIndex(new BytesRangeReader(good));
    expect(await index.keyCount()).toBe(2500);
    expect(good.length).toBeGreaterThan(4 * PAGE_SIZE);
  });

  it('truncations are typed errors', async () => {
    for (let n = 0; n < good.length; n += 1031) {
      expect(await typedOrOk(() => readEverything(new BTreeGraphIndex(new BytesRangeReader(good.subarray(0, n))), probe))).not.toBeNull();
    }
  });

  it('a page that does not inflate, a bad header, a wrong row count are BadIndex*', async () => {
    const garbled = good.slice();
    garbled.fill(0x55, 2 * PAGE_SIZE, 2 * PAGE_SIZE + 64);
    expect(await typedOrOk(() => readEverything(new BTreeGraphIndex(new BytesRangeReader(garbled)), probe))).toBe('BadIndexData');
    const sig = good.slice();
    sig[3] = 0x21;
    expect(await typedOrOk(() => new BTreeGraphIndex(new BytesRangeReader(sig)).keyCount())).toBe('BadIndexSignature');
    const text = new TextDecoder('latin1').decode(good.subarray(0, 120));
    const rows = text.indexOf('row_lengths=') + 'row_lengths='.length;
    const wrong = good.slice();
    wrong[rows] = 0x39; // root row of 9 pages
    expect(await typedOrOk(() => new BTreeGraphIndex(new BytesRangeReader(wrong)).keyCount())).toBe('BadIndexData');
  });

  it('a leaf with keys out of order, or a bomb page, is BadIndexData', async () => {
    const header = utf8('B+Tree Graph Index 2\nnode_ref_lists=0\nkey_elements=1\nlen=2\nrow_lengths=1\n');
    const leaf = compatZlib.deflate(utf8('type=leaf\nb\x00\x00v\na\x00\x00v\n'));
    expect(await typedOrOk(() => readEverything(new BTreeGraphIndex(new BytesRangeReader(concatBytes([header, leaf]))), ['a']))).toBe('BadIndexData');
    const bomb = compatZlib.deflate(concatBytes([utf8('type=leaf\n'), new Uint8Array(8 << 20)]), { level: 9 });
    expect(bomb.length).toBeLessThan(PAGE_SIZE * 3);
    // Inflating stops at MAX_PAGE_INFLATE instead of allocating 8 MiB.
    expect(await typedOrOk(() => parseBTreePage(bomb, { referenceLists: 0, keyElements: 1 }, 'bomb'))).toBe('BadIndexData');
  });

  it('random damage is a typed error or a parse', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), async (edits) => {
        const bytes = good.slice();
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        await typedOrOk(() => readEverything(new BTreeGraphIndex(new BytesRangeReader(bytes)), probe));
      }),
      { numRuns: 60 },
    );
  });
});

