// The snapshot manifest: what one snapshot holds, as a line-based text (so a
// delta store keeps consecutive manifests as small deltas).
//
// Entry points: `Manifest`, `ManifestEntry`, `encodeManifest`, `decodeManifest`.
//
//   vf-snapshot 1
//   message "<JSON string>"
//   time <ISO 8601>
//   dir "<path>" <mode>
//   file "<path>" <mode> <size> <sha1> <chunk-sha1> <chunk-sha1> ...
//   link "<path>" "<target>"
//
// Paths are `/`-separated and relative to the snapshot's root, JSON-quoted so
// any name survives; entries are sorted by path. A file's text is the
// concatenation of its chunks, each stored once under the key
// `chunk/<sha1 of the chunk>`.

import { CorruptData, fromUtf8, splitLines, utf8 } from '@versionedfiles/core';

export type ManifestEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode: number }
  | { readonly type: 'file'; readonly path: string; readonly mode: number; readonly size: number; readonly sha1: string; readonly chunks: readonly string[] }
  | { readonly type: 'link'; readonly path: string; readonly target: string };

export interface Manifest {
  readonly message: string;
  readonly time: string;
  readonly entries: readonly ManifestEntry[];
}

export class ManifestCorrupt extends CorruptData {
  override readonly code = 'ManifestCorrupt';
  constructor(how: string, where: string) {
    super('snapshot manifest', how, where);
  }
}

const HEADER = 'vf-snapshot 1';
const SHA1 = /^[0-9a-f]{40}$/;

export function encodeManifest(manifest: Manifest): Uint8Array[] {
  const lines = [HEADER, `message ${JSON.stringify(manifest.message)}`, `time ${manifest.time}`];
  const sorted = [...manifest.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted) {
    const path = JSON.stringify(e.path);
    if (e.type === 'dir') lines.push(`dir ${path} ${e.mode.toString(8)}`);
    else if (e.type === 'link') lines.push(`link ${path} ${JSON.stringify(e.target)}`);
    else lines.push(`file ${path} ${e.mode.toString(8)} ${e.size} ${e.sha1}${e.chunks.map((c) => ` ${c}`).join('')}`);
  }
  return lines.map((l) => utf8(`${l}\n`));
}

/** Reads a JSON string at the start of `text`; returns it and the rest after one space. */
function takeString(text: string, where: string): [string, string] {
  if (!text.startsWith('"')) throw new ManifestCorrupt('expected a quoted string', where);
  let i = 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  if (i >= text.length) throw new ManifestCorrupt('unterminated string', where);
  let value: unknown;
  try {
    value = JSON.parse(text.slice(0, i + 1));
  } catch {
    throw new ManifestCorrupt('bad string', where);
  }
  return [value as string, text.slice(i + 2)];
}

function mode(text: string | undefined, where: string): number {
  if (text === undefined || !/^[0-7]{1,6}$/.test(text)) throw new ManifestCorrupt('bad mode', where);
  return parseInt(text, 8);
}

export function decodeManifest(text: Uint8Array, id: string): Manifest {
  const lines = splitLines(text).map((l) => fromUtf8(l).replace(/\n$/, ''));
  const where = `of snapshot ${id}`;
  if (lines[0] !== HEADER) throw new ManifestCorrupt('bad header', where);
  const messageLine = lines[1] ?? '';
  const timeLine = lines[2] ?? '';
  if (!messageLine.startsWith('message ') || !timeLine.startsWith('time ')) throw new ManifestCorrupt('missing message or time', where);
  const [message] = takeString(messageLine.slice(8), where);
  const entries: ManifestEntry[] = [];
  for (const line of lines.slice(3)) {
    const space = line.indexOf(' ');
    const type = line.slice(0, space);
    const [path, rest] = takeString(line.slice(space + 1), where);
    if (type === 'dir') {
      entries.push({ type, path, mode: mode(rest, where) });
    } else if (type === 'link') {
      entries.push({ type, path, target: takeString(rest, where)[0] });
    } else if (type === 'file') {
      const [m, size, sha1, ...chunks] = rest.split(' ');
      const n = Number(size);
      if (!Number.isSafeInteger(n) || n < 0 || sha1 === undefined || !SHA1.test(sha1) || !chunks.every((c) => SHA1.test(c))) {
        throw new ManifestCorrupt(`bad file entry for ${JSON.stringify(path)}`, where);
      }
      entries.push({ type, path, mode: mode(m, where), size: n, sha1, chunks });
    } else {
      throw new ManifestCorrupt(`unknown entry type ${JSON.stringify(type)}`, where);
    }
  }
  return { message, time: timeLine.slice(5), entries };
}
