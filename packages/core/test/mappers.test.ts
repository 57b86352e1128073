import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConstantMapper,
  HashEscapedPrefixMapper,
  HashPrefixMapper,
  InvalidKey,
  PathOutsideRoot,
  PrefixMapper,
  adler32,
  hashEscape,
  hashUnescape,
  normalisePath,
  segmentProblem,
  urlEscapePath,
  utf8,
} from '@versionedfiles/core';
import type { Key, KeyMapper } from '@versionedfiles/core';

interface Mapped {
  map: string;
  unmap: string | null;
  disk: string | null;
  error: string | null;
}
type MapperName = 'prefix' | 'hashPrefix' | 'hashEscapedPrefix';
interface Fixtures {
  constant: { result: string; map: string };
  keys: ({ key: string } & Record<MapperName, Mapped>)[];
}

const fixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../test-fixtures/core/mappers/fixtures.json', import.meta.url)), 'utf8'),
) as Fixtures;

const mappers: Record<MapperName, KeyMapper> = {
  prefix: new PrefixMapper(),
  hashPrefix: new HashPrefixMapper(),
  hashEscapedPrefix: new HashEscapedPrefixMapper(),
};

// Keys whose Breezy name is '.', '..', or has a '/' in it: we refuse them on purpose
// (docs/decisions/key-mappers.md). Everything else must match Breezy exactly.
const REFUSED: Record<MapperName, readonly string[]> = {
  prefix: ['.', '..', 'a/b', '../etc', '/abs'],
  hashPrefix: ['.', '..', 'a/b', '../etc', '/abs'],
  hashEscapedPrefix: ['.', '..'],
};

describe("key mappers against Breezy's names", () => {
  for (const name of Object.keys(mappers) as MapperName[]) {
    const mapper = mappers[name];
    it(`${name}: same names, on disk and URL-escaped, and the same unmap`, () => {
      let compared = 0;
      for (const row of fixtures.keys) {
        const theirs = row[name];
        const key: Key = [row.key, 'rev-1'];
        if (REFUSED[name].includes(row.key)) {
          expect(() => mapper.map(key), row.key).toThrow(InvalidKey);
          continue;
        }
        const ours = mapper.map(key);
        expect(urlEscapePath(ours), row.key).toBe(theirs.map);
        // Where Breezy could write the store, the file it made is ours exactly.
        if (theirs.disk !== null) expect(ours, row.key).toBe(theirs.disk);
        expect(mapper.unmap(ours), row.key).toEqual([theirs.unmap]);
        compared++;
      }
      expect(compared).toBe(fixtures.keys.length - REFUSED[name].length);
    });
  }

  it('the table has the keys Breezy could not write on disk', () => {
    const failed = fixtures.keys.filter((r) => r.prefix.disk === null).map((r) => r.key.slice(0, 8));
    expect(failed).toEqual(['../etc', 'y'.repeat(8)]);
  });

  it('ConstantMapper', () => {
    const mapper = new ConstantMapper(fixtures.constant.result);
    expect(mapper.map(['anything', 'rev-1'])).toBe(fixtures.constant.map);
    expect(mapper.map([])).toBe('revisions');
    expect(mapper.unmap('revisions')).toEqual([]);
    expect(new ConstantMapper('a/b').map(['x'])).toBe('a/b');
    for (const bad of ['', '..', '../x', '/abs', 'a//b', 'a/./b', 'nul\u0000']) {
      expect(() => new ConstantMapper(bad), bad).toThrow(InvalidKey);
    }
  });

  it('refuses malformed keys and names', () => {
    for (const mapper of Object.values(mappers)) {
      expect(() => mapper.map([])).toThrow(InvalidKey);
      expect(() => mapper.map([''])).toThrow(InvalidKey);
      expect(() => mapper.map(['\uD800'])).toThrow(InvalidKey);
      expect(() => mapper.map(['ok\uDC00'])).toThrow(InvalidKey);
      expect(() => mapper.unmap('..')).toThrow(InvalidKey);
      expect(() => mapper.unmap('')).toThrow(InvalidKey);
    }
    expect(() => new PrefixMapper().map(['nul\u0000'])).toThrow(InvalidKey);
    // A pending key (content-addressed add) still names its file, as Breezy's map((file_id, None)) does.
    expect(new HashPrefixMapper().map(['file-id', null])).toBe('9b/file-id');
    expect(() => new PrefixMapper().unmap('a/b')).toThrow(InvalidKey);
    // Breezy: HashEscapedPrefixMapper().map((b'nul\x00/',)) == '92/nul%2500%252f'
    expect(urlEscapePath(new HashEscapedPrefixMapper().map(['nul\u0000/']))).toBe('92/nul%2500%252f');
  });
});

describe('escaping helpers', () => {
  it('adler32 is zlib Adler-32', () => {
    expect(adler32(utf8('Wikipedia'))).toBe(0x11e60398);
    expect(adler32(new Uint8Array(0))).toBe(1);
    const big = new Uint8Array(100_000).fill(255);
    expect(adler32(big)).toBe(adler32Reference(big));
  });

  it('hashEscape keeps [a-z0-9-_@,.] and escapes every other byte in lowercase hex', () => {
    expect(hashEscape('Ab-_@,.~/ é')).toBe('%41b-_@,.%7e%2f%20%c3%a9');
    expect(hashUnescape('%41b-_@,.%7e%2f%20%c3%a9')).toBe('Ab-_@,.~/ é');
    expect(hashUnescape('%zz%4')).toBe('%zz%4');
    expect(hashUnescape('%C3%A9')).toBe('é');
    expect(() => hashUnescape('%ff')).toThrow(InvalidKey);
  });

  it("urlEscapePath is Python's quote(path, safe='/')", () => {
    expect(urlEscapePath('a b/100%~é')).toBe('a%20b/100%25~%C3%A9');
  });
});

function adler32Reference(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

describe('no key maps outside the store', () => {
  const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
  const hostile = fc.constantFrom('..', '.', '/', '\\', '\u0000', '%2e', '%2f', '%00', '~', ':', 'C:', ' ', '\n', 'é', '😀');
  const element = fc.oneof(
    fc.string({ unit: anyChar, maxLength: 20 }),
    fc.array(hostile, { maxLength: 6 }).map((parts) => parts.join('')),
    fc.string({ unit: 'binary', maxLength: 300 }),
  );
  const key = fc.array(element, { minLength: 1, maxLength: 3 });

  it('every name is a plain relative path below the root that unmaps to the key', () => {
    fc.assert(
      fc.property(key, fc.constantFrom(...(Object.keys(mappers) as MapperName[])), (k, name) => {
        const mapper = mappers[name];
        let path: string;
        try {
          path = mapper.map(k);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidKey);
          return;
        }
        expect(path.length).toBeGreaterThan(0);
        for (const segment of path.split('/')) expect(segmentProblem(segment)).toBeNull();
        expect(posix.join('/store', path).startsWith('/store/')).toBe(true);
        try {
          expect(normalisePath(path)).toBe(path);
        } catch (err) {
          // Only length can stop a transport from holding a mapped name; never its place.
          expect(err).not.toBeInstanceOf(PathOutsideRoot);
        }
        expect(mapper.unmap(path)).toEqual([k[0]]);
      }),
      { numRuns: 400 },
    );
  });
});
