// Crash safety of weave files: writers SIGKILLed at random points, then the
// store reopened and verified. See test-fixtures/support/crash-harness.ts.
import { describe } from 'vitest';
import { crashTests } from '../../../../test-fixtures/support/crash-harness.js';

describe('weave files survive SIGKILL', () => crashTests(['weave-files'], 15));
