// The README's demo (docs/examples/quickstart.mjs) runs and prints what it
// says. Importing it here runs it against the sources; `npm run demo` runs it
// against the built package.
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('docs/examples/quickstart.mjs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('adds, reads back, annotates and uses a fallback chain', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    await import('../../../docs/examples/quickstart.mjs');
    const text = out.join('\n');
    expect(text).toContain('added (hello.txt, rev-1): 12 bytes, sha1 5f5104c1244b84d3a57594460730866928a54b75');
    expect(text).toContain('adding (hello.txt, rev-1) twice: RevisionAlreadyPresent');
    expect(text).toContain('(hello.txt, rev-4) parents [(hello.txt, rev-2) (hello.txt, rev-3)]: "Hi there\\nbrave new world\\nthe end"');
    expect(text).toMatch(/rev-3 +\| "Hi there\\n"\nrev-2 +\| "brave new world\\n"\nrev-4 +\| "the end"/);
    expect(text).toContain('on its own it holds only (hello.txt, rev-5)');
    expect(text).toContain('(hello.txt, rev-9): absent everywhere');
    expect(text).toContain('annotating rev-5 across the chain: rev-3, rev-2, rev-5');
  });
});
