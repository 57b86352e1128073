// Drives crash-writer.mjs children for the crash-safety and concurrent-writer
// tests, and checks a store after them.
//
// Entry points:
//   crashTests(backends, n)    one vitest case per backend, running crashTrials
//   crashTrials(backend, n)    n trials on one store: start a writer, SIGKILL it at a random
//                              point, reopen, verify; returns the trial log
//   startWriter(...)           one child; its events (intent/ack/contention) as they arrive
//   openForCheck(backend, dir) the store as a reader opens it (from the sources)
//   concurrentRounds(...)     two writers on one vf store at once, and a reader racing them
//   verifyStore(...)           opens, check() passes, every acknowledged text is there with
//                              its sha1, every visible text is one that was offered, whole
//   packWriterRounds(...)      two writers of one raw knit pack under `lockKnitPack` at once:
//                              one writes it, the other waits and is refused; a reader races them
//
// The children run the built packages (dist/); `ensureBuilt()` builds them
// when missing (CI builds first; after changing sources, rebuild). Trial counts: HARDENING_CRASH_TRIALS overrides the CI count;
// HARDENING_CRASH_SEED makes the kill points repeatable.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ConstantMapper, HashEscapedPrefixMapper, KeyMap, LocalTransport, NoSuchFile, VersionedFilesError, type Key, type VersionedFiles } from '@versionedfiles/core';
import { makeFileFactory, openKnitPack } from '@versionedfiles/knit';
import { WeaveVersionedFiles } from '@versionedfiles/weave';
import { openStore } from '@versionedfiles/cli';
import { readWholeStore } from './fuzz.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WRITER = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url));

export type RawBackend = 'knit-files' | 'knit-annotated' | 'weave-files';
export type LayoutBackend = 'vf-knit' | 'vf-weave' | 'vf-knit-pack' | 'vf-groupcompress';
/** Knit or weave files written under their package's opt-in lock (`lockKnitFiles`, `lockWeaveFiles`), no vf layout. */
export type LockedBackend = 'knit-locked' | 'weave-locked';
/** A raw knit pack (written once) under knit's opt-in lock, `lockKnitPack`. */
export type PackLockedBackend = 'knit-pack-locked';
export type Backend = RawBackend | LayoutBackend | LockedBackend | PackLockedBackend;
/** Backends whose writers lock, so two can run at once. */
export type ConcurrentBackend = LayoutBackend | LockedBackend;

export function isLayout(backend: Backend): backend is LayoutBackend {
  return backend.startsWith('vf-');
}

/** Builds the packages the children import, when their dist/ is missing. */
export function ensureBuilt(): void {
  const needed = ['core', 'pack', 'knit', 'weave', 'cli'].some((p) => !existsSync(`${ROOT}packages/${p}/dist/index.js`));
  if (needed) execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: ROOT, stdio: 'inherit' });
}

export function trialCount(ciDefault: number): number {
  const env = Number(process.env['HARDENING_CRASH_TRIALS']);
  return Number.isInteger(env) && env > 0 ? env : ciDefault;
}

/** A small seeded PRNG (mulberry32), so a failing trial's kill points can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function crashSeed(): number {
  const env = Number(process.env['HARDENING_CRASH_SEED']);
  return Number.isInteger(env) ? env : Math.floor(Math.random() * 2 ** 31);
}

export interface WriterLog {
  /** sha1 of every text offered, by key. */
  readonly intents: KeyMap<string>;
  /** Keys whose add (or batch close) returned. */
  readonly acks: Key[];
  contentions: number;
  /** (knit-pack-locked) the writer found an earlier writer's pack and wrote nothing. */
  refused: boolean;
  ready: boolean;
  done: boolean;
  stderr: string;
}

export interface Writer {
  readonly child: ChildProcess;
  readonly log: WriterLog;
  /** Resolves with the exit code (null when killed) once the child is gone. */
  readonly exited: Promise<number | null>;
  /** Resolves when the child said `ready` (or exited first). */
  readonly ready: Promise<void>;
}

