// Structure-aware fuzzing of every parser, shared by the CI hardening tests
// (packages/*/test/hardening/fuzz.test.ts, a bounded count) and the long run
// (bench/hardening/fuzz-long.mjs, which runs the same tests with a large count).
//
// Entry points:
//   FuzzTarget            a parser (or a whole store read) over a set of named files
//   fuzzTarget(t)         runs fast-check mutations of the target's seeds and checks the invariants
//   replayCrashFixtures(t) re-runs every crash fixture committed for the target
//   storeTarget(...)      a target that opens a store over the files and reads all of it
//   fuzzTests(targets, n) one vitest case per target
//   mutatedFiles(seeds)   the mutation arbitrary (bit flips, interesting bytes, cuts,
//                         deleted/duplicated ranges, hostile decimal lengths)
//
// Invariants checked on every input: only `VersionedFilesError`s escape; each
// input finishes inside a time bound; array-buffer memory does not grow by
// more than a bound (no allocation sized by an unchecked length); a target
// that reads a store gets a check that the store's files are unchanged.
//
// With HARDENING_REPORT_DIR set, each target appends its count and outcomes
// to `<dir>/fuzz.jsonl` (the figures in docs/reliability.md).
//
// Crashes: the failing input is printed (base64 JSON); with
// HARDENING_SAVE_CRASHES=1 it is also written to test-fixtures/fuzz/ (where
// `replayCrashFixtures` finds it). In long runs (HARDENING_INFLIGHT_DIR set) the
// input in flight is written there first, so the driver can keep one that hangs.

import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { KeySet, MemoryTransport, RevisionNotPresent, VersionedFilesError, sha1Hex } from '@versionedfiles/core';
import type { Transport, VersionedFiles } from '@versionedfiles/core';

export const CRASH_DIR = fileURLToPath(new URL('../fuzz/', import.meta.url));

export type FuzzFiles = ReadonlyMap<string, Uint8Array>;

export interface FuzzTarget {
  /** Unique, filename-safe: `<package>-<parser>`. */
  readonly name: string;
  /** Real inputs (what Breezy wrote, or what we write and Breezy reads). */
  readonly seeds: readonly FuzzFiles[];
  /** Parses/reads everything the input holds; may throw only typed errors. */
  readonly run: (files: FuzzFiles) => unknown;
  /** Files whose mutation is interesting (default: every file). */
  readonly mutable?: readonly string[];
  /** Per-input wall-clock bound in ms (default 5000). */
  readonly timeMs?: number;
}

export interface FuzzResult {
  readonly runs: number;
  /** How many inputs were rejected with each error code (`ok` for accepted ones). */
  readonly outcomes: Readonly<Record<string, number>>;
}

/** The count per target: HARDENING_FUZZ_RUNS, or the CI default. */
export function fuzzRuns(ciDefault: number): number {
  const env = Number(process.env['HARDENING_FUZZ_RUNS']);
  return Number.isInteger(env) && env > 0 ? env : ciDefault;
}

function fuzzSeed(): number | undefined {
  const env = Number(process.env['HARDENING_FUZZ_SEED']);
  return Number.isInteger(env) ? env : undefined;
}

export function single(name: string, bytes: Uint8Array): FuzzFiles {
  return new Map([[name, bytes]]);
}

export function onlyFile(files: FuzzFiles): Uint8Array {
  const [first] = files.values();
  if (first === undefined) throw new Error('fuzz input has no file');
  return first;
}

// -- mutations ------------------------------------------------------------------

const INTERESTING_BYTES = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x20, 0x3a, 0x2c, 0x30, 0x39, 0x2e, 0x7b, 0x7d, 0x1f, 0x8b];
// Lengths that break naive readers: zero, negative, just past 2^31 and 2^32, beyond 2^53, many digits.
const INTERESTING_NUMBERS = ['0', '-1', '1', '2147483648', '4294967297', '9007199254740993', '99999999999999999999', '0x10', '1e9'];

type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'cut'; readonly at: number }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number; readonly to: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly op: 'number'; readonly which: number; readonly value: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat(255)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cut' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 8 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('number' as const), which: fc.nat(), value: fc.constantFrom(...INTERESTING_NUMBERS) }) },
);

