// Fuzzing core's parsers: bencode, Breezy's gzip members (tuned_gzip), the
// multi-parent patch text, the network record framing (knit wire records from
// Breezy's byte streams) and the key mappers' unmap of listed paths.
// See test-fixtures/support/fuzz.ts.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ConstantMapper,
  HashEscapedPrefixMapper,
  HashPrefixMapper,
  MultiParent,
  PrefixMapper,
  VersionedFilesError,
  bdecode,
  bencode,
  gunzip,
  utf8,
} from '@versionedfiles/core';
import { fuzzRuns, fuzzTests, onlyFile, single, type FuzzTarget } from '../../../../test-fixtures/support/fuzz.js';

const FIX = new URL('../../../../test-fixtures/', import.meta.url);
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

const gzipSeeds = (JSON.parse(readFileSync(new URL('core/gzip/fixtures.json', FIX), 'utf8')) as { breezy: { gzip: string }[] }).breezy.map((c) =>
  single('gz', hex(c.gzip)),
);
const patchSeeds = gunzipSync(new Uint8Array(readFileSync(new URL('core/multiparent/cases.jsonl.gz', FIX))))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => single('patch', utf8((JSON.parse(l) as { patch: string }).patch)));
const bencodeSeeds = [
  bencode([utf8('knit-delta-gz'), 42, [utf8('a'), [utf8('b'), -7]], utf8('')]),
  bencode([[utf8('texts'), [utf8('file-id'), utf8('rev-1')]], 0]),
].map((b) => single('b', b));

export const CORE_TARGETS: readonly FuzzTarget[] = [
  { name: 'core-gzip', seeds: gzipSeeds, run: (files) => gunzip(onlyFile(files)) },
  { name: 'core-multiparent-patch', seeds: patchSeeds, run: (files) => MultiParent.fromPatch(onlyFile(files)).numLines() },
  { name: 'core-bencode', seeds: bencodeSeeds, run: (files) => bdecode(onlyFile(files)) },
];

describe('core parsers under mutation', () => {
  fuzzTests(CORE_TARGETS, 200);

  it('mappers: unmap of any listed path gives a key or a typed error, and map of it stays inside', () => {
    const mappers = [new ConstantMapper('texts'), new PrefixMapper(), new HashPrefixMapper(), new HashEscapedPrefixMapper()];
    const segment = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('..', '.', '', '%2e%2e', '%2F', '%00', 'a\u0000b', '\ud800', 'ab', '9b'));
    const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
    let typed = 0;
    fc.assert(
      fc.property(fc.nat(3), path, (which, p) => {
        const mapper = mappers[which] as (typeof mappers)[number];
        let key: readonly string[];
        try {
          key = mapper.unmap(p);
        } catch (err) {
          if (!(err instanceof VersionedFilesError)) throw err;
          typed++;
          return;
        }
        if (which === 0) return;
        // What unmap accepted, map either refuses (typed) or names inside the store: no `..`, no absolute path, no NUL.
        let back: string;
        try {
          back = mapper.map([...key, 'rev']);
        } catch (err) {
          if (!(err instanceof VersionedFilesError)) throw err;
          return;
        }
        expect(back.split('/').every((part) => part !== '..' && part !== '.' && part !== '' && !part.includes('\0'))).toBe(true);
      }),
      { numRuns: Math.max(300, fuzzRuns(300)) },
    );
    expect(typed).toBeGreaterThan(0);
  });
});
