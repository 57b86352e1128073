// Crash safety of the `vf` store layout (lock directory, marker, data/) for
// each format it offers, knit packs included: sessions that take the lock, add
// a batch and close are SIGKILLed at random points (including while a killed
// predecessor's stale lock is broken and while a knit pack is being copied
// forward), then the store is reopened and verified.
// See test-fixtures/support/crash-harness.ts.
import { describe } from 'vitest';
import { crashTests } from '../../../../test-fixtures/support/crash-harness.js';

describe('vf stores survive SIGKILL', () => crashTests(['vf-knit', 'vf-weave', 'vf-knit-pack'], 15));
