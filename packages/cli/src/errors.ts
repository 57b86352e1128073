// How the `vf` command reports failure: one line on stderr that says what went
// wrong and what to do, and an exit code a script can switch on.
//
// Entry points: `UsageError` (bad command line), `CheckFailed`, `describeError(err)`
// (message, hint and exit code for anything thrown), and `EXIT` (the codes).

import { CorruptData, VersionedFilesError } from '@versionedfiles/core';

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  keyNotPresent: 4,
  corrupt: 5,
  conflict: 6,
  badInput: 7,
  unsupported: 8,
  limit: 9,
  io: 10,
  aborted: 130,
} as const;

export class UsageError extends VersionedFilesError {
  readonly code = 'UsageError' as const;
  constructor(message: string) {
    super(message, {});
  }
}

/** `vf check` (or a restore's verification) found a problem. */
export class CheckFailed extends VersionedFilesError {
  readonly code = 'CheckFailed' as const;
  constructor(message: string) {
    super(message, {});
  }
}

interface Rule {
  readonly exit: number;
  readonly hint: string;
}

/** What to say and which code to exit with, per error code. */
const RULES: Readonly<Record<string, Rule>> = {
  UsageError: { exit: EXIT.usage, hint: 'run `vf help` for usage' },
  NotAStore: { exit: EXIT.notFound, hint: 'create one with `vf init DIR`, or point at one with --store DIR' },
  NoSuchFile: { exit: EXIT.notFound, hint: 'check the path' },
  RevisionNotPresent: { exit: EXIT.keyNotPresent, hint: 'list the keys with `vf log`' },
  AbsentContent: { exit: EXIT.keyNotPresent, hint: 'list the keys with `vf log`' },
  RevisionAlreadyPresent: { exit: EXIT.conflict, hint: 'choose a new key' },
  ExistingContent: { exit: EXIT.conflict, hint: 'the text is already stored' },
  FileExists: { exit: EXIT.conflict, hint: 'choose another path, or remove it first' },
  LockContention: { exit: EXIT.conflict, hint: 'another vf is writing this store; retry when it is done' },
  LockNotHeld: { exit: EXIT.conflict, hint: 'the lock was broken by someone else; retry' },
  InvalidKey: { exit: EXIT.badInput, hint: 'keys are KEY (or PREFIX/KEY in a 2-element store), no spaces or newlines' },
  ReservedId: { exit: EXIT.badInput, hint: 'keys ending in ":" are reserved; choose another' },
  BadParameterContainsNewline: { exit: EXIT.badInput, hint: 'keys cannot contain newlines' },
  BadParameterNotBytes: { exit: EXIT.badInput, hint: 'texts must be bytes' },
  FallbackCycle: { exit: EXIT.badInput, hint: 'a store cannot stack on itself' },
  MissingCompressionParent: { exit: EXIT.corrupt, hint: 'the stream lacks a delta basis; send it with its parents' },
  InvalidChecksum: { exit: EXIT.corrupt, hint: 'the data is damaged; restore it from a copy' },
  ShortRead: { exit: EXIT.corrupt, hint: 'the file is truncated; restore it from a copy' },
  UnsupportedFormat: { exit: EXIT.unsupported, hint: 'this file or store is in a format vf cannot read' },
  UnsupportedOperation: { exit: EXIT.unsupported, hint: 'this store cannot do that; `vf convert` it to another format' },
  UnavailableRepresentation: { exit: EXIT.unsupported, hint: 'this store cannot do that; `vf convert` it to another format' },
  ReadOnlyError: { exit: EXIT.unsupported, hint: 'the store is read only' },
  LimitExceeded: { exit: EXIT.limit, hint: 'the input is larger than vf accepts' },
  PathOutsideRoot: { exit: EXIT.badInput, hint: 'the path leaves the store directory' },
  TransportError: { exit: EXIT.io, hint: 'check permissions and free space' },
  CheckFailed: { exit: EXIT.failure, hint: 'the store is damaged; restore it from a copy' },
  Aborted: { exit: EXIT.aborted, hint: 'interrupted' },
};

const CORRUPT: Rule = { exit: EXIT.corrupt, hint: 'the data is damaged; restore it from a copy' };

export interface ErrorReport {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
  readonly exit: number;
}

/** One line: `vf: <message> (<hint>)`, with no newlines from the data inside. */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof VersionedFilesError) {
    const rule = RULES[err.code] ?? (err instanceof CorruptData ? CORRUPT : { exit: EXIT.failure, hint: 'see the message' });
    return { code: err.code, message: oneLine(err.message), hint: rule.hint, exit: rule.exit };
  }
  const sys = err as NodeJS.ErrnoException;
  if (sys && typeof sys.code === 'string') {
    if (sys.code === 'ENOENT') return { code: 'NoSuchFile', message: oneLine(sys.message), hint: 'check the path', exit: EXIT.notFound };
    if (sys.code === 'EPIPE') return { code: 'EPIPE', message: 'output closed', hint: 'the reader went away', exit: EXIT.ok };
    return { code: sys.code, message: oneLine(sys.message), hint: 'check permissions and free space', exit: EXIT.io };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'InternalError', message: oneLine(message), hint: 'this is a bug in vf; please report it', exit: EXIT.failure };
}

export function formatErrorLine(report: ErrorReport): string {
  return `vf: ${report.message} (${report.hint})`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 400 ? `${flat.slice(0, 397)}...` : flat;
}
