// The pack container ("Bazaar pack format 1 (introduced in 0.18)").
//
// A container is a format line, a run of records, and an end marker:
//
//   "Bazaar pack format 1 (introduced in 0.18)\n"
//   ( "B" LENGTH "\n" ( NAME ("\0" NAME)* "\n" )* "\n" BODY{LENGTH} )*
//   "E"
//
// Each record is a byte body with zero or more names; a name is a tuple of
// byte strings without whitespace or NUL, written joined by NUL.
//
// Entry points, by layer:
// - writing: `containerBegin`, `containerEnd`, `bytesRecordHeader`,
//   `bytesRecord` (pure), and `ContainerWriter` (tracks offsets the way
//   Breezy's does: each record's `(offset, length)` covers header and body);
// - reading a stream: `ContainerPushParser` — feed it bytes as they arrive
//   with `accept`, take parsed records with `readPendingRecords`; it never
//   does IO and never allocates more than it was given; `iterContainerRecords`
//   drives it from an async byte source;
// - random access: `parseBytesRecord` decodes the bytes at one record's
//   `(offset, length)`, as Breezy's `make_readv_reader` does.

import { concatBytes, fromUtf8Strict, utf8 } from '@versionedfiles/core';
import { BadContainerFormat, BadContainerRecord, ContainerTruncated } from '../errors.js';

export const CONTAINER_FORMAT_LINE = 'Bazaar pack format 1 (introduced in 0.18)';
const FORMAT_BYTES = utf8(`${CONTAINER_FORMAT_LINE}\n`);
/** Length of the container prelude; the first record starts here. */
export const CONTAINER_PRELUDE_LENGTH = FORMAT_BYTES.length;

/** A record name: a tuple of strings, UTF-8 on disk, none containing whitespace or NUL. */
export type RecordName = readonly string[];

export interface ContainerRecord {
  readonly names: readonly RecordName[];
  readonly body: Uint8Array;
}

/** Where a record sits in its container: the span covers the record header and body. */
export interface RecordSpan {
  readonly offset: number;
  readonly length: number;
}

const NL = 0x0a;
const NUL = 0x00;
/** Longest length or name line we accept; real ones are a few hundred bytes. */
export const MAX_CONTAINER_LINE = 64 * 1024;

function isNameWhitespace(c: number): boolean {
  // Python's bytes whitespace set as Breezy's _check_name uses it, plus NUL (the separator).
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === NUL;
}

function checkNameElement(element: string, where: string): Uint8Array {
  const bytes = utf8(element);
  for (const c of bytes) {
    if (isNameWhitespace(c)) throw new BadContainerRecord(where, `${JSON.stringify(element)} is not a valid name`);
  }
  return bytes;
}

// -- writing ------------------------------------------------------------------

export function containerBegin(): Uint8Array {
  return FORMAT_BYTES.slice();
}

export function containerEnd(): Uint8Array {
  return Uint8Array.of(0x45); // 'E'
}

