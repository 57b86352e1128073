// Extraction checks shared by every runner: entry point `textVerifier(entries)`.
// `check(key, bytes)` hashes one extracted text against the corpus; `finish()`
// then demands that every key came back exactly once. Any wrong, repeated,
// unknown or missing text throws `VerifyError`, which fails the run.
import { sha1 } from './corpus.mjs';

export class VerifyError extends Error {
  name = 'VerifyError';
}

const id = (key) => key.join('\0');

export function textVerifier(entries) {
  const expected = new Map(entries.map((e) => [id(e.key), e.sha1]));
  const seen = new Set();
  return {
    check(key, bytes) {
      const k = id(key);
      const want = expected.get(k);
      if (want === undefined) throw new VerifyError(`extracted a key not in the corpus: ${key.join('/')}`);
      if (seen.has(k)) throw new VerifyError(`extracted ${key.join('/')} twice`);
      seen.add(k);
      const got = sha1(bytes);
      if (got !== want) throw new VerifyError(`wrong text for ${key.join('/')}: sha1 ${got}, expected ${want}`);
    },
    finish() {
      if (seen.size !== expected.size) {
        const missing = [...expected.keys()].filter((k) => !seen.has(k));
        throw new VerifyError(`${missing.length} texts not extracted, e.g. ${missing[0]?.replace('\0', '/')}`);
      }
      return seen.size;
    },
  };
}