/** Spans of ASCII decimal digits: the lengths, offsets and counts of text headers. */
function decimalSpans(bytes: Uint8Array): [number, number][] {
  const spans: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const digit = i < bytes.length && (bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x39;
    if (digit && start < 0) start = i;
    if (!digit && start >= 0) {
      spans.push([start, i]);
      start = -1;
    }
  }
  return spans;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

export function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  if (n === 0) return m.op === 'insert' ? Uint8Array.from(m.bytes) : bytes;
  switch (m.op) {
    case 'flip':
    case 'set': {
      const out = bytes.slice();
      const at = m.at % n;
      out[at] = m.op === 'flip' ? (out[at] as number) ^ (1 << m.bit) : m.value;
      return out;
    }
    case 'cut':
      return bytes.slice(0, m.at % n);
    case 'delete': {
      const at = m.at % n;
      return splice(bytes, at, Math.min(m.length, n - at), new Uint8Array(0));
    }
    case 'duplicate': {
      const at = m.at % n;
      const piece = bytes.slice(at, Math.min(n, at + m.length));
      return splice(bytes, m.to % (n + 1), 0, piece);
    }
    case 'insert':
      return splice(bytes, m.at % (n + 1), 0, Uint8Array.from(m.bytes));
    case 'number': {
      const spans = decimalSpans(bytes);
      const span = spans[m.which % Math.max(1, spans.length)];
      if (span === undefined) return bytes;
      return splice(bytes, span[0], span[1] - span[0], new TextEncoder().encode(m.value));
    }
  }
}

/** One seed, one of its (mutable) files, one to three stacked mutations. */
export function mutatedFiles(seeds: readonly FuzzFiles[], mutable?: readonly string[]): fc.Arbitrary<FuzzFiles> {
  return fc
    .record({ seed: fc.nat(Math.max(0, seeds.length - 1)), file: fc.nat(), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) })
    .map(({ seed, file, mutations }) => {
      const files = seeds[seed] as FuzzFiles;
      const names = [...files.keys()].filter((n) => mutable === undefined || mutable.includes(n));
      const name = names[file % Math.max(1, names.length)];
      const out = new Map(files);
      if (name === undefined) return out;
      let bytes = files.get(name) as Uint8Array;
      for (const m of mutations) bytes = applyMutation(bytes, m);
      out.set(name, bytes);
      return out;
    });
}

// -- invariants -----------------------------------------------------------------

const MEMORY_BOUND = 256 * 1024 * 1024;

export class FuzzInvariantBroken extends Error {
  constructor(
    message: string,
    readonly files: FuzzFiles,
  ) {
    super(message);
  }
}

function encodeFiles(target: string, files: FuzzFiles, reason: string): string {
  const out: Record<string, string> = {};
  for (const [name, bytes] of files) out[name] = Buffer.from(bytes).toString('base64');
  return JSON.stringify({ target, reason, files: out });
}

function decodeFiles(json: string): { target: string; files: FuzzFiles } {
  const v = JSON.parse(json) as { target: string; files: Record<string, string> };
  const files = new Map<string, Uint8Array>();
  for (const [name, b64] of Object.entries(v.files)) files.set(name, new Uint8Array(Buffer.from(b64, 'base64')));
  return { target: v.target, files };
}

/** Writes a crash as `test-fixtures/fuzz/<target>-<sha1 prefix>.json`; returns its path. */
export function saveCrash(target: string, files: FuzzFiles, reason: string): string {
  const json = encodeFiles(target, files, reason);
  const id = createHash('sha1').update(json).digest('hex').slice(0, 12);
  mkdirSync(CRASH_DIR, { recursive: true });
  const path = join(CRASH_DIR, `${target}-${id}.json`);
  writeFileSync(path, `${json}\n`);
  return path;
}

function writeInflight(target: string, files: FuzzFiles): void {
  const dir = process.env['HARDENING_INFLIGHT_DIR'];
  if (dir) writeFileSync(join(dir, `${target}.json`), encodeFiles(target, files, 'in flight (hang or process crash)'));
}

