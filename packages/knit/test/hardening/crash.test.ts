// Crash safety of knit files: writers SIGKILLed at random points (mid-append to
// the .knit, mid-append to the .kndx, between the two), then the store reopened
// and verified. See test-fixtures/support/crash-harness.ts.
import { describe } from 'vitest';
import { crashTests } from '../../../../test-fixtures/support/crash-harness.js';

describe('knit files survive SIGKILL', () => crashTests(['knit-files', 'knit-annotated'], 15));
