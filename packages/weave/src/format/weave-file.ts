// The weave v5 file: every version of one text, interleaved in one body.
//
// Layout (all lines end in `\n`):
//   `# bzr weave file v5`
//   per version, in index order: `i` or `i <parent indexes…>`, `1 <sha1 hex>`,
//     `n <name>`, then an empty line
//   `w`
//   the body: `. <line>` (a text line that ends in `\n`), `, <line>` (the one
//     text line without a final newline, followed by `\n`), `{ <v>` (insertion
//     by version v begins), `}` (the innermost insertion ends), `[ <v>` / `] <v>`
//     (deletion by version v begins / ends)
//   `W`
//
// Entry points: `parseWeave(bytes)` (strict: anything Breezy would not have
// written is a `WeaveFormatError`), `serializeWeave(contents)` (Breezy's exact
// bytes), the `WeaveContents` / `WeaveItem` / `WeaveInstruction` model, and
// `isTextLine` to tell body lines from instructions. `serializeWeaveIndexed`
// also says where each body item went, so `spliceSerializedWeave` can write
// the next version of a file by copying the old body around what was inserted.

import { CorruptData, fromUtf8Strict, utf8 } from '@versionedfiles/core';

/** A weave file (or weave structure) that breaks the format's rules. */
export class WeaveFormatError extends CorruptData {
  override readonly code: string = 'WeaveFormatError';
  constructor(how: string, where = '') {
    super('weave', how, where);
  }
}

/** `version` is null for `}`, which closes whatever insertion is innermost. */
export type WeaveInstruction =
  | { readonly op: '{' | '[' | ']'; readonly version: number }
  | { readonly op: '}'; readonly version: null };

/** One entry of the body: a text line (bytes) or an instruction. */
export type WeaveItem = Uint8Array | WeaveInstruction;

/** The whole content of a weave file, versions addressed by index. */
export interface WeaveContents {
  /** Direct parents of each version, as indexes of earlier versions. */
  readonly parents: readonly (readonly number[])[];
  /** Hex sha1 of each version's text. */
  readonly sha1s: readonly string[];
  /** Name (revision id) of each version. */
  readonly names: readonly string[];
  readonly body: readonly WeaveItem[];
}

export function isTextLine(item: WeaveItem): item is Uint8Array {
  return item instanceof Uint8Array;
}

export const END_INSERTION: WeaveInstruction = Object.freeze({ op: '}', version: null });

export function instruction(op: '{' | '[' | ']', version: number): WeaveInstruction {
  return { op, version };
}

const HEADER = '# bzr weave file v5\n';
const NL = 0x0a;
const SPACE = 0x20;

/** Breezy's exact bytes for a weave. */
export function serializeWeave(weave: WeaveContents): Uint8Array {
  return serializeWeaveIndexed(weave).bytes;
}

/**
 * A weave's file bytes with where its body starts and where each body item
 * starts (relative to the body; one entry more, where `W` starts), so it can
 * be re-serialized by splicing (`spliceSerializedWeave`) instead of from scratch.
 */
export interface SerializedWeave {
  readonly bytes: Uint8Array;
  readonly bodyStart: number;
  readonly itemOffsets: Uint32Array;
}

/** Items inserted before body position `at` of a serialized weave. */
export interface BodyInsertion {
  readonly at: number;
  readonly items: readonly WeaveItem[];
}

/** `serializeWeave`, keeping where the body items are. */
export function serializeWeaveIndexed(weave: WeaveContents): SerializedWeave {
  // The headers are few and short: build them as text. The body is most of
  // the file: size it exactly, then fill one buffer with no bounds checks.
  const head = headerBytes(weave);
  const body = weave.body;
  let size = head.length + 2;
  for (let i = 0; i < body.length; i++) size += itemSize(body[i] as WeaveItem);
  const out = new Uint8Array(size);
  const offsets = new Uint32Array(body.length + 1);
  head.write(out);
  let pos = head.length;
  for (let i = 0; i < body.length; i++) {
    offsets[i] = pos - head.length;
    pos = writeItem(out, pos, body[i] as WeaveItem);
  }
  offsets[body.length] = pos - head.length;
  out[pos] = 0x57; // W
  out[pos + 1] = NL;
  return { bytes: out, bodyStart: head.length, itemOffsets: offsets };
}