/**
 * Runs one input under the invariants; returns the error code it was
 * rejected with, or `ok`. Throws `FuzzInvariantBroken` otherwise.
 */
export async function runOne(target: FuzzTarget, files: FuzzFiles): Promise<string> {
  writeInflight(target.name, files);
  const limit = target.timeMs ?? 5000;
  const before = process.memoryUsage().arrayBuffers;
  const started = performance.now();
  let outcome = 'ok';
  try {
    await target.run(files);
  } catch (err) {
    if (!(err instanceof VersionedFilesError)) {
      const what = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
      throw new FuzzInvariantBroken(`untyped error escaped: ${what}`, files);
    }
    outcome = err.code;
  }
  const elapsed = performance.now() - started;
  if (elapsed > limit) throw new FuzzInvariantBroken(`input took ${Math.round(elapsed)} ms (bound ${limit} ms)`, files);
  const grown = process.memoryUsage().arrayBuffers - before;
  if (grown > MEMORY_BOUND) throw new FuzzInvariantBroken(`array buffers grew by ${grown} bytes`, files);
  return outcome;
}

function report(target: FuzzTarget, err: FuzzInvariantBroken): Error {
  const saved = process.env['HARDENING_SAVE_CRASHES'] === '1' ? `\nsaved as ${saveCrash(target.name, err.files, err.message)}` : '';
  return new Error(`${target.name}: ${err.message}${saved}\ninput: ${encodeFiles(target.name, err.files, err.message)}`);
}

/** Fuzzes a target with `runs` mutated inputs (plus every seed as is). */
export async function fuzzTarget(target: FuzzTarget, runs: number): Promise<FuzzResult> {
  const outcomes: Record<string, number> = {};
  const count = (code: string): void => {
    outcomes[code] = (outcomes[code] ?? 0) + 1;
  };
  let firstBroken: FuzzInvariantBroken | null = null;
  for (const seed of target.seeds) {
    const code = await runOne(target, seed);
    if (code !== 'ok') throw new Error(`${target.name}: a seed input fails with ${code}`);
  }
  const seed = fuzzSeed();
  await fc.assert(
    fc.asyncProperty(mutatedFiles(target.seeds, target.mutable), async (files) => {
      try {
        count(await runOne(target, files));
      } catch (err) {
        if (err instanceof FuzzInvariantBroken) firstBroken ??= err;
        throw err;
      }
    }),
    { numRuns: runs, endOnFailure: true, ...(seed !== undefined ? { seed } : {}) },
  ).catch((err: unknown) => {
    throw firstBroken ? report(target, firstBroken) : err;
  });
  const reportDir = process.env['HARDENING_REPORT_DIR'];
  if (reportDir) appendFileSync(join(reportDir, 'fuzz.jsonl'), `${JSON.stringify({ target: target.name, runs, outcomes })}\n`);
  return { runs, outcomes };
}

/** The committed crash fixtures of a target. */
export function crashFixtures(targetName: string): { file: string; files: FuzzFiles }[] {
  if (!existsSync(CRASH_DIR)) return [];
  return readdirSync(CRASH_DIR)
    .filter((f) => f.startsWith(`${targetName}-`) && f.endsWith('.json'))
    .map((file) => ({ file, files: decodeFiles(readFileSync(join(CRASH_DIR, file), 'utf8')).files }));
}

/** Re-runs every committed crash fixture of a target: each now meets the invariants; returns their outcomes. */
export async function replayCrashFixtures(target: FuzzTarget): Promise<string[]> {
  const outcomes: string[] = [];
  for (const { file, files } of crashFixtures(target.name)) {
    try {
      outcomes.push(await runOne(target, files));
    } catch (err) {
      if (err instanceof FuzzInvariantBroken) throw new Error(`${file}: ${err.message}`);
      throw err;
    }
  }
  return outcomes;
}

// -- stores -----------------------------------------------------------------------

/** A memory transport holding the files (paths may have directories). */
export async function transportOf(files: FuzzFiles): Promise<MemoryTransport> {
  const t = new MemoryTransport();
  for (const [path, bytes] of files) await t.put(path, bytes, { createParentDir: true });
  return t;
}

