// `RemoteVersionedFiles`: a store served by `serveVersionedFiles`, seen through
// fetch. It offers what `syncVersionedFiles` needs of a source and of a target
// (`keys`, `getParentMap`, `getRecordStream`, `insertRecordStream`), so
// `syncVersionedFiles(remote, local)` pulls and `syncVersionedFiles(local,
// remote)` pushes.
//
// Both directions stream: a fetched byte stream is decoded as its body
// arrives (bounded by `maxRecordBytes`/`maxStreamBytes`), and an inserted
// stream is sent as a request body pulled from the record stream. Lookups go
// in batches of at most `maxKeysPerRequest` keys.
//
// Entry points: `RemoteVersionedFiles.connect(url, options)`.

import { KeyMap, KeySet, NetworkRecordCorrupt, VersionedFilesError, throwIfAborted } from '@versionedfiles/core';
import type { ContentFactory, Key, Ordering, Parents, StreamOptions, WorkOptions } from '@versionedfiles/core';
import { ByteStreamReader, coalesce, encodeByteStream, toReadableStream } from './byte-stream.js';
import { BYTE_STREAM_TYPE, DEFAULT_HTTP_LIMITS, RemoteError, StreamInterrupted, parseKeyList, parseParentMap, type HttpLimits } from './http-protocol.js';

export interface RemoteOptions {
  readonly limits?: Partial<HttpLimits>;
  /** The substream records travel in (default `texts`). */
  readonly substream?: string;
  /** Another fetch (default: the global one). */
  readonly fetch?: typeof fetch;
}

export class RemoteVersionedFiles {
  readonly #limits: HttpLimits;
  readonly #substream: string;
  readonly #fetch: typeof fetch;

  private constructor(
    readonly url: string,
    readonly keyLength: number,
    readonly formatName: string,
    options: RemoteOptions,
  ) {
    this.#limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
    this.#substream = options.substream ?? 'texts';
    this.#fetch = options.fetch ?? fetch;
  }

  /** Asks the server what it serves. */
  static async connect(url: string, options: RemoteOptions = {}): Promise<RemoteVersionedFiles> {
    const base = url.replace(/\/+$/, '');
    const info = await fetchJson(options.fetch ?? fetch, `${base}/info`, undefined);
    const keyLength = (info as { keyLength?: unknown }).keyLength;
    const formatName = (info as { formatName?: unknown }).formatName;
    if (typeof keyLength !== 'number' || !Number.isInteger(keyLength) || keyLength < 1 || typeof formatName !== 'string') {
      throw new NetworkRecordCorrupt('the server sent a malformed /info answer');
    }
    return new RemoteVersionedFiles(base, keyLength, formatName, options);
  }

  /** Every key the served store reaches (its fallbacks included). */
  async keys(): Promise<KeySet> {
    const body = await fetchJson(this.#fetch, `${this.url}/keys`, undefined);
    return new KeySet(parseKeyList(body, this.keyLength, Number.MAX_SAFE_INTEGER));
  }

  async getParentMap(keys: Iterable<Key>): Promise<KeyMap<Parents>> {
    const out = new KeyMap<Parents>();
    for (const batch of batches(keys, this.#limits.maxKeysPerRequest)) {
      const body = await fetchJson(this.#fetch, `${this.url}/parent-map`, { keys: batch });
      for (const [key, parents] of parseParentMap(body, this.keyLength)) out.set(key, parents);
    }
    return out;
  }

  async *getRecordStream(keys: Iterable<Key>, ordering: Ordering, includeDeltaClosure: boolean, options: StreamOptions = {}): AsyncGenerator<ContentFactory> {
    for (const batch of batches(keys, this.#limits.maxKeysPerRequest)) {
      throwIfAborted(options.signal);
      const url = `${this.url}/stream`;
      const res = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keys: batch, ordering, includeDeltaClosure }),
        ...(options.signal ? { signal: options.signal } : {}),
      }).catch((err: unknown) => {
        // The server may fail before its first byte (it sends nothing until the stream starts).
        throwIfAborted(options.signal);
        throw new StreamInterrupted(url, { cause: err });
      });
      if (!res.ok || res.body === null) throw await remoteError(res);
      const reader = new ByteStreamReader(res.body as unknown as AsyncIterable<Uint8Array>, {
        maxRecordBytes: this.#limits.maxRecordBytes,
        maxStreamBytes: this.#limits.maxStreamBytes,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      try {
        for await (const { substream, record } of reader.records()) {
          if (substream !== this.#substream) throw new NetworkRecordCorrupt(`unexpected substream ${JSON.stringify(substream)}`);
          yield record;
        }
      } catch (err) {
        throwIfAborted(options.signal);
        if (err instanceof VersionedFilesError) throw err;
        throw new StreamInterrupted(url, { cause: err });
      }
    }
  }

  /** Sends the whole stream in one request; the server stores all of it or none. */
  async insertRecordStream(stream: AsyncIterable<ContentFactory> | Iterable<ContentFactory>, options: WorkOptions = {}): Promise<void> {
    const body = toReadableStream(coalesce(encodeByteStream([[this.#substream, stream]], this.formatName, options.signal ? { signal: options.signal } : {})));
    const res = await this.#fetch(`${this.url}/insert`, {
      method: 'POST',
      headers: { 'content-type': BYTE_STREAM_TYPE },
      body: body as unknown as NonNullable<RequestInit['body']>,
      duplex: 'half',
      ...(options.signal ? { signal: options.signal } : {}),
    } as RequestInit);
    if (!res.ok) throw await remoteError(res);
    await res.arrayBuffer();
  }
}

function* batches(keys: Iterable<Key>, size: number): Generator<Key[]> {
  let batch: Key[] = [];
  for (const key of keys) {
    batch.push(key);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function fetchJson(f: typeof fetch, url: string, body: unknown): Promise<unknown> {
  const res = await f(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw await remoteError(res);
  try {
    return (await res.json()) as unknown;
  } catch {
    throw new NetworkRecordCorrupt(`the server sent malformed JSON from ${url}`);
  }
}

async function remoteError(res: Response): Promise<RemoteError> {
  let code = 'Unknown';
  let message = res.statusText;
  try {
    const body = (await res.json()) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    /* not our JSON error: keep the status line */
  }
  return new RemoteError(res.status, code, message);
}