/**
 * The bytes of `previous` with new version headers (all of `headers`, whose
 * body is not read) and `insertions` spliced into its body: positions are
 * those of `previous`'s body, ascending; insertions at one position land in
 * the order given. The result equals `serializeWeaveIndexed` of the new
 * weave, at the cost of copying the old body in a few large pieces.
 */
export function spliceSerializedWeave(
  previous: SerializedWeave,
  headers: WeaveContents,
  insertions: readonly BodyInsertion[],
): SerializedWeave {
  const head = headerBytes(headers);
  const oldOffsets = previous.itemOffsets;
  const oldItems = oldOffsets.length - 1;
  const oldBody = previous.bytes.subarray(previous.bodyStart, previous.bodyStart + (oldOffsets[oldItems] as number));
  let size = head.length + oldBody.length + 2;
  let added = 0;
  for (const { items } of insertions) {
    added += items.length;
    for (const item of items) size += itemSize(item);
  }
  const out = new Uint8Array(size);
  const offsets = new Uint32Array(oldItems + added + 1);
  head.write(out);
  const base = head.length;
  let pos = base; // where the next byte goes
  let item = 0; // the next old item to copy
  let next = 0; // its index in the new body
  const copyOldUpTo = (end: number): void => {
    // Old items keep their bytes, moved by what was inserted before them.
    const shift = pos - base - (oldOffsets[item] as number);
    for (; item < end; item++, next++) offsets[next] = (oldOffsets[item] as number) + shift;
  };
  for (const { at, items } of insertions) {
    if (at < item || at > oldItems) throw new RangeError(`body insertion at ${at}: positions must ascend within 0..${oldItems}`);
    const from = oldOffsets[item] as number;
    copyOldUpTo(at);
    const to = oldOffsets[at] as number;
    out.set(oldBody.subarray(from, to), pos);
    pos += to - from;
    for (const it of items) {
      offsets[next++] = pos - base;
      pos = writeItem(out, pos, it);
    }
  }
  const from = oldOffsets[item] as number;
  copyOldUpTo(oldItems);
  out.set(oldBody.subarray(from), pos);
  pos += oldBody.length - from;
  offsets[next] = pos - base;
  out[pos] = 0x57; // W
  out[pos + 1] = NL;
  return { bytes: out, bodyStart: base, itemOffsets: offsets };
}

/** The version headers (through the `w` line) as bytes, written without an encoder when ASCII. */
function headerBytes(weave: WeaveContents): { readonly length: number; write(out: Uint8Array): void } {
  const text = headersText(weave);
  // Names are nearly always ASCII: then the text is its own bytes.
  if (NON_ASCII.test(text)) {
    const bytes = utf8(text);
    return { length: bytes.length, write: (out) => out.set(bytes) };
  }
  return {
    length: text.length,
    write: (out) => {
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    },
  };
}

/** The file up to and including the `w` line. */
function headersText(weave: WeaveContents): string {
  let text = HEADER;
  for (let v = 0; v < weave.parents.length; v++) {
    const parents = weave.parents[v] as readonly number[];
    text += parents.length > 0 ? `i ${parents.join(' ')}\n` : 'i\n';
    text += `1 ${weave.sha1s[v] as string}\nn ${weave.names[v] as string}\n\n`;
  }
  return text + 'w\n';
}

/** Bytes of one body item in the file. */
function itemSize(item: WeaveItem): number {
  if (isTextLine(item)) return item.length + (item.length > 0 && item[item.length - 1] === NL ? 2 : 3);
  return item.op === '}' ? 2 : 3 + decimalDigits(item.version);
}

