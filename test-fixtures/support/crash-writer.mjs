#!/usr/bin/env node
// A child process that writes texts into an on-disk store until it is killed
// or has written `count` texts: the subject of the crash-safety and
// concurrent-writer tests (packages/*/test/hardening/{crash,concurrent}.test.ts).
// It runs the built packages (dist/), as a real user would.
//
//   node crash-writer.mjs <backend> <dir> <writer-id> <count> [--init]
//   (--init makes an empty vf-layout store and exits)
//
// Backends:
//   knit-files      plain knit files, one `.knit`/`.kndx` pair (ConstantMapper), no lock
//   knit-annotated  annotated knit files, a pair per prefix (HashEscapedPrefixMapper), key length 2, no lock
//   weave-files     weave files (ConstantMapper), no lock
//   knit-locked     plain knit files (ConstantMapper) written in sessions under knit's opt-in
//                   LockDir (`lockKnitFiles`, lock `lock/` beside the files): each session takes
//                   the lock (waiting a little), adds a batch, releases; LockContention is retried
//   weave-locked    weave files (ConstantMapper) written in sessions under weave's opt-in LockDir
//                   (`lockWeaveFiles`), as knit-locked
//   knit-pack-locked
//                   a raw knit pack (`makePackFactory`, written once) under knit's opt-in LockDir
//                   (`lockKnitPack`, waiting up to 10 s): adds <count> texts, acks them once
//                   `finish()` returned; if an earlier writer's pack is there, says `exists`
//   vf-knit, vf-weave, vf-knit-pack, vf-groupcompress
//                   the `vf` store layout (marker, LockDir `lock/`, data/): each session
//                   takes the lock, adds a batch, closes; LockContention is retried
//
// Protocol on stdout, one line each, written synchronously so a kill loses at
// most the line being written:
//   ready
//   intent <key JSON> <sha1>   before a text is offered to the store
//   ack <key JSON>             after the store acknowledged it (the add, or the batch's close, returned)
//   contention                 the lock was held by another writer (retried)
//   exists                     (knit-pack-locked) another writer's pack is there: nothing written
//   done
import { writeSync } from 'node:fs';
import {
  ConstantMapper,
  HashEscapedPrefixMapper,
  LocalTransport,
  FileExists,
  LockContention,
  isHolderKnownDead,
  sha1OfChunks,
} from '@versionedfiles/core';
import { lockKnitFiles, lockKnitPack, makeFileFactory, makePackFactory } from '@versionedfiles/knit';
import { WeaveVersionedFiles, lockWeaveFiles } from '@versionedfiles/weave';
import { LOCK_NAME, initStore, openStore } from '@versionedfiles/cli';

const [backend, dir, writerId, countText] = process.argv.slice(2);
const count = Number(countText);
const BATCH = 3;

function say(line) {
  writeSync(1, `${line}\n`);
}

/** The text of version `i`: mostly shared lines, so stores keep deltas. */
function textFor(writer, i) {
  const lines = [];
  const n = 40 + (i % 13);
  for (let l = 0; l < n; l++) lines.push(new TextEncoder().encode(`${writer} line ${l} ${(l * 7 + i) % 9 === 0 ? `changed in ${i}` : 'as before'}\n`));
  return lines;
}

function keyFor(i) {
  const rev = `${writerId}-${i}`;
  return backend === 'knit-annotated' ? [`file-${i % 3}`, rev] : [rev];
}

/** Parents among the keys the store already has (weaves cannot hold ghosts). */
function parentsFor(i, present) {
  const parents = [];
  for (const j of [i - 1, i - 3]) {
    if (j < 0) continue;
    const key = keyFor(j);
    if (key.length === 2 && key[0] !== keyFor(i)[0]) continue;
    if (present.has(JSON.stringify(key))) parents.push(key);
  }
  return parents;
}

function rawStore() {
  const t = new LocalTransport(dir);
  switch (backend) {
    case 'knit-files':
      return makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 })(t);
    case 'knit-annotated':
      return makeFileFactory(true, new HashEscapedPrefixMapper(), { keyLength: 2 })(t);
    case 'weave-files':
      return new WeaveVersionedFiles(t, new ConstantMapper('texts'), { keyLength: 1 });
    default:
      return null;
  }
}

