// `vf inspect FILE`: a dump, record by record, of any file the backends write,
// for people debugging formats. The file's first bytes say what it is:
//
//   `# bzr knit index 8`             knit index (.kndx): one line per version
//   gzip magic 1f 8b                 knit data (.knit): one gzip member per record
//   `Bazaar pack format 1 ...`       pack container: records with their names;
//                                    bodies that are knit records or groupcompress
//                                    blocks are described too
//   `Bazaar Graph Index 1`           GraphIndex (.tix, .rix, .iix, ...)
//   `B+Tree Graph Index 2`           BTreeGraphIndex (2a's .cix, .rix, ...)
//   `# bzr weave file v5`            weave: version headers, then the body
//   `gcb1z`                          groupcompress block: its records
//
// Entry points: `inspect` (the command) and `inspectBytes(bytes, name)`, which
// returns the dump as data (the same objects `--json` prints).

import { readFile } from 'node:fs/promises';
import { UnsupportedFormat, gunzip, latin1, utf8, type Key } from '@versionedfiles/core';
import { blockRecords, parseBlock, GCB_ZLIB_HEADER, GCB_LZMA_HEADER } from '@versionedfiles/groupcompress';
import { KNDX_HEADER, decodeRecord, methodOf, parseKndx, parseRecordText, type KnitRecord } from '@versionedfiles/knit';
import { BTREE_SIGNATURE, BTreeGraphIndex, BytesRangeReader, CONTAINER_FORMAT_LINE, CONTAINER_PRELUDE_LENGTH, bytesRecordHeader, GRAPH_INDEX_SIGNATURE, GraphIndex, parseContainer } from '@versionedfiles/pack';
import { isTextLine, parseWeave } from '@versionedfiles/weave';
import type { Command } from '../command.js';
import { showKey } from '../context.js';

export type Dump =
  | { readonly kind: 'knit-index'; readonly versions: readonly KndxLine[] }
  | { readonly kind: 'knit-data'; readonly records: readonly KnitDataRecord[] }
  | { readonly kind: 'pack'; readonly records: readonly PackRecord[] }
  | { readonly kind: 'graph-index' | 'btree-index'; readonly referenceLists: number; readonly keyElements: number; readonly keyCount: number; readonly nodes: readonly IndexLine[] }
  | { readonly kind: 'weave'; readonly versions: readonly WeaveVersion[]; readonly body: readonly string[] }
  | { readonly kind: 'groupcompress-block'; readonly compressedLength: number; readonly contentLength: number; readonly records: readonly BlockLine[] };

export interface KndxLine {
  readonly version: string;
  readonly options: readonly string[];
  readonly method: string | null;
  readonly pos: number;
  readonly size: number;
  readonly parents: readonly string[];
}
export interface KnitDataRecord {
  readonly offset: number;
  readonly compressedLength: number;
  readonly version: string;
  readonly lines: number;
  readonly sha1: string;
}
export interface PackRecord {
  readonly index: number;
  /** Where the record's `B` is, and its length with header and body: the span indices store. */
  readonly offset: number;
  readonly spanLength: number;
  readonly names: readonly (readonly string[])[];
  readonly length: number;
  /** What the body holds, when vf recognises it. */
  readonly body: string;
}
export interface IndexLine {
  readonly key: Key;
  readonly value: string;
  readonly references: readonly (readonly Key[])[];
}
export interface WeaveVersion {
  readonly index: number;
  readonly name: string;
  readonly sha1: string;
  readonly parents: readonly number[];
}
export interface BlockLine {
  readonly offset: number;
  readonly kind: 'fulltext' | 'delta';
  readonly length: number;
}

