// Byte helpers shared by every codec: UTF-8, concatenation, comparison and the
// line model. Texts are `Uint8Array`; a line keeps its trailing `\n`; only the
// last line of a text may lack one (Breezy's "noeol").
//
// Entry points: `utf8`, `fromUtf8`, `concatBytes`, `bytesEqual`, `splitLines`,
// `chunksToLines`, `linesAreLines`, `toHex`.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
const NL = 0x0a;

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, replacing invalid sequences. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Decodes UTF-8 or returns null when the bytes are not valid UTF-8. */
export function fromUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Latin-1 view of bytes: one char per byte, for parsers that split on ASCII. */
export function latin1(bytes: Uint8Array): string {
  let out = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + CHUNK)));
  }
  return out;
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** memcmp order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Splits a text into lines, each keeping its `\n`; views into `text`, no copies. */
export function splitLines(text: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf(NL, start);
    if (nl < 0) break;
    lines.push(text.subarray(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.subarray(start));
  return lines;
}

/** True when every chunk is one line: non-empty, a single `\n` at its end, only the last may lack it. */
export function linesAreLines(chunks: readonly Uint8Array[]): boolean {
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i] as Uint8Array;
    if (c.length === 0) return false;
    const nl = c.indexOf(NL);
    if (nl >= 0 && nl !== c.length - 1) return false;
    if (nl < 0 && i !== chunks.length - 1) return false;
  }
  return true;
}

/** Re-splits arbitrary chunks into lines; returns the input when it already is lines. */
export function chunksToLines(chunks: readonly Uint8Array[]): readonly Uint8Array[] {
  if (linesAreLines(chunks)) return chunks;
  return splitLines(concatBytes(chunks));
}

export function totalLength(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}