const NON_ASCII = /[^\x00-\x7f]/;

// Shorter lines are copied byte by byte: cheaper than a call into `set`.
const SHORT_COPY = 24;

/** Writes one body item at `pos`; returns the position after it. */
function writeItem(out: Uint8Array, pos: number, item: WeaveItem): number {
  if (isTextLine(item)) {
    const n = item.length;
    const terminated = n > 0 && item[n - 1] === NL;
    out[pos++] = terminated ? 0x2e : 0x2c; // '.' or ','
    out[pos++] = SPACE;
    if (n < SHORT_COPY) for (let i = 0; i < n; i++) out[pos++] = item[i] as number;
    else {
      out.set(item, pos);
      pos += n;
    }
    if (!terminated) out[pos++] = NL;
    return pos;
  }
  if (item.op === '}') {
    out[pos] = 0x7d;
    out[pos + 1] = NL;
    return pos + 2;
  }
  out[pos] = item.op.charCodeAt(0);
  out[pos + 1] = SPACE;
  const end = pos + 2 + decimalDigits(item.version);
  for (let n = item.version, at = end - 1; at >= pos + 2; at--, n = Math.floor(n / 10)) out[at] = 0x30 + (n % 10);
  out[end] = NL;
  return end + 1;
}

function decimalDigits(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/**
 * Parses a weave file. Besides the syntax it checks what every later walk of
 * the body relies on: parents and instructions name existing versions (parents
 * only earlier ones), names are unique, insertions nest and close, deletions
 * pair up, and every text line sits inside an insertion.
 */
export function parseWeave(bytes: Uint8Array): WeaveContents {
  const reader = new LineReader(bytes);
  const header = reader.next();
  if (header === null) throw new WeaveFormatError('no header', 'at byte 0');
  if (!isAscii(header, HEADER)) throw new WeaveFormatError('invalid weave file header', 'at line 1');

  const parents: number[][] = [];
  const sha1s: string[] = [];
  const names: string[] = [];
  const seen = new Set<string>();
  for (;;) {
    const line = reader.expect();
    if (isAscii(line, 'w\n')) break;
    const v = parents.length;
    parents.push(parseParents(line, v, reader));
    sha1s.push(field(reader.expect(), '1', reader, 'sha1'));
    const nameLine = reader.expect();
    const name = decodeName(nameLine.subarray(2, nameLine.length - 1));
    if (!startsWith(nameLine, 'n ') || name === null) throw reader.error('bad name line');
    if (name.length === 0 || seen.has(name)) throw reader.error('empty or duplicate version name');
    seen.add(name);
    names.push(name);
    if (!isAscii(reader.expect(), '\n')) throw reader.error('missing blank line after version header');
  }

  const body: WeaveItem[] = [];
  const insertions: number[] = [];
  const deleting = new Uint8Array(parents.length);
  let openDeletions = 0;
  for (;;) {
    const line = reader.expect();
    const op = line[0];
    if (line.length >= 2 && line[1] === SPACE && (op === 0x2e || op === 0x2c)) {
      // `. ` keeps the newline as part of the text; `, ` drops it.
      if (insertions.length === 0) throw reader.error('text line outside any insertion');
      body.push(op === 0x2e ? line.subarray(2) : line.subarray(2, line.length - 1));
    } else if (isAscii(line, '}\n')) {
      if (insertions.pop() === undefined) throw reader.error('} without an open insertion');
      body.push(END_INSERTION);
    } else if (isAscii(line, 'W\n')) {
      break;
    } else if (op === 0x7b || op === 0x5b || op === 0x5d) {
      const version = parseIndex(line.subarray(2, line.length - 1), parents.length);
      if (line[1] !== SPACE || version === null) throw reader.error('bad instruction');
      if (op === 0x7b) {
        insertions.push(version);
        body.push(instruction('{', version));
      } else if (op === 0x5b) {
        if (deleting[version]) throw reader.error(`deletion by version ${version} opened twice`);
        deleting[version] = 1;
        openDeletions++;
        body.push(instruction('[', version));
      } else {
        if (!deleting[version]) throw reader.error(`deletion by version ${version} closed but not open`);
        deleting[version] = 0;
        openDeletions--;
        body.push(instruction(']', version));
      }
    } else {
      throw reader.error('unexpected line in weave body');
    }
  }
  if (insertions.length > 0) throw new WeaveFormatError('unclosed insertion blocks at end of weave');
  if (openDeletions > 0) throw new WeaveFormatError('unclosed deletion blocks at end of weave');
  if (reader.next() !== null) throw reader.error('data after the end of the weave');
  return { parents, sha1s, names, body };
}

function parseParents(line: Uint8Array, version: number, reader: LineReader): number[] {
  if (isAscii(line, 'i\n')) return [];
  if (!startsWith(line, 'i ')) throw reader.error('expected a version header (i) or the body (w)');
  const out: number[] = [];
  let start = 2;
  for (let i = 2; i < line.length; i++) {
    if (line[i] === SPACE || line[i] === NL) {
      const parent = parseIndex(line.subarray(start, i), version);
      if (parent === null) throw reader.error(`bad parent index for version ${version}`);
      out.push(parent);
      start = i + 1;
    }
  }
  return out;
}

function field(line: Uint8Array, tag: string, reader: LineReader, what: string): string {
  if (line.length < 3 || line[0] !== tag.charCodeAt(0) || line[1] !== SPACE) throw reader.error(`bad ${what} line`);
  for (let i = 2; i < line.length - 1; i++) {
    const c = line[i] as number;
    if (c < 0x21 || c > 0x7e) throw reader.error(`bad ${what} line`);
  }
  return asciiString(line.subarray(2, line.length - 1));
}

/** A version name: UTF-8, decoded without a TextDecoder when it is plain ASCII (the usual case). */
function decodeName(bytes: Uint8Array): string | null {
  if (bytes.length > 1024) return fromUtf8Strict(bytes);
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return fromUtf8Strict(bytes);
  return asciiString(bytes);
}

/** Short ASCII bytes as a string (callers bound the length). */
function asciiString(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** A decimal index below `limit`, or null. Bounded by `limit`, so never a huge number. */
function parseIndex(digits: Uint8Array, limit: number): number | null {
  if (digits.length === 0 || digits.length > 15) return null;
  let n = 0;
  for (let i = 0; i < digits.length; i++) {
    const c = digits[i] as number;
    if (c < 0x30 || c > 0x39) return null;
    n = n * 10 + (c - 0x30);
  }
  return n < limit ? n : null;
}

function isAscii(line: Uint8Array, text: string): boolean {
  if (line.length !== text.length) return false;
  return startsWith(line, text);
}

function startsWith(line: Uint8Array, text: string): boolean {
  if (line.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (line[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Splits on `\n` lazily; every line but a final unterminated one keeps its newline. */
class LineReader {
  #pos = 0;
  #lineNo = 0;
  constructor(private readonly bytes: Uint8Array) {}

  next(): Uint8Array | null {
    if (this.#pos >= this.bytes.length) return null;
    const nl = this.bytes.indexOf(NL, this.#pos);
    const end = nl < 0 ? this.bytes.length : nl + 1;
    const line = this.bytes.subarray(this.#pos, end);
    this.#pos = end;
    this.#lineNo++;
    return line;
  }

  /** The next complete line; a truncated file is an error. */
  expect(): Uint8Array {
    const line = this.next();
    if (line === null) throw new WeaveFormatError('unexpected end of file', `after line ${this.#lineNo}`);
    if (line[line.length - 1] !== NL) throw this.error('last line has no newline');
    return line;
  }

  error(how: string): WeaveFormatError {
    return new WeaveFormatError(how, `at line ${this.#lineNo}`);
  }
}
