// A small reader for the tarballs `npm pack` writes (ustar, with pax headers
// for long names): entry points `readTar(bytes)` and `readTgz(bytes)`, both
// returning the regular files as `{ path, data }` in archive order.
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;
const decoder = new TextDecoder();

function field(header, start, length) {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function octal(header, start, length) {
  const text = field(header, start, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error(`tar: bad octal field ${JSON.stringify(text)}`);
  return text === '' ? 0 : parseInt(text, 8);
}

/** Pax records: "<len> key=value\n" ... ; only `path` matters here. */
function paxPath(data) {
  const text = decoder.decode(data);
  for (const m of text.matchAll(/\d+ path=([^\n]*)\n/g)) return m[1];
  return undefined;
}

export function readTar(bytes) {
  const files = [];
  let pos = 0;
  let nextPath;
  for (;;) {
    if (pos + BLOCK > bytes.length) throw new Error('tar: archive ends without its end-of-archive block');
    const header = bytes.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const dataStart = pos + BLOCK;
    if (dataStart + size > bytes.length) throw new Error('tar: entry runs past the end of the archive');
    const data = bytes.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      nextPath = paxPath(data);
      continue;
    }
    if (type === 'g') continue;
    const prefix = field(header, 345, 155);
    const name = nextPath ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    nextPath = undefined;
    if (type === '0' || type === '\0') files.push({ path: name, data });
  }
  return files;
}

export const readTgz = (bytes) => readTar(new Uint8Array(gunzipSync(bytes)));
