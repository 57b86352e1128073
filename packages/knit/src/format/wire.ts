// The knit storage kinds on the wire (Breezy's network record forms).
//
// `knit-ft-gz`, `knit-delta-gz`, `knit-annotated-ft-gz`, `knit-annotated-delta-gz`:
// one stored record as it is.
//
//   <kind> LF <key> LF <parents> LF <N or SP><gzip record bytes>
//
// `knit-delta-closure`: several texts with every record needed to build them.
//
//   knit-delta-closure LF <"annotated" or ""> LF <keys to emit> LF
//   then per record, concatenated:
//   <key> LF <parents> LF <method> LF <T or F> LF <basis key or ""> LF <byte count> LF <bytes>
//
// A key is its elements (UTF-8) joined by NUL; a key list is keys joined by
// TAB; parents are a key list, or `None:` when the store keeps no graph.
// `N`/`T` say the text has no final newline; `method` is `fulltext` or
// `line-delta`; the basis key names the record a delta applies to.
//
// Entry points: `KnitGzKind`, `encodeKnitWire`/`decodeKnitWire`,
// `DeltaClosure`, `encodeDeltaClosure`/`decodeDeltaClosure`,
// `encodeKey`/`encodeParents` and their decoders.

import { KeyMap, concatBytes, fromUtf8, latin1, utf8 } from '@versionedfiles/core';
import type { Key, Parents } from '@versionedfiles/core';
import { KnitCorrupt } from './errors.js';
import type { KnitMethod } from './kndx.js';
import { parseDecimal } from './fields.js';

export type KnitGzKind = 'knit-ft-gz' | 'knit-delta-gz' | 'knit-annotated-ft-gz' | 'knit-annotated-delta-gz';

export const KNIT_GZ_KINDS: readonly KnitGzKind[] = [
  'knit-ft-gz',
  'knit-delta-gz',
  'knit-annotated-ft-gz',
  'knit-annotated-delta-gz',
];

export function knitGzKind(annotated: boolean, method: KnitMethod): KnitGzKind {
  const body = method === 'fulltext' ? 'ft' : 'delta';
  return annotated ? (`knit-annotated-${body}-gz` as KnitGzKind) : (`knit-${body}-gz` as KnitGzKind);
}

export function isKnitGzKind(kind: string): kind is KnitGzKind {
  return (KNIT_GZ_KINDS as readonly string[]).includes(kind);
}

export function kindIsAnnotated(kind: KnitGzKind): boolean {
  return kind.startsWith('knit-annotated-');
}

export function kindMethod(kind: KnitGzKind): KnitMethod {
  return kind.includes('-ft-') ? 'fulltext' : 'line-delta';
}

export function encodeKey(key: Key): string {
  return key.join('\u0000');
}

export function encodeParents(parents: Parents): string {
  return parents === null ? 'None:' : parents.map(encodeKey).join('\t');
}

export function decodeKey(text: string): Key {
  return text.split('\u0000');
}

export function decodeParents(text: string): Parents {
  if (text === 'None:') return null;
  return text.split('\t').filter((s) => s.length > 0).map(decodeKey);
}

export interface KnitWireRecord {
  readonly kind: KnitGzKind;
  readonly key: Key;
  readonly parents: Parents;
  readonly noeol: boolean;
  /** The gzip record exactly as stored. */
  readonly raw: Uint8Array;
}

export function encodeKnitWire(record: KnitWireRecord): Uint8Array {
  const head = utf8(`${record.kind}\n${encodeKey(record.key)}\n${encodeParents(record.parents)}\n${record.noeol ? 'N' : ' '}`);
  return concatBytes([head, record.raw]);
}

/** Reads LF-terminated fields from a byte string, failing cleanly at its end. */
class FieldReader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  line(): Uint8Array {
    const nl = this.bytes.indexOf(0x0a, this.pos);
    if (nl < 0) throw new KnitCorrupt(`truncated ${this.what}`, { file: this.what });
    const out = this.bytes.subarray(this.pos, nl);
    this.pos = nl + 1;
    return out;
  }

  text(): string {
    return fromUtf8(this.line());
  }

  take(n: number): Uint8Array {
    if (n > this.bytes.length - this.pos) throw new KnitCorrupt(`truncated ${this.what}`, { file: this.what });
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }
}

export function decodeKnitWire(bytes: Uint8Array): KnitWireRecord {
  const r = new FieldReader(bytes, 'knit network record');
  const kind = latin1(r.line());
  if (!isKnitGzKind(kind)) throw new KnitCorrupt(`not a knit record kind: ${JSON.stringify(kind)}`, { file: 'knit network record' });
  const key = decodeKey(r.text());
  const parents = decodeParents(r.text());
  const flag = r.take(1)[0];
  return { kind, key, parents, noeol: flag === 0x4e, raw: bytes.subarray(r.pos) };
}

export interface ClosureComponent {
  readonly bytes: Uint8Array;
  readonly method: KnitMethod;
  readonly noeol: boolean;
  /** The record this one is a delta against; null for fulltexts. */
  readonly next: Key | null;
}

export interface DeltaClosure {
  readonly annotated: boolean;
  /** The texts the closure carries for its reader, in order. */
  readonly keys: readonly Key[];
  /** Parents of every component with a known graph entry. */
  readonly parents: KeyMap<Parents>;
  readonly components: KeyMap<ClosureComponent>;
}

export function encodeDeltaClosure(closure: DeltaClosure): Uint8Array {
  const chunks: Uint8Array[] = [
    utf8(`knit-delta-closure\n${closure.annotated ? 'annotated' : ''}\n${closure.keys.map(encodeKey).join('\t')}\n`),
  ];
  for (const [key, c] of closure.components) {
    const parents = closure.parents.get(key) ?? null;
    chunks.push(
      utf8(
        `${encodeKey(key)}\n${encodeParents(parents)}\n${c.method}\n${c.noeol ? 'T' : 'F'}\n` +
          `${c.next ? encodeKey(c.next) : ''}\n${c.bytes.length}\n`,
      ),
      c.bytes,
    );
  }
  return concatBytes(chunks);
}

export function decodeDeltaClosure(bytes: Uint8Array): DeltaClosure {
  const what = 'knit-delta-closure record';
  const r = new FieldReader(bytes, what);
  if (latin1(r.line()) !== 'knit-delta-closure') throw new KnitCorrupt('not a knit-delta-closure record', { file: what });
  const annotated = latin1(r.line()) === 'annotated';
  const keys = r.text().split('\t').filter((s) => s.length > 0).map(decodeKey);
  const parents = new KeyMap<Parents>();
  const components = new KeyMap<ClosureComponent>();
  while (!r.done) {
    const key = decodeKey(r.text());
    parents.set(key, decodeParents(r.text()));
    const method = latin1(r.line());
    if (method !== 'fulltext' && method !== 'line-delta') {
      throw new KnitCorrupt(`unknown method ${JSON.stringify(method)}`, { key, file: what });
    }
    const noeol = latin1(r.line()) === 'T';
    const nextText = r.text();
    const count = parseDecimal(r.line());
    if (count === null) throw new KnitCorrupt('bad byte count', { key, file: what });
    components.set(key, { bytes: r.take(count), method, noeol, next: nextText === '' ? null : decodeKey(nextText) });
  }
  for (const key of keys) {
    if (!components.has(key)) throw new KnitCorrupt('closure lacks a record for a key it lists', { key, file: what });
  }
  return { annotated, keys, parents, components };
}
