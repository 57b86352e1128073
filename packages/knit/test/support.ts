// Test helpers: the Breezy-made knit fixtures (test-fixtures/knit) and their manifests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ConstantMapper, HashEscapedPrefixMapper, PrefixMapper } from '@versionedfiles/core';
import type { Key, KeyMapper } from '@versionedfiles/core';

export const FIXTURES = fileURLToPath(new URL('../../../test-fixtures/knit/', import.meta.url));

export interface ManifestInsert {
  readonly key: Key;
  readonly parents: Key[];
  readonly text: string;
}

export interface ManifestKey {
  readonly key: Key;
  readonly sha1: string;
  readonly annotate: string[] | null;
}

export interface Manifest {
  readonly scenario: string;
  readonly annotated: boolean;
  readonly keyLength: number;
  readonly mapper: string;
  readonly files: string[];
  readonly inserts: ManifestInsert[];
  readonly keys: ManifestKey[];
  readonly stream: { key: Key; kind: string; wire: string }[];
  readonly closureKeys: Key[];
  readonly closure: string | null;
}

export const SCENARIOS = ['named-knit', 'named-annotated-knit', 'annotated-knit-escape', 'plain-knit-prefix'] as const;

export function manifest(name: string): Manifest {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Manifest;
}

export function fixtureFile(name: string, file: string): Uint8Array {
  const b = readFileSync(join(FIXTURES, name, file));
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function b64(text: string): Uint8Array {
  const b = Buffer.from(text, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** The mapper a fixture scenario was written with. */
export function mapperFor(m: Manifest): KeyMapper {
  switch (m.mapper) {
    case 'ConstantMapper':
      return new ConstantMapper('revisions');
    case 'PrefixMapper':
      return new PrefixMapper();
    default:
      return new HashEscapedPrefixMapper();
  }
}
