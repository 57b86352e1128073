// The `.kndx` index of a knit file: a text file, one line per record.
//
//   # bzr knit index 8 LF
//   LF <version-id> SP <options> SP <offset> SP <length> SP <parents> SP :
//
// `options` is a comma list holding `fulltext` or `line-delta`, and `no-eol`
// when the text's last line has no LF. `offset`/`length` locate the record's
// gzip member in the `.knit` file. Each parent is either a decimal, the
// position (0-based, by first appearance) of an earlier version id in this
// index, or `.` followed by the version id itself (a ghost, or one not yet
// indexed). Lines start with LF so that a line cut short by a crash stays on a
// line of its own; a line whose last field is not `:` is ignored. A version
// listed twice takes the later line's details but keeps its first position.
//
// Entry points: `KNDX_HEADER`, `parseKndx` (bytes to `KndxState`),
// `KndxState` (the parsed index; `add` and `encodeLine` for appends).

import { fromUtf8, latin1, utf8 } from '@versionedfiles/core';
import { KnitCorrupt } from './errors.js';
import { parseDecimal, splitFields } from './fields.js';

export const KNDX_HEADER: Uint8Array = utf8('# bzr knit index 8\n');

export type KnitMethod = 'fulltext' | 'line-delta';

export interface KndxRecord {
  readonly versionId: string;
  readonly options: readonly string[];
  readonly pos: number;
  readonly size: number;
  readonly parents: readonly string[];
}

export interface KndxEntry extends KndxRecord {
  /** Position of the version's first line in the index: what parent references use. */
  readonly index: number;
}

/** The method a record's options name; null when they name none. */
export function methodOf(options: readonly string[]): KnitMethod | null {
  if (options.includes('fulltext')) return 'fulltext';
  if (options.includes('line-delta')) return 'line-delta';
  return null;
}

export class KndxState {
  readonly history: string[] = [];
  readonly entries = new Map<string, KndxEntry>();

  get(versionId: string): KndxEntry | undefined {
    return this.entries.get(versionId);
  }

  add(record: KndxRecord): void {
    const existing = this.entries.get(record.versionId);
    let index: number;
    if (existing === undefined) {
      index = this.history.length;
      this.history.push(record.versionId);
    } else {
      index = existing.index;
    }
    this.entries.set(record.versionId, { ...record, index });
  }

  /** Parent references: positions for indexed versions, `.id` for others. */
  compressParents(parents: readonly string[]): string {
    return parents
      .map((p) => {
        const entry = this.entries.get(p);
        return entry === undefined ? `.${p}` : String(entry.index);
      })
      .join(' ');
  }

  /** The index line for `record` (with its leading LF); call before `add`. */
  encodeLine(record: KndxRecord): Uint8Array {
    return utf8(
      `\n${record.versionId} ${record.options.join(',')} ${record.pos} ${record.size} ${this.compressParents(record.parents)} :`,
    );
  }

  clone(): KndxState {
    const copy = new KndxState();
    copy.history.push(...this.history);
    for (const [k, v] of this.entries) copy.entries.set(k, v);
    return copy;
  }
}


/** Parses a whole `.kndx` file. An empty file is an empty index. */
export function parseKndx(bytes: Uint8Array, file = ''): KndxState {
  const state = new KndxState();
  if (bytes.length === 0) return state;
  const headerEnd = bytes.indexOf(0x0a);
  const header = bytes.subarray(0, headerEnd < 0 ? bytes.length : headerEnd + 1);
  if (latin1(header) !== latin1(KNDX_HEADER)) {
    throw new KnitCorrupt(`bad knit index header ${JSON.stringify(fromUtf8(header))}`, { file });
  }
  let start = header.length;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const fields = splitFields(bytes.subarray(start, end));
    start = end + 1;
    if (fields.length < 5 || latin1(fields[fields.length - 1] as Uint8Array) !== ':') continue;
    const versionId = fromUtf8(fields[0] as Uint8Array);
    const where = { key: [versionId], file };
    const parents: string[] = [];
    for (let i = 4; i < fields.length - 1; i++) {
      const field = fields[i] as Uint8Array;
      if (field[0] === 0x2e) {
        parents.push(fromUtf8(field.subarray(1)));
      } else {
        const n = parseDecimal(field);
        const parent = n === null ? undefined : state.history[n];
        if (parent === undefined) throw new KnitCorrupt(`bad parent reference ${JSON.stringify(latin1(field))}`, where);
        parents.push(parent);
      }
    }
    const pos = parseDecimal(fields[2] as Uint8Array);
    if (pos === null) throw new KnitCorrupt(`invalid position ${JSON.stringify(latin1(fields[2] as Uint8Array))}`, where);
    const size = parseDecimal(fields[3] as Uint8Array);
    if (size === null) throw new KnitCorrupt(`invalid size ${JSON.stringify(latin1(fields[3] as Uint8Array))}`, where);
    const options = latin1(fields[1] as Uint8Array).split(',');
    state.add({ versionId, options, pos, size, parents });
  }
  return state;
}
