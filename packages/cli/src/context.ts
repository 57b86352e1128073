// What every subcommand receives: its parsed arguments, where to write, and
// the shared helpers for keys, text input, `--json` output and progress.
//
// Entry points: `Context`, `makeContext`, `parseKey`/`showKey`, `readInput`,
// `ProgressBar`.

import { createReadStream } from 'node:fs';
import { InvalidKey, concatBytes, utf8, validateKey, type Key, type Progress } from '@versionedfiles/core';
import { UsageError } from './errors.js';

export interface Streams {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

export type OptionValue = string | boolean | (string | boolean)[] | undefined;

export interface Context {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, OptionValue>>;
  /** The store directory: --store, else $VF_STORE, else the current directory. */
  readonly storeDir: string;
  readonly json: boolean;
  readonly streams: Streams;
  /** Text for people; suppressed under --json. */
  say(text: string): void;
  /** Raw bytes on stdout (texts, diffs, streams). */
  write(bytes: Uint8Array | string): Promise<void>;
  /** The one JSON document a command prints under --json. */
  emit(value: unknown): void;
  /** A progress callback drawing a bar on stderr when it is a terminal, else a no-op. */
  progress(label: string): ProgressBar;
  string(name: string): string | undefined;
  strings(name: string): string[];
  flag(name: string): boolean;
  /** The n-th positional, or a usage error naming it. */
  arg(n: number, name: string): string;
}

export function makeContext(
  positionals: readonly string[],
  values: Readonly<Record<string, OptionValue>>,
  streams: Streams,
  env: NodeJS.ProcessEnv,
): Context {
  const json = values['json'] === true;
  const quiet = values['quiet'] === true;
  const showProgress = !json && !quiet && streams.stderr.isTTY === true && env['VF_NO_PROGRESS'] === undefined;
  const string = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  return {
    positionals,
    values,
    storeDir: string('store') ?? (env['VF_STORE'] || '.'),
    json,
    streams,
    say(text) {
      if (!json && !quiet) streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    write(bytes) {
      return new Promise((resolve, reject) => {
        streams.stdout.write(bytes, (err) => (err ? reject(err) : resolve()));
      });
    },
    emit(value) {
      streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    progress(label) {
      return new ProgressBar(label, showProgress ? streams.stderr : null);
    },
    string,
    strings(name) {
      const v = values[name];
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
    },
    flag(name) {
      return values[name] === true;
    },
    arg(n, name) {
      const v = positionals[n];
      if (v === undefined) throw new UsageError(`missing ${name}`);
      return v;
    },
  };
}

/**
 * Keys on the command line: the key itself in a 1-element store; `PREFIX/NAME`
 * in a 2-element store, split at the last `/` (so a prefix may be a path,
 * as file ids are; names, like revision ids, hold no `/`).
 */
export function parseKey(text: string, keyLength: number): Key {
  let key: string[];
  if (keyLength === 1) {
    key = [text];
  } else {
    const slash = text.lastIndexOf('/');
    if (slash < 0) throw new InvalidKey([text], `this store's keys have two parts: write PREFIX/NAME`);
    key = [text.slice(0, slash), text.slice(slash + 1)];
  }
  return validateKey(key, { length: keyLength, forbidden: '\n\r \0\t', checkReserved: true });
}

export function showKey(key: Key): string {
  return key.join('/');
}

/** The whole of a file, or of stdin when `path` is undefined or `-`. */
export async function readInput(path: string | undefined, stdin: NodeJS.ReadableStream): Promise<Uint8Array> {
  const source = path === undefined || path === '-' ? stdin : createReadStream(path);
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(typeof chunk === 'string' ? utf8(chunk) : asBytes(chunk as Uint8Array));
  return concatBytes(chunks);
}

/** A one-line bar redrawn at most ten times a second; `null` output draws nothing. */
export class ProgressBar {
  #last = 0;
  #drawn = false;

  constructor(
    readonly label: string,
    private readonly out: NodeJS.WritableStream | null,
  ) {}

  readonly update: Progress = (event) => {
    if (this.out === null) return;
    const now = Date.now();
    if (now - this.#last < 100 && event.done !== event.total) return;
    this.#last = now;
    const width = 30;
    let bar = '';
    if (event.total !== null && event.total > 0) {
      const filled = Math.min(width, Math.round((event.done / event.total) * width));
      bar = ` [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${event.done}/${event.total}`;
    } else {
      bar = ` ${event.done}`;
    }
    this.out.write(`\r${this.label}: ${event.phase}${bar}\u001b[K`);
    this.#drawn = true;
  };

  done(): void {
    if (this.out !== null && this.#drawn) this.out.write('\r\u001b[K');
    this.#drawn = false;
  }
}

/** A Node Buffer as a plain Uint8Array view (no copy). */
export function asBytes(chunk: Uint8Array): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