function startsWith(bytes: Uint8Array, prefix: string | Uint8Array): boolean {
  const p = typeof prefix === 'string' ? utf8(prefix) : prefix;
  if (bytes.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (bytes[i] !== p[i]) return false;
  return true;
}

/** Bytes shown as text: printable ASCII as is, everything else as \xNN. */
function printable(bytes: Uint8Array): string {
  return latin1(bytes).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function knitHeader(record: KnitRecord): string {
  return `knit record: version ${record.versionId}, ${record.body.length} lines, sha1 ${record.sha1}`;
}

function describeBody(body: Uint8Array): string {
  if (startsWith(body, GCB_ZLIB_HEADER) || startsWith(body, GCB_LZMA_HEADER)) {
    const block = parseBlock(body);
    return `groupcompress block: ${block.contentLength} bytes of content in ${block.zContent.length} compressed, ${blockRecords(block.content()).length} records`;
  }
  if (body[0] === 0x1f && body[1] === 0x8b) return knitHeader(decodeRecord(body));
  return '';
}

async function indexNodes(reader: GraphIndex | BTreeGraphIndex): Promise<IndexLine[]> {
  const out: IndexLine[] = [];
  for await (const entry of reader.iterAllEntries()) out.push({ key: entry.key, value: printable(entry.value), references: entry.references });
  return out;
}

async function dumpIndex(kind: 'graph-index' | 'btree-index', reader: GraphIndex | BTreeGraphIndex): Promise<Dump> {
  const options = await reader.options();
  return { kind, referenceLists: options.referenceLists, keyElements: options.keyElements, keyCount: options.keyCount, nodes: await indexNodes(reader) };
}

export async function inspectBytes(bytes: Uint8Array, name: string): Promise<Dump> {
  if (startsWith(bytes, KNDX_HEADER)) {
    const state = parseKndx(bytes, name);
    const versions = state.history.map((v) => {
      const e = state.get(v);
      if (e === undefined) throw new Error('unreachable: a listed version has an entry');
      return { version: v, options: e.options, method: methodOf(e.options), pos: e.pos, size: e.size, parents: e.parents };
    });
    return { kind: 'knit-index', versions };
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const records: KnitDataRecord[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      const member = gunzip(bytes, { offset });
      const record = parseRecordText(member.data, { file: name });
      records.push({ offset, compressedLength: member.end - offset, version: record.versionId, lines: record.body.length, sha1: record.sha1 });
      offset = member.end;
    }
    return { kind: 'knit-data', records };
  }
  if (startsWith(bytes, `${CONTAINER_FORMAT_LINE}\n`)) {
    let offset = CONTAINER_PRELUDE_LENGTH;
    const records = parseContainer(bytes).map((r, index) => {
      const spanLength = bytesRecordHeader(r.body.length, r.names).length + r.body.length;
      const record = { index, offset, spanLength, names: r.names, length: r.body.length, body: describeBody(r.body) };
      offset += spanLength;
      return record;
    });
    return { kind: 'pack', records };
  }
  if (startsWith(bytes, GRAPH_INDEX_SIGNATURE)) return dumpIndex('graph-index', new GraphIndex(new BytesRangeReader(bytes, name)));
  if (startsWith(bytes, BTREE_SIGNATURE)) return dumpIndex('btree-index', new BTreeGraphIndex(new BytesRangeReader(bytes, name)));
  if (startsWith(bytes, '# bzr weave file v5\n')) {
    const weave = parseWeave(bytes);
    const versions = weave.names.map((n, i) => ({ index: i, name: n, sha1: weave.sha1s[i] ?? '', parents: weave.parents[i] ?? [] }));
    const body = weave.body.map((item) => (isTextLine(item) ? `. ${printable(item)}` : item.op === '}' ? '}' : `${item.op} ${item.version}`));
    return { kind: 'weave', versions, body };
  }
  if (startsWith(bytes, GCB_ZLIB_HEADER) || startsWith(bytes, GCB_LZMA_HEADER)) {
    const block = parseBlock(bytes, { source: name });
    const records = blockRecords(block.content(), { source: name }).map((r) => ({ offset: r.start, kind: r.kind, length: r.end - r.dataStart }));
    return { kind: 'groupcompress-block', compressedLength: block.zContent.length, contentLength: block.contentLength, records };
  }
  throw new UnsupportedFormat('file', `${name} is not a knit, pack, index, weave or groupcompress block (starts ${JSON.stringify(printable(bytes.subarray(0, 16)))})`);
}

/** The dump as lines of text. */
export function renderDump(dump: Dump): string[] {
  switch (dump.kind) {
    case 'knit-index':
      return [
        `knit index: ${dump.versions.length} versions`,
        ...dump.versions.map((v) => `${v.version}  ${v.options.join(',')}  pos ${v.pos} size ${v.size}  parents: ${v.parents.join(' ') || '(none)'}`),
      ];
    case 'knit-data':
      return [
        `knit data: ${dump.records.length} records`,
        ...dump.records.map((r) => `@${r.offset} +${r.compressedLength}  version ${r.version}  ${r.lines} lines  sha1 ${r.sha1}`),
      ];
    case 'pack':
      return [
        `pack container: ${dump.records.length} records`,
        ...dump.records.map((r) => `#${r.index} @${r.offset} +${r.spanLength}  names: ${r.names.map((n) => `(${n.join(', ')})`).join(' ') || '(none)'}  ${r.length} bytes${r.body ? `  ${r.body}` : ''}`),
      ];
    case 'graph-index':
    case 'btree-index':
      return [
        `${dump.kind === 'graph-index' ? 'graph index' : 'B+Tree graph index'}: ${dump.keyCount} keys of ${dump.keyElements} elements, ${dump.referenceLists} reference lists`,
        ...dump.nodes.map((n) => `${showKey(n.key)}  value "${n.value}"${n.references.map((l, i) => `  refs[${i}]: ${l.map(showKey).join(' ') || '-'}`).join('')}`),
      ];
    case 'weave':
      return [
        `weave v5: ${dump.versions.length} versions, ${dump.body.length} body items`,
        ...dump.versions.map((v) => `version ${v.index}  ${v.name}  sha1 ${v.sha1}  parents: ${v.parents.join(' ') || '(none)'}`),
        'body:',
        ...dump.body.map((b) => `  ${b}`),
      ];
    case 'groupcompress-block':
      return [
        `groupcompress block: ${dump.contentLength} bytes of content, ${dump.compressedLength} compressed, ${dump.records.length} records`,
        ...dump.records.map((r) => `@${r.offset}  ${r.kind}  ${r.length} bytes`),
      ];
  }
}

export const inspect: Command = {
  name: 'inspect',
  usage: 'inspect FILE',
  summary: 'dump a knit, kndx, pack, index, weave or groupcompress block record by record',
  async run(ctx) {
    const file = ctx.arg(0, 'FILE');
    const dump = await inspectBytes(new Uint8Array(await readFile(file)), file);
    if (ctx.json) {
      ctx.emit(dump);
      return;
    }
    for (const line of renderDump(dump)) ctx.say(line);
  },
};

