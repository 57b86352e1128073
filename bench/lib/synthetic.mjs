// Seeded synthetic corpora for the scaling curves: entry points
// `syntheticHistory({ texts, files, lines, seed })` (per-file DAGs with
// branches and merges; each text an edit of its left parent, a merge also
// keeps a run of lines from the other parent) and `syntheticText(bytes, seed)`
// (one big text of lines). Same arguments, same bytes.
import { rng, sha1 } from './corpus.mjs';

const enc = new TextEncoder();

export function syntheticHistory({ texts, files = Math.max(1, Math.round(texts / 50)), lines = 40, seed = 1 }) {
  const rand = rng(seed);
  let counter = 0;
  const fresh = () => `${(counter++).toString(36)} ${'abcdefghij'.repeat(1 + rand(5)).slice(rand(10))}\n`;
  /** per file: versions [{ key, lines }], and open branch tips (indices) */
  const state = Array.from({ length: files }, () => ({ versions: [], tips: [] }));
  const entries = [];
  for (let t = 0; t < texts; t++) {
    const f = t < files ? t : rand(files);
    const s = state[f];
    const file = `file-${f}`;
    const key = [file, `rev-${t}`];
    let body;
    let branch = false;
    const parents = [];
    if (s.versions.length === 0) {
      body = Array.from({ length: lines }, fresh);
      s.tips.push(0);
    } else {
      const roll = rand(100);
      const tipAt = rand(s.tips.length);
      const left = s.tips[tipAt];
      parents.push(left);
      if (roll < 10 && s.tips.length > 1) {
        // merge two branch tips; the branch closes
        const otherAt = (tipAt + 1 + rand(s.tips.length - 1)) % s.tips.length;
        parents.push(s.tips[otherAt]);
        s.tips.splice(otherAt, 1);
      } else if (roll < 20 && s.tips.length < 4) {
        branch = true; // a new branch from here; the left tip stays open too
      }
      body = [...s.versions[left].lines];
      if (parents.length > 1) {
        const other = s.versions[parents[1]].lines;
        const at = rand(other.length + 1);
        body.splice(rand(body.length + 1), 0, ...other.slice(at, at + 4));
      }
      for (let e = 0, edits = 1 + rand(3); e < edits; e++) {
        const at = rand(body.length + 1);
        const what = rand(3);
        if (what === 0 || body.length < 5) body.splice(at, 0, ...Array.from({ length: 1 + rand(3) }, fresh));
        else if (what === 1) body.splice(at, 1 + rand(2));
        else body.splice(at, 1, fresh());
      }
    }
    const index = s.versions.length;
    s.versions.push({ key, lines: body });
    if (branch) s.tips.push(index);
    else if (parents.length > 0) s.tips[s.tips.indexOf(parents[0])] = index;
    const text = enc.encode(body.join(''));
    entries.push({ key, parents: parents.map((p) => s.versions[p].key), text, sha1: sha1(text) });
  }
  return entries;
}

/** One text of about `bytes` bytes, in lines of 20 to 100 bytes. */
export function syntheticText(bytes, seed = 1) {
  const rand = rng(seed);
  const out = new Uint8Array(bytes);
  let pos = 0;
  while (pos < bytes) {
    const len = Math.min(20 + rand(80), bytes - pos);
    for (let i = 0; i < len - 1; i++) out[pos + i] = 97 + rand(26);
    out[pos + len - 1] = 10;
    pos += len;
  }
  return out;
}