export function newLog(): WriterLog {
  return { intents: new KeyMap(), acks: [], contentions: 0, refused: false, ready: false, done: false, stderr: '' };
}

export function startWriter(backend: Backend, dir: string, id: string, count: number, log: WriterLog = newLog(), extra: readonly string[] = []): Writer {
  log.ready = false;
  log.done = false;
  const child = spawn(process.execPath, [WRITER, backend, dir, id, String(count), ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  let markReady = (): void => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (data: string) => {
    pending += data;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [word, keyText, sha1] = line.split(' ');
      if (word === 'ready') {
        log.ready = true;
        markReady();
      } else if (word === 'intent') log.intents.set(JSON.parse(keyText as string) as Key, sha1 as string);
      else if (word === 'ack') log.acks.push(JSON.parse(keyText as string) as Key);
      else if (word === 'contention') log.contentions++;
      else if (word === 'exists') log.refused = true;
      else if (word === 'done') log.done = true;
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (data: string) => {
    log.stderr += data;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      markReady();
      resolve(code);
    });
  });
  return { child, log, exited, ready };
}

/** Makes an empty store for a backend (the vf layout needs its marker). */
export async function initBackend(backend: Backend, dir: string): Promise<void> {
  if (!isLayout(backend)) return;
  const w = startWriter(backend, dir, 'init', 0, newLog(), ['--init']);
  const code = await w.exited;
  if (code !== 0) throw new Error(`init failed: ${w.log.stderr}`);
}

/** The store as a reader opens it, with a function that lets it go. */
export async function openForCheck(backend: Backend, dir: string): Promise<{ vf: VersionedFiles; close: () => Promise<void> }> {
  const t = new LocalTransport(dir);
  switch (backend) {
    case 'knit-files':
    case 'knit-locked':
      return { vf: makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 })(t), close: async () => {} };
    case 'knit-annotated':
      return { vf: makeFileFactory(true, new HashEscapedPrefixMapper(), { keyLength: 2 })(t), close: async () => {} };
    case 'weave-files':
    case 'weave-locked':
      return { vf: new WeaveVersionedFiles(t, new ConstantMapper('texts'), { keyLength: 1 }), close: async () => {} };
    case 'knit-pack-locked':
      return { vf: await openKnitPack(t), close: async () => {} };
    default: {
      const handle = await openStore(dir);
      return { vf: handle.vf, close: () => handle.close() };
    }
  }
}

/** Every acknowledged text present with its sha1; every visible text offered and whole; check() passes. */
export async function verifyStore(backend: Backend, dir: string, log: WriterLog, options: { acked?: boolean } = {}): Promise<{ visible: number }> {
  const { vf, close } = await openForCheck(backend, dir);
  try {
    await readWholeStore(vf);
    const keys = [...(await vf.keys())];
    const sha1s = await vf.getSha1s([...keys, ...log.acks]);
    // A reader racing a writer may open before the last acknowledgement landed: it checks what it sees.
    for (const key of options.acked === false ? [] : log.acks) {
      if (!sha1s.has(key)) throw new Error(`acknowledged ${JSON.stringify(key)} is missing`);
    }
    for (const key of keys) {
      const offered = log.intents.get(key);
      // (A racing reader may see a text before its writer's intent line reached us; the final check covers it.)
      if (offered === undefined && options.acked === false) continue;
      if (offered === undefined) throw new Error(`${JSON.stringify(key)} is visible but was never offered`);
      if (sha1s.get(key) !== offered) throw new Error(`${JSON.stringify(key)} has sha1 ${sha1s.get(key)}, offered ${offered}`);
    }
    return { visible: keys.length };
  } finally {
    await close();
  }
}

