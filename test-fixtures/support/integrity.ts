// Flipped-byte sweeps: a store is written, then one bit at a time is flipped
// in each of its files, and the damaged store is read through check() and
// every extraction path (full texts with their delta closure, annotation).
//
// Entry points:
//   integrityHistory()   a small history with line deltas, a merge, a noeol text and an empty text
//   flipSweep(...)       flips bits across a store's files; returns how many check() caught,
//                        how many of those named a key, and how many flips changed no text
//
// The invariant: after any flip, check() fails with a typed error, or a read
// path does (graph damage check() does not look at), or every text still
// reads back exactly as written (the flip hit bytes that no text depends on,
// e.g. a gzip header's mtime). Any path serving a wrong text fails the sweep. With HARDENING_REPORT_DIR set, each sweep appends its
// figures to `<dir>/integrity.jsonl`.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyMap, RevisionNotPresent, concatBytes, VersionedFilesError, sha1Hex, utf8, type Key, type Transport, type VersionedFiles } from '@versionedfiles/core';

export interface HistoryText {
  readonly key: Key;
  readonly parents: Key[];
  readonly lines: Uint8Array[];
}

/** Twelve texts: a chain of small edits (line deltas), a merge, a text without a final newline, an empty one. */
export function integrityHistory(prefix: readonly string[] = []): HistoryText[] {
  const texts: HistoryText[] = [];
  const k = (name: string): Key => [...prefix, name];
  const base = Array.from({ length: 30 }, (_, i) => `line ${i} of the base text\n`);
  let prev: string[] = base;
  for (let i = 0; i < 8; i++) {
    const lines = prev.slice();
    lines[(i * 7) % lines.length] = `edited in version ${i}\n`;
    if (i % 3 === 0) lines.push(`appended in version ${i}\n`);
    texts.push({ key: k(`v${i}`), parents: i === 0 ? [] : [k(`v${i - 1}`)], lines: lines.map(utf8) });
    prev = lines;
  }
  texts.push({ key: k('side'), parents: [k('v3')], lines: [...base.slice(0, 10), 'a side change\n', ...base.slice(10)].map(utf8) });
  texts.push({ key: k('merge'), parents: [k('v7'), k('side')], lines: [...prev, 'merged\n'].map(utf8) });
  texts.push({ key: k('noeol'), parents: [k('merge')], lines: [...prev.slice(0, 5), 'no newline at the end'].map(utf8) });
  texts.push({ key: k('empty'), parents: [], lines: [] });
  return texts;
}

export async function addHistory(vf: VersionedFiles, texts: readonly HistoryText[]): Promise<void> {
  for (const t of texts) await vf.addLines(t.key, t.parents, t.lines);
}

export interface SweepResult {
  readonly backend: string;
  readonly flips: number;
  /** Flips check() reported with a typed error. */
  readonly detected: number;
  /** Of those, errors whose data names a key. */
  readonly namedKey: number;
  /**
   * Flips check() passed but a read path refused with a typed error: damage to
   * the graph (a parent reference) that changes no stored text, which check()
   * (as Breezy's) does not look at; the texts check() reads are all right.
   */
  readonly readOnly: number;
  /** Flips check() passed, after which every text still read back exactly as written. */
  readonly harmless: number;
  /** Error codes seen, with counts. */
  readonly codes: Readonly<Record<string, number>>;
}

export interface SweepOptions {
  readonly backend: string;
  /** The store's files, as written. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** Opens the store over `transport` (called once per flip, after the flipped file is in place). */
  readonly open: (transport: Transport) => VersionedFiles | Promise<VersionedFiles>;
  /** The transport the files live on (files are put back after each flip). */
  readonly transport: Transport;
  /** Every n-th byte of each file (1: all of them). */
  readonly step: number;
  readonly expected: KeyMap<string>;
}

/** Errors name a key in `data.key` (core's errors) or in a `key` property (the format errors). */
function namesKey(err: VersionedFilesError): boolean {
  const data = err.data as { key?: unknown } | undefined;
  return Array.isArray(data?.key) || Array.isArray((err as { key?: unknown }).key);
}

/** Reads every text through each path; throws untyped on a wrong text, typed errors pass through. */
async function readAllPaths(vf: VersionedFiles, expected: KeyMap<string>): Promise<void> {
  const keys = [...expected.keys()];
  for (const ordering of ['topological', 'unordered'] as const) {
    for await (const record of vf.getRecordStream(keys, ordering, true)) {
      if (record.storageKind === 'absent') throw new RevisionNotPresent(record.key);
      const text = record.getBytesAs('fulltext');
      if (sha1Hex(text) !== expected.get(record.key)) throw new Error(`wrong text served for ${JSON.stringify(record.key)}`);
    }
  }
  for (const key of keys) {
    const annotated = await vf.annotate(key);
    const text = sha1Hex(concatBytes(annotated.map(([, line]) => line)));
    if (text !== expected.get(key)) throw new Error(`annotate served a wrong text for ${JSON.stringify(key)}`);
  }
}


export async function flipSweep(options: SweepOptions): Promise<SweepResult> {
  const { files, transport, expected } = options;
  // HARDENING_FLIP_STEP=1 sweeps every byte (the long run); CI samples every n-th.
  const step = Number(process.env['HARDENING_FLIP_STEP']) || options.step;
  let flips = 0;
  let detected = 0;
  let namedKey = 0;
  let harmless = 0;
  let readOnly = 0;
  const codes: Record<string, number> = {};
  for (const [path, original] of files) {
    for (let at = 0; at < original.length; at += step) {
      const damaged = original.slice();
      damaged[at] = (damaged[at] as number) ^ (1 << (flips % 8));
      flips++;
      await transport.put(path, damaged);
      try {
        let caught: VersionedFilesError | null = null;
        try {
          await (await options.open(transport)).check();
        } catch (err) {
          if (!(err instanceof VersionedFilesError)) throw new Error(`${path}@${at}: check() threw untyped: ${String(err)}`);
          caught = err;
        }
        // Every extraction path, whatever check() said: typed errors or the right texts.
        let onRead: VersionedFilesError | null = null;
        try {
          await readAllPaths(await options.open(transport), expected);
        } catch (err) {
          if (!(err instanceof VersionedFilesError)) throw new Error(`${path}@${at}: ${err instanceof Error ? err.message : String(err)}`);
          onRead = err;
        }
        if (caught) {
          detected++;
          if (namesKey(caught)) namedKey++;
          codes[caught.code] = (codes[caught.code] ?? 0) + 1;
        } else if (onRead) {
          readOnly++;
          codes[`${onRead.code} (read only)`] = (codes[`${onRead.code} (read only)`] ?? 0) + 1;
        } else harmless++;
      } finally {
        await transport.put(path, original);
      }
    }
  }
  const result: SweepResult = { backend: options.backend, flips, detected, namedKey, readOnly, harmless, codes };
  const reportDir = process.env['HARDENING_REPORT_DIR'];
  if (reportDir) appendFileSync(join(reportDir, 'integrity.jsonl'), `${JSON.stringify(result)}\n`);
  return result;
}

/** The sha1 of every text of a history. */
export function expectedSha1s(texts: readonly HistoryText[]): KeyMap<string> {
  return new KeyMap(texts.map((t) => [t.key, sha1Hex(concatBytes(t.lines))] as const));
}

/** Every file on a transport, as bytes. */
export async function filesOf(t: Transport): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const path of await t.listRecursive('')) out.set(path, await t.get(path));
  return out;
}