/** Every file of a transport, for "reading never changes the store". */
export async function snapshot(t: Transport): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of await t.listRecursive('')) out.set(path, createHash('sha1').update(await t.get(path)).digest('hex'));
  return out;
}

/** Throws (untyped, so the fuzzer reports it) when reading changed any file. */
export async function assertUnchanged(t: Transport, before: Map<string, string>): Promise<void> {
  const after = await snapshot(t);
  const same = after.size === before.size && [...before].every(([k, v]) => after.get(k) === v);
  if (!same) throw new Error(`reading changed the store: ${JSON.stringify([...before])} -> ${JSON.stringify([...after])}`);
}

/** Files of a fixture directory (recursively), keyed by relative path. */
export function filesOfDir(dir: string): FuzzFiles {
  const out = new Map<string, Uint8Array>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else out.set(path, new Uint8Array(readFileSync(join(dir, path))));
    }
  };
  walk('');
  return out;
}

/**
 * Reads everything a store holds through every extraction path: keys,
 * parents, sha1s, full texts with their delta closure (unordered and
 * topological), annotation, and check(). A text served whose sha1 is not the
 * one the store records is a wrong text: thrown untyped, so the fuzzer reports it.
 */
export async function readWholeStore(vf: VersionedFiles): Promise<void> {
  const keys = [...(await vf.keys())];
  const parentMap = await vf.getParentMap(keys);
  const sha1s = await vf.getSha1s(keys);
  for (const ordering of ['unordered', 'topological'] as const) {
    for await (const record of vf.getRecordStream(keys, ordering, true)) {
      if (record.storageKind === 'absent') continue;
      const text = await record.getBytesAs('fulltext');
      const actual = sha1Hex(text);
      const want = sha1s.get(record.key);
      if (want !== undefined && want !== actual) throw new Error(`wrong text served for ${JSON.stringify(record.key)}: ${actual} != ${want}`);
    }
  }
  // Every key through one annotator, which reuses the work of the keys before
  // it, and every head also through the store's own annotate (stored
  // annotations, where a store keeps them). Annotating each key afresh made
  // the crash tests' checks quadratic in a store's size (9 s at 457 texts).
  const present = new KeySet(keys);
  const parents = new KeySet();
  for (const ps of parentMap.values()) for (const p of ps ?? []) parents.add(p);
  let annotator = vf.getAnnotator();
  for (const key of keys) {
    try {
      if (!parents.has(key)) await vf.annotate(key);
      await annotator.annotateFlat(key);
    } catch (err) {
      // Annotating through a ghost fails in Breezy too; a missing key the store lists is a real failure.
      if (!(err instanceof RevisionNotPresent) || present.has(err.data.key)) throw err;
      // A failed walk may leave the annotator half-way: the next key starts afresh.
      annotator = vf.getAnnotator();
    }
  }
  await vf.check();
}

/** A target that opens a store over the (mutated) files and reads all of it; reading must change no file. */
export function storeTarget(name: string, seeds: readonly FuzzFiles[], open: (t: Transport) => VersionedFiles | Promise<VersionedFiles>): FuzzTarget {
  return {
    name,
    seeds,
    run: async (files) => {
      const t = await transportOf(files);
      const before = await snapshot(t);
      try {
        await readWholeStore(await open(t));
      } finally {
        await assertUnchanged(t, before);
      }
    },
  };
}

/** One vitest case per target: replays its committed crashes, then fuzzes it (`ciRuns` unless HARDENING_FUZZ_RUNS). */
export function fuzzTests(targets: readonly FuzzTarget[], ciRuns: number): void {
  for (const target of targets) {
    it(`${target.name}: only typed errors, bounded in time and memory`, async () => {
      expect(target.seeds.length).toBeGreaterThan(0);
      await replayCrashFixtures(target);
      const result = await fuzzTarget(target, fuzzRuns(ciRuns));
      expect(Object.values(result.outcomes).reduce((a, b) => a + b, 0)).toBe(result.runs);
    });
  }
}
