// Helpers for the text-size-limit tests every writing backend runs: texts of
// an exact size, a byte-level picture of a store's files (to show a refused
// write changed nothing), and reading one text back.
import { utf8 } from '@versionedfiles/core';
import type { Key, Transport, VersionedFiles } from '@versionedfiles/core';

/** A text of exactly `size` bytes: repeated 64-byte lines, the last one cut short (no final newline). */
export function textOf(size: number): Uint8Array {
  const line = utf8(`${'x'.repeat(63)}\n`);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += line.length) out.set(line.subarray(0, Math.min(line.length, size - i)), i);
  return out;
}

/** Every file under the transport, as hex, by path. */
export async function snapshot(transport: Transport): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of await transport.listRecursive()) out.set(path, Buffer.from(await transport.get(path)).toString('hex'));
  return out;
}

export async function textOfKey(vf: VersionedFiles, key: Key): Promise<Uint8Array> {
  for await (const r of vf.getRecordStream([key], 'unordered', true)) return r.getBytesAs('fulltext');
  throw new Error(`no record for ${key.join('/')}`);
}
