// MemoryTransport: a directory tree in memory with the local disk's semantics
// (the same behaviour table runs on both), for tests and scratch stores.
// Clones share the tree. Writes are atomic because each is one synchronous step.
//
// Entry points: `MemoryTransport` (`new MemoryTransport()`), `MemoryTree`.

import { FileExists, NoSuchFile } from '../errors.js';
import { concatBytes, totalLength } from '../bytes.js';
import { BaseTransport } from './base.js';
import type { DirEntry, RandomAccessFile } from './base.js';
import { baseName, joinPath, normalisePath, parentPath } from './path.js';
import type { FileStat, Transport } from './transport.js';
import { TransportError } from './transport.js';

interface MemFile {
  readonly kind: 'file';
  /** Capacity grows by doubling so appends are cheap; bytes past `size` are unused. */
  bytes: Uint8Array;
  size: number;
}

interface MemDir {
  readonly kind: 'dir';
  readonly entries: Map<string, MemNode>;
}

type MemNode = MemFile | MemDir;

/** The tree a MemoryTransport and its clones share. */
export class MemoryTree {
  readonly root: MemDir = { kind: 'dir', entries: new Map() };
}

function newFile(chunks: readonly Uint8Array[]): MemFile {
  const bytes = concatBytes(chunks.length === 0 ? [new Uint8Array(0)] : chunks).slice();
  return { kind: 'file', bytes, size: bytes.length };
}

export class MemoryTransport extends BaseTransport {
  readonly base: string;
  readonly #tree: MemoryTree;
  readonly #prefix: string;

  constructor(tree: MemoryTree = new MemoryTree(), prefix = '') {
    super();
    this.#tree = tree;
    this.#prefix = normalisePath(prefix);
    this.base = `memory:///${this.#prefix}`;
  }

  // Paths in errors are the caller's (relative to this transport), not the tree's.
  #lookup(path: string): MemNode | undefined {
    let node: MemNode = this.#tree.root;
    const full = joinPath(this.#prefix, path);
    if (full === '') return node;
    for (const segment of full.split('/')) {
      if (node.kind !== 'dir') throw new TransportError(path, 'notDirectory');
      const child: MemNode | undefined = node.entries.get(segment);
      if (child === undefined) return undefined;
      node = child;
    }
    return node;
  }

  #node(path: string): MemNode {
    const node = this.#lookup(path);
    if (node === undefined) throw new NoSuchFile(path);
    return node;
  }

  #file(path: string): MemFile {
    const node = this.#node(path);
    if (node.kind !== 'file') throw new TransportError(path, 'isDirectory');
    return node;
  }

  #dir(path: string): MemDir {
    const node = this.#node(path);
    if (node.kind !== 'dir') throw new TransportError(path, 'notDirectory');
    return node;
  }

  /** The directory that holds `path`, checked to exist. */
  #parent(path: string): MemDir {
    const parent = parentPath(path);
    const node = this.#lookup(parent);
    if (node === undefined) throw new NoSuchFile(path);
    if (node.kind !== 'dir') throw new TransportError(path, 'notDirectory');
    return node;
  }

  protected async readFile(path: string): Promise<Uint8Array> {
    const file = this.#file(path);
    return file.bytes.slice(0, file.size);
  }

  protected async openRead(path: string): Promise<RandomAccessFile> {
    const file = this.#file(path);
    const size = file.size;
    return {
      size,
      read: async (offset, length) => file.bytes.slice(offset, offset + length),
      close: async () => undefined,
    };
  }

  protected async writeAtomic(path: string, chunks: readonly Uint8Array[]): Promise<void> {
    const parent = this.#parent(path);
    if (parent.entries.get(baseName(path))?.kind === 'dir') throw new TransportError(path, 'isDirectory');
    parent.entries.set(baseName(path), newFile(chunks));
  }

  protected async appendChunks(path: string, chunks: readonly Uint8Array[]): Promise<number> {
    const parent = this.#parent(path);
    const existing = parent.entries.get(baseName(path));
    if (existing === undefined) {
      parent.entries.set(baseName(path), newFile(chunks));
      return 0;
    }
    if (existing.kind === 'dir') throw new TransportError(path, 'isDirectory');
    const start = existing.size;
    const needed = start + totalLength(chunks);
    if (needed > existing.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, existing.bytes.length * 2));
      grown.set(existing.bytes.subarray(0, start));
      existing.bytes = grown;
    }
    let at = start;
    for (const chunk of chunks) {
      existing.bytes.set(chunk, at);
      at += chunk.length;
    }
    existing.size = needed;
    return start;
  }

  protected async renamePath(from: string, to: string): Promise<void> {
    const source = this.#node(from);
    const sourceParent = this.#parent(from);
    const targetParent = this.#parent(to);
    const target = targetParent.entries.get(baseName(to));
    if (target !== undefined) {
      if (source.kind === 'file' && target.kind === 'dir') throw new TransportError(to, 'isDirectory');
      if (source.kind === 'dir' && target.kind === 'file') throw new TransportError(to, 'notDirectory');
      if (target.kind === 'dir' && target.entries.size > 0) throw new FileExists(to);
    }
    sourceParent.entries.delete(baseName(from));
    targetParent.entries.set(baseName(to), source);
  }

  protected async deleteFile(path: string): Promise<void> {
    this.#file(path);
    this.#parent(path).entries.delete(baseName(path));
  }

  protected async removeDir(path: string): Promise<void> {
    if (this.#dir(path).entries.size > 0) throw new TransportError(path, 'notEmpty');
    this.#parent(path).entries.delete(baseName(path));
  }

  protected async makeDir(path: string): Promise<void> {
    const parent = this.#parent(path);
    if (parent.entries.has(baseName(path))) throw new FileExists(path);
    parent.entries.set(baseName(path), { kind: 'dir', entries: new Map() });
  }

  protected async readDir(path: string): Promise<DirEntry[]> {
    return [...this.#dir(path).entries].map(([name, node]) => ({ name, isDirectory: node.kind === 'dir' }));
  }

  protected async statPath(path: string): Promise<FileStat> {
    const node = this.#node(path);
    return node.kind === 'dir' ? { size: 0, isDirectory: true } : { size: node.size, isDirectory: false };
  }

  protected cloneAt(path: string): Transport {
    return new MemoryTransport(this.#tree, joinPath(this.#prefix, path));
  }
}
