// Every backend available to the sync tests, as fresh empty stores of a key length.
import { ConstantMapper, MemoryTransport, MemoryVersionedFiles, PrefixMapper, type VersionedFiles } from '@versionedfiles/core';
import { makeFileFactory, makePackFactory } from '@versionedfiles/knit';
import { WeaveVersionedFiles } from '@versionedfiles/weave';
import { makePackFactory as makeGroupCompressPack } from '@versionedfiles/groupcompress';

export interface Backend {
  readonly name: string;
  /** Texts may name absent parents. */
  readonly ghosts: boolean;
  /** A store built from stacked layers may put a child's parent in a fallback. */
  readonly stacks: boolean;
  open(keyLength: 1 | 2): Promise<VersionedFiles>;
}

const mapper = (keyLength: number) => (keyLength === 1 ? new ConstantMapper('texts') : new PrefixMapper());

export const backends: readonly Backend[] = [
  { name: 'memory', ghosts: true, stacks: true, open: async (keyLength) => new MemoryVersionedFiles({ keyLength }) },
  {
    name: 'knit',
    ghosts: true,
    stacks: true,
    open: async (keyLength) => makeFileFactory(false, mapper(keyLength), { keyLength })(new MemoryTransport()),
  },
  {
    name: 'annotated-knit',
    ghosts: true,
    stacks: true,
    open: async (keyLength) => makeFileFactory(true, mapper(keyLength), { keyLength })(new MemoryTransport()),
  },
  { name: 'knit-pack', ghosts: true, stacks: true, open: (keyLength) => makePackFactory(true, true, keyLength)(new MemoryTransport()) },
  {
    name: 'groupcompress',
    ghosts: true,
    stacks: true,
    open: async (keyLength) => makeGroupCompressPack(true, true, keyLength)(new MemoryTransport()),
  },
  {
    name: 'weave',
    ghosts: false,
    stacks: false,
    open: async (keyLength) => new WeaveVersionedFiles(new MemoryTransport(), mapper(keyLength), { keyLength }),
  },
];
