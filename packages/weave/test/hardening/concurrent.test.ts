// Weave files under weave's opt-in write lock (`lockWeaveFiles`): two
// processes writing one store serialise through the LockDir while this
// process reads the whole store again and again; afterwards every text of both
// is there and `check()` passes (unlocked, each add rewrites the whole weave,
// so one writer's put drops texts the other had acknowledged). A writer that
// does not wait gets LockContention and the store is unchanged; one that waits
// goes on once the holder releases, and builds on what the holder wrote.
// See test-fixtures/support/concurrent-locks.ts.
import { describe } from 'vitest';
import { ConstantMapper, PrefixMapper } from '@versionedfiles/core';
import { WeaveVersionedFiles, lockWeaveFiles } from '@versionedfiles/weave';
import { lockedStoreTests } from '../../../../test-fixtures/support/concurrent-locks.js';

describe('two writers, one set of weave files under lockWeaveFiles', () =>
  lockedStoreTests({
    backend: 'weave-locked',
    lock: lockWeaveFiles,
    factory: (t) => new WeaveVersionedFiles(t, new ConstantMapper('texts'), { keyLength: 1 }),
    prefixed: (t) => new WeaveVersionedFiles(t, new PrefixMapper(), { keyLength: 2 }),
  }));
