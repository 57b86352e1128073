// Crash safety of a groupcompress pack store on disk. `makePackFactory` keeps
// its index in memory (as Breezy's test factory does) and the 2a repository
// store reads only, so the persistent writable groupcompress store is the `vf
// groupcompress` layout: each session takes the LockDir, writes its texts
// into a new pack in `upload/`, finishes its B+Tree index, renames the pack
// into `packs/`, rewrites `pack-names` (atomically) to list it, and may
// combine small packs (autopack). Writers are SIGKILLed at
// random points of that (and while a killed predecessor's stale lock is
// broken), then the store is reopened and verified: it opens, `check()`
// passes, every acknowledged text is there with its sha1, nothing
// half-written is visible. See test-fixtures/support/crash-harness.ts.
import { describe } from 'vitest';
import { crashTests } from '../../../../test-fixtures/support/crash-harness.js';

describe('groupcompress pack stores survive SIGKILL', () => crashTests(['vf-groupcompress'], 20));
