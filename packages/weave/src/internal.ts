// Package-private access to weaves: what this package's stores may do that
// callers outside it may not. Not exported from the package index.
//
// `addCheckedText` adds a version whose lines, text and sha1 the caller has
// already checked (a store's `ValidatedText`), so they are not checked twice.
// `Weave`'s static block fills it in, since only the class sees its fields.

import type { Weave, WeaveAddOptions, WeaveAddResult } from './weave.js';

/** Lines that passed Breezy's checks, with their whole text (the weave's own copy) and its sha1. */
export interface CheckedText {
  readonly lines: readonly Uint8Array[];
  readonly text: Uint8Array;
  readonly sha1: string;
  /** Each line ends in its only newline, but perhaps the last, which is not empty. */
  readonly proper: boolean;
}

export const weaveInternals: {
  addCheckedText: (
    weave: Weave,
    name: string,
    parents: readonly string[],
    checked: CheckedText,
    options: WeaveAddOptions,
  ) => WeaveAddResult;
} = {
  addCheckedText: () => {
    throw new Error('weave.ts not loaded');
  },
};