export interface CrashReport {
  readonly backend: Backend;
  readonly seed: number;
  readonly trials: number;
  /** Trials killed before the child reported ready (during start-up or open). */
  readonly killedEarly: number;
  /** Texts acknowledged over all trials (each was verified present after every later kill of its store). */
  readonly acknowledged: number;
  /** Texts visible in the last store at the end. */
  readonly visible: number;
}

/** Trials per store before a fresh one is started. */
const SEGMENT = 25;

/**
 * `trials` writers, one after another, each SIGKILLed at a random point; the
 * store is verified after every kill. A store serves SEGMENT trials (it grows
 * across them, so later kills land in bigger files and in recovery paths), then
 * a fresh one is started in `dir`.
 */
export async function crashTrials(backend: Backend, dir: string, trials: number, seed = crashSeed()): Promise<CrashReport> {
  const random = prng(seed);
  let log = newLog();
  let acknowledged = 0;
  let killedEarly = 0;
  let visible = 0;
  let store = dir;
  for (let trial = 0; trial < trials; trial++) {
    // A fresh store every SEGMENT trials keeps each verification small in long runs.
    if (trial % SEGMENT === 0) {
      acknowledged += log.acks.length;
      log = newLog();
      store = join(dir, `store-${trial / SEGMENT}`);
      mkdirSync(store, { recursive: true });
      await initBackend(backend, store);
    }
    const writer = startWriter(backend, store, 'w', 1_000_000, log);
    const early = random() < 0.2;
    if (trial % SEGMENT === 0) {
      // A store's first writer is let run to its first acknowledgement, so every store has some.
      while (log.acks.length === 0 && writer.child.exitCode === null) await sleep(5);
      await sleep(random() * 150);
    } else if (early) await sleep(30 + random() * 250);
    else {
      await writer.ready;
      await sleep(random() * 150);
    }
    if (!writer.log.ready) killedEarly++;
    writer.child.kill('SIGKILL');
    const code = await writer.exited;
    if (code !== null) throw new Error(`trial ${trial} (seed ${seed}): the writer exited by itself (${code}): ${log.stderr}`);
    try {
      visible = (await verifyStore(backend, store, log)).visible;
    } catch (err) {
      throw new Error(`${backend}, trial ${trial} (HARDENING_CRASH_SEED=${seed}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  const report: CrashReport = { backend, seed, trials, killedEarly, acknowledged: acknowledged + log.acks.length, visible };
  const reportDir = process.env['HARDENING_REPORT_DIR'];
  if (reportDir) appendFileSync(join(reportDir, 'crash.jsonl'), `${JSON.stringify(report)}\n`);
  return report;
}

/** One vitest case per backend: `crashTrials` on a fresh directory (CI count unless HARDENING_CRASH_TRIALS). */
export function crashTests(backends: readonly Backend[], ciTrials: number): void {
  beforeAll(ensureBuilt, 600_000);
  for (const backend of backends) {
    it(`${backend}: SIGKILLed writers lose nothing acknowledged and leave nothing half-written`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `vf-crash-${backend}-`));
      try {
        const trials = trialCount(ciTrials);
        const report = await crashTrials(backend, dir, trials);
        expect(report.trials).toBe(trials);
        expect(report.acknowledged).toBeGreaterThan(0);
        expect(report.visible).toBeGreaterThan(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 1_800_000);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ConcurrentReport {
  readonly backend: ConcurrentBackend;
  readonly rounds: number;
  readonly writers: number;
  readonly textsPerWriter: number;
  /** Times a writer found the lock held and waited. */
  readonly contentions: number;
  /** Whole-store reads made while the writers ran, and how many of them failed (typed errors). */
  readonly reads: number;
  readonly failedReads: readonly string[];
}

/**
 * `rounds` times: two writers add texts to one vf store at once (serialised by
 * its lock; each retries on `LockContention`) while this process reads the
 * whole store again and again. Afterwards every text of both is there.
 */
export async function concurrentRounds(backend: ConcurrentBackend, dir: string, rounds: number, textsPerWriter: number): Promise<ConcurrentReport> {
  const log = newLog();
  await initBackend(backend, dir);
  let reads = 0;
  const failedReads: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const writers = ['a', 'b'].map((id) => startWriter(backend, dir, `${id}${round}`, textsPerWriter, log));
    let running = true;
    const all = Promise.all(writers.map((w) => w.exited)).finally(() => {
      running = false;
    });
    while (running) {
      try {
        await verifyStore(backend, dir, log, { acked: false });
      } catch (err) {
        if (!(err instanceof VersionedFilesError)) throw err;
        failedReads.push(err.code);
      }
      reads++;
    }
    const codes = await all;
    if (codes.some((c) => c !== 0)) throw new Error(`a writer failed: ${log.stderr}`);
    await verifyStore(backend, dir, log);
  }
  const report: ConcurrentReport = { backend, rounds, writers: 2, textsPerWriter, contentions: log.contentions, reads, failedReads };
  const reportDir = process.env['HARDENING_REPORT_DIR'];
  if (reportDir) appendFileSync(join(reportDir, 'concurrent.jsonl'), `${JSON.stringify(report)}\n`);
  return report;
}

export interface PackRaceReport {
  readonly backend: PackLockedBackend;
  readonly rounds: number;
  readonly textsPerWriter: number;
  /** Rounds where the other writer was refused (`FileExists`, after waiting if the lock was held). */
  readonly refused: number;
  /** Racing reads that found no finished pack yet (`NoSuchFile` on its index), and reads of a whole pack. */
  readonly readsBeforePack: number;
  readonly readsOfPack: number;
  readonly failedReads: readonly string[];
}

/**
 * `rounds` times, in a fresh directory: two writers start on one raw knit pack
 * at once under `lockKnitPack`; one takes the lock and writes its pack, the
 * other waits for the lock, then finds the pack and writes nothing. Meanwhile
 * this process opens and reads the pack again and again: it is absent (its
 * index not yet written) or whole. Afterwards the pack holds every text of the
 * writer that wrote it and `check()` passes.
 */
export async function packWriterRounds(dir: string, rounds: number, textsPerWriter: number): Promise<PackRaceReport> {
  const backend: PackLockedBackend = 'knit-pack-locked';
  let refused = 0;
  let readsBeforePack = 0;
  let readsOfPack = 0;
  const failedReads: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const store = join(dir, `round-${round}`);
    mkdirSync(store, { recursive: true });
    const writers = ['a', 'b'].map((id) => startWriter(backend, store, id, textsPerWriter));
    let running = true;
    const all = Promise.all(writers.map((w) => w.exited)).finally(() => {
      running = false;
    });
    while (running) {
      try {
        await verifyStore(backend, store, newLog(), { acked: false });
        readsOfPack++;
      } catch (err) {
        if (err instanceof NoSuchFile) readsBeforePack++;
        else if (err instanceof VersionedFilesError) failedReads.push(err.code);
        else throw err;
      }
      await sleep(2);
    }
    const codes = await all;
    if (codes.some((c) => c !== 0)) throw new Error(`a writer failed: ${writers.map((w) => w.log.stderr).join('\n')}`);
    const written = writers.filter((w) => !w.log.refused);
    if (written.length !== 1) throw new Error(`round ${round}: ${written.length} writers wrote the pack, not 1`);
    const [winner] = written as [Writer];
    if (winner.log.acks.length !== textsPerWriter) throw new Error(`round ${round}: ${winner.log.acks.length} of ${textsPerWriter} texts acknowledged`);
    // The refused writer offered nothing, so every visible text must be the winner's.
    await verifyStore(backend, store, winner.log);
    refused++;
  }
  const report: PackRaceReport = { backend, rounds, textsPerWriter, refused, readsBeforePack, readsOfPack, failedReads };
  const reportDir = process.env['HARDENING_REPORT_DIR'];
  if (reportDir) appendFileSync(join(reportDir, 'concurrent.jsonl'), `${JSON.stringify(report)}\n`);
  return report;
}