/** The header of a bytes record of `length` body bytes with the given names. */
export function bytesRecordHeader(length: number, names: readonly RecordName[]): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad record length ${length}`);
  const parts: Uint8Array[] = [utf8(`B${length}\n`)];
  for (const name of names) {
    if (name.length === 0 || (name.length === 1 && name[0] === '')) {
      // An empty name line would end the name list.
      throw new BadContainerRecord('writing', 'a record name must not be empty');
    }
    name.forEach((element, i) => {
      if (i > 0) parts.push(Uint8Array.of(NUL));
      parts.push(checkNameElement(element, 'writing'));
    });
    parts.push(Uint8Array.of(NL));
  }
  parts.push(Uint8Array.of(NL));
  return concatBytes(parts);
}

/** The length of a whole bytes record of `length` body bytes with the given names. */
export function bytesRecordLength(length: number, names: readonly RecordName[] = []): number {
  return bytesRecordHeader(length, names).length + length;
}

/** A whole bytes record: header then body. */
export function bytesRecord(body: Uint8Array, names: readonly RecordName[] = []): Uint8Array {
  return concatBytes([bytesRecordHeader(body.length, names), body]);
}

/**
 * Writes a container through a sink, tracking offsets. `addBytesRecord`
 * returns the record's span, which `parseBytesRecord` reads back.
 */
export class ContainerWriter {
  readonly #write: (chunk: Uint8Array) => void;
  #offset = 0;
  #records = 0;

  constructor(write: (chunk: Uint8Array) => void) {
    this.#write = write;
  }

  get currentOffset(): number {
    return this.#offset;
  }

  get recordsWritten(): number {
    return this.#records;
  }

  begin(): void {
    this.#emit(containerBegin());
  }

  end(): void {
    this.#emit(containerEnd());
  }

  addBytesRecord(body: Uint8Array | readonly Uint8Array[], names: readonly RecordName[] = []): RecordSpan {
    const chunks = body instanceof Uint8Array ? [body] : body;
    let length = 0;
    for (const c of chunks) length += c.length;
    const offset = this.#offset;
    this.#emit(bytesRecordHeader(length, names));
    for (const c of chunks) if (c.length > 0) this.#emit(c);
    this.#records += 1;
    return { offset, length: this.#offset - offset };
  }

  #emit(chunk: Uint8Array): void {
    this.#write(chunk);
    this.#offset += chunk.length;
  }
}

// -- parsing --------------------------------------------------------------------

/** Parses a decimal length line strictly: digits only, a safe integer. */
function parseLength(line: Uint8Array, where: string): number {
  if (line.length === 0 || line.length > 15) {
    throw new BadContainerRecord(where, `${JSON.stringify(latin(line))} is not a valid length`);
  }
  let n = 0;
  for (const c of line) {
    if (c < 0x30 || c > 0x39) throw new BadContainerRecord(where, `${JSON.stringify(latin(line))} is not a valid length`);
    n = n * 10 + (c - 0x30);
  }
  return n;
}

function parseName(line: Uint8Array, where: string): RecordName {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nul = line.indexOf(NUL, start);
    const part = line.subarray(start, nul < 0 ? line.length : nul);
    for (const c of part) {
      if (isNameWhitespace(c)) throw new BadContainerRecord(where, `${JSON.stringify(latin(line))} is not a valid name`);
    }
    const text = fromUtf8Strict(part);
    if (text === null) throw new BadContainerRecord(where, 'a record name is not valid UTF-8');
    out.push(text);
    if (nul < 0) return out;
    start = nul + 1;
  }
}

function latin(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(0, 80));
}

type ParserState = 'format' | 'type' | 'length' | 'names' | 'body' | 'done';

/**
 * A push parser for container format 1. It buffers only what it is given and
 * hands out records whole, in order. Call `end()` when the input is exhausted
 * to learn whether the container was complete.
 */
export class ContainerPushParser {
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #consumed = 0; // bytes of input before #buf[#start]
  #state: ParserState = 'format';
  #length = 0;
  #names: RecordName[] = [];
  #pending: ContainerRecord[] = [];

  /** True once the end marker has been read. */
  get finished(): boolean {
    return this.#state === 'done';
  }

  /** How many bytes the parser would like next (at least 16 KiB, or the rest of the body in hand). */
  readSizeHint(): number {
    const hint = 16384;
    if (this.#state !== 'body') return hint;
    return Math.max(hint, this.#length - (this.#end - this.#start));
  }

  /** Feeds bytes; parses as many records as they complete. */
  accept(chunk: Uint8Array): void {
    if (this.#state === 'done') {
      if (chunk.length > 0) throw new BadContainerRecord(this.#where(), 'container has data after its end marker');
      return;
    }
    this.#append(chunk);
    while (this.#step()) {
      /* keep parsing while progress is made */
    }
  }

  /** Takes the records parsed so far (at most `max` when given). */
  readPendingRecords(max?: number): ContainerRecord[] {
    if (max !== undefined && max > 0 && max < this.#pending.length) return this.#pending.splice(0, max);
    const out = this.#pending;
    this.#pending = [];
    return out;
  }

  /** Declares the input complete: throws `ContainerTruncated` unless the end marker was seen. */
  end(): void {
    if (this.#state !== 'done') throw new ContainerTruncated(this.#where());
  }

  #where(): string {
    return `at byte ${this.#consumed}`;
  }

  #append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const live = this.#end - this.#start;
    if (this.#end + chunk.length > this.#buf.length) {
      if (live + chunk.length <= this.#buf.length && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(live + chunk.length, this.#buf.length * 2, 4096));
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    this.#consumed += n;
    return out;
  }

  /** The next line without its newline, or null when it has not fully arrived. */
  #line(): Uint8Array | null {
    const view = this.#buf.subarray(this.#start, this.#end);
    const nl = view.indexOf(NL);
    if (nl < 0) {
      if (view.length > MAX_CONTAINER_LINE) throw new BadContainerRecord(this.#where(), 'line too long');
      return null;
    }
    if (nl > MAX_CONTAINER_LINE) throw new BadContainerRecord(this.#where(), 'line too long');
    const line = this.#take(nl + 1);
    return line.subarray(0, nl);
  }

  #step(): boolean {
    switch (this.#state) {
      case 'format': {
        const line = this.#line();
        if (line === null) {
          // A prefix that can no longer become the format line is an error now.
          const have = this.#buf.subarray(this.#start, this.#end);
          for (let i = 0; i < have.length && i < FORMAT_BYTES.length; i++) {
            if (have[i] !== FORMAT_BYTES[i]) throw new BadContainerFormat(this.#where(), latin(have));
          }
          return false;
        }
        if (line.length !== FORMAT_BYTES.length - 1 || line.some((c, i) => c !== FORMAT_BYTES[i])) {
          throw new BadContainerFormat(this.#where(), latin(line));
        }
        this.#state = 'type';
        return true;
      }
      case 'type': {
        if (this.#end === this.#start) return false;
        const kind = this.#buf[this.#start] as number;
        if (kind === 0x42) {
          this.#take(1);
          this.#state = 'length';
          return true;
        }
        if (kind === 0x45) {
          this.#take(1);
          this.#state = 'done';
          if (this.#end > this.#start) throw new BadContainerRecord(this.#where(), 'container has data after its end marker');
          return false;
        }
        throw new BadContainerRecord(this.#where(), `unknown record type ${JSON.stringify(String.fromCharCode(kind))}`);
      }
      case 'length': {
        const line = this.#line();
        if (line === null) return false;
        this.#length = parseLength(line, this.#where());
        this.#names = [];
        this.#state = 'names';
        return true;
      }
      case 'names': {
        const line = this.#line();
        if (line === null) return false;
        if (line.length === 0) this.#state = 'body';
        else this.#names.push(parseName(line, this.#where()));
        return true;
      }
      case 'body': {
        if (this.#end - this.#start < this.#length) return false;
        this.#pending.push({ names: this.#names, body: this.#take(this.#length) });
        this.#names = [];
        this.#state = 'type';
        return true;
      }
      case 'done':
        return false;
    }
  }
}

/**
 * Parses a container as its bytes arrive from any async source (a socket, a
 * file stream), yielding each record once it is complete. Throws
 * `ContainerTruncated` if the source ends before the end marker.
 */
export async function* iterContainerRecords(source: AsyncIterable<Uint8Array>): AsyncIterable<ContainerRecord> {
  const parser = new ContainerPushParser();
  for await (const chunk of source) {
    parser.accept(chunk);
    yield* parser.readPendingRecords();
    if (parser.finished) break;
  }
  parser.end();
}

/** Parses a whole container held in memory, checking it is complete and has nothing after the end marker. */
export function parseContainer(bytes: Uint8Array): ContainerRecord[] {
  const parser = new ContainerPushParser();
  parser.accept(bytes);
  parser.end();
  return parser.readPendingRecords();
}

/**
 * Checks a container the way Breezy's `ContainerReader.validate` does: names
 * are valid and no name appears twice.
 */
export function validateContainer(bytes: Uint8Array): void {
  const seen = new Set<string>();
  for (const record of parseContainer(bytes)) {
    for (const name of record.names) {
      const id = name.join('\u0000');
      if (seen.has(id)) throw new BadContainerRecord('validate', `duplicate record name ${JSON.stringify(name)}`);
      seen.add(id);
    }
  }
}

/**
 * Decodes the bytes of one record as read at the span `ContainerWriter` gave:
 * the header and exactly the declared body length, nothing more or less.
 */
export function parseBytesRecord(bytes: Uint8Array, where = 'record'): ContainerRecord {
  if (bytes.length === 0 || bytes[0] !== 0x42) {
    throw new BadContainerRecord(where, bytes.length === 0 ? 'empty record' : 'not a bytes record');
  }
  let pos = 1;
  const nextLine = (): Uint8Array => {
    const nl = bytes.indexOf(NL, pos);
    if (nl < 0) throw new ContainerTruncated(where, 'record header is truncated');
    const line = bytes.subarray(pos, nl);
    pos = nl + 1;
    return line;
  };
  const length = parseLength(nextLine(), where);
  const names: RecordName[] = [];
  for (;;) {
    const line = nextLine();
    if (line.length === 0) break;
    names.push(parseName(line, where));
  }
  const have = bytes.length - pos;
  if (have < length) throw new ContainerTruncated(where, `record body has ${have} of ${length} bytes`);
  if (have > length) throw new BadContainerRecord(where, `record span holds ${have - length} bytes beyond the body`);
  return { names, body: bytes.subarray(pos) };
}