/** The first index this writer has not offered yet (earlier runs may have been killed). */
async function firstFree(vf) {
  const present = new Set([...(await vf.keys())].map((k) => JSON.stringify(k)));
  let i = 0;
  for (const k of present) {
    const rev = JSON.parse(k).at(-1);
    const m = /^(.*)-([0-9]+)$/.exec(rev);
    if (m && m[1] === writerId) i = Math.max(i, Number(m[2]) + 1);
  }
  return { present, next: i + Number(process.env.CRASH_WRITER_SKIP ?? 0) };
}

async function offer(vf, i, present) {
  const key = keyFor(i);
  const lines = textFor(writerId, i);
  say(`intent ${JSON.stringify(key)} ${sha1OfChunks(lines)}`);
  await vf.addLines(key, parentsFor(i, present), lines);
  present.add(JSON.stringify(key));
  return key;
}

async function runRaw(vf) {
  const { present, next } = await firstFree(vf);
  say('ready');
  for (let i = next; i < next + count; i++) say(`ack ${JSON.stringify(await offer(vf, i, present))}`);
}

/** Opens the vf layout for writing: breaks a lock whose holder died (a killed earlier run), retries a live one. */
async function openForWrite() {
  const t = new LocalTransport(dir);
  for (;;) {
    try {
      return await openStore(dir, { write: true });
    } catch (err) {
      if (!(err instanceof LockContention)) throw err;
      const holder = await t.peekLock(LOCK_NAME);
      if (holder !== null && isHolderKnownDead(holder)) {
        await t.breakLock(LOCK_NAME, holder);
        continue;
      }
      say('contention');
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
}

/** Sessions of BATCH texts: `open()` takes the lock and gives `{ vf, close }`; texts are acked once `close()` returned. */
async function runSessions(open) {
  let written = 0;
  let announced = false;
  while (written < count) {
    const session = await open();
    const { present, next } = await firstFree(session.vf);
    if (!announced) {
      say('ready');
      announced = true;
    }
    const batch = [];
    for (let i = next; i < next + BATCH && written < count; i++, written++) batch.push(await offer(session.vf, i, present));
    await session.close();
    for (const key of batch) say(`ack ${JSON.stringify(key)}`);
  }
}

/** A session under a package's opt-in lock (`lockKnitFiles`, `lockWeaveFiles`): waited for briefly (`waitMs`), then retried. */
function openLocked(lock, factory) {
  return async () => {
    const t = new LocalTransport(dir);
    for (;;) {
      try {
        const session = await lock(factory, t, { waitMs: 20, breakStale: true });
        return { vf: session.vf, close: () => session.release() };
      } catch (err) {
        if (!(err instanceof LockContention)) throw err;
        say('contention');
      }
    }
  };
}

const LOCKED = {
  'knit-locked': openLocked(lockKnitFiles, makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 })),
  'weave-locked': openLocked(lockWeaveFiles, (t) => new WeaveVersionedFiles(t, new ConstantMapper('texts'), { keyLength: 1 })),
};

/** One raw knit pack under knit's lock: all texts, then `finish()`; `exists` if an earlier writer's pack is there. */
async function writeLockedPack() {
  let session;
  try {
    session = await lockKnitPack(makePackFactory(true, true, 1), new LocalTransport(dir), { waitMs: 10_000, breakStale: true });
  } catch (err) {
    if (!(err instanceof FileExists)) throw err;
    say('exists');
    return;
  }
  say('ready');
  const present = new Set();
  const keys = [];
  for (let i = 0; i < count; i++) keys.push(await offer(session.vf, i, present));
  await session.finish();
  for (const key of keys) say(`ack ${JSON.stringify(key)}`);
}

const LAYOUTS = { 'vf-knit': 'knit', 'vf-weave': 'weave', 'vf-knit-pack': 'knit-pack', 'vf-groupcompress': 'groupcompress' };

if (process.argv[6] === '--init') {
  await (await initStore(dir, { format: LAYOUTS[backend], keyLength: 1 })).close();
} else {
  const raw = rawStore();
  if (raw) await runRaw(raw);
  else if (backend in LOCKED) await runSessions(LOCKED[backend]);
  else if (backend === 'knit-pack-locked') await writeLockedPack();
  else if (backend in LAYOUTS) await runSessions(openForWrite);
  else throw new Error(`unknown backend ${backend}`);
}
say('done');
