// Global setup for the interop project: the live tests drive Breezy 3.3.2, so
// fail at once, with the fix, when it is missing rather than test by test.
import { breezyVersion } from './support/breezy.js';

export default function setup(): void {
  const version = breezyVersion();
  if (version === null) {
    throw new Error(
      'Interop tests need Breezy 3.3.2 at /usr/bin/python3: run `apt-get install -y python3-breezy` ' +
        '(or run only the unit project: `npx vitest run --project unit`).',
    );
  }
}
