// `serveVersionedFiles`: a store's record streams over HTTP (node:http), for
// `RemoteVersionedFiles` or any client speaking `http-protocol.ts`.
//
// Reads stream: `/stream` pipes the byte stream into the response with
// backpressure and stops reading the store when the client goes away.
// Inserts are untrusted: the byte stream is bounded (`maxStreamBytes`,
// `maxRecordBytes`), and so are the texts it expands to (`maxInflatedBytes`:
// deltas inflate). Every record is first decoded and inserted into a staging
// store stacked on the real one (which checks sha1s and rebuilds deltas
// against what the store holds), and only when the whole stream has passed is
// it decoded again from its wire bytes into the store — so a bad stream leaves
// the store unchanged, and a good one keeps its deltas.
//
// Entry points: `serveVersionedFiles`, `createSyncHandler`, `ServeOptions`,
// `SyncServer`.

import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  LimitExceeded,
  MemoryVersionedFiles,
  NetworkRecordStream,
  VersionedFilesError,
  concatBytes,
  fromUtf8,
  type AddOptions,
  type ContentFactory,
  type Ordering,
  type ValidatedText,
  type VersionedFiles,
} from '@versionedfiles/core';
import { ByteStreamReader, FORMAT_2A, coalesce, encodeByteStream } from './byte-stream.js';
import { BYTE_STREAM_TYPE, BadRequest, DEFAULT_HTTP_LIMITS, parseKeyList, type HttpLimits } from './http-protocol.js';
import { allKeys } from './sync.js';

export interface ServeOptions {
  /** The format name heading byte streams (default: 2a's network name). */
  readonly formatName?: string;
  /** The substream records travel in (default `texts`). */
  readonly substream?: string;
  /** Refuse `/insert`. */
  readonly readOnly?: boolean;
  readonly limits?: Partial<HttpLimits>;
}

export interface SyncServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

const ORDERINGS: ReadonlySet<string> = new Set(['unordered', 'topological', 'groupcompress']);

/** Listens on 127.0.0.1 (an ephemeral port unless given) and serves `store`. */
export async function serveVersionedFiles(store: VersionedFiles, options: ServeOptions & { readonly port?: number } = {}): Promise<SyncServer> {
  const server = createServer(createSyncHandler(store, options));
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The request handler alone, to mount in another node:http server. */
export function createSyncHandler(store: VersionedFiles, options: ServeOptions = {}): RequestListener {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const formatName = options.formatName ?? FORMAT_2A;
  const substream = options.substream ?? 'texts';

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    'GET /info': async (_req, res) => json(res, { keyLength: store.keyLength, formatName }),
    'GET /keys': async (_req, res) => json(res, [...(await allKeys(store))]),
    'POST /parent-map': async (req, res) => {
      const body = await readJson(req, limits.maxJsonBytes);
      const keys = parseKeyList(field(body, 'keys'), store.keyLength, limits.maxKeysPerRequest);
      json(res, [...(await store.getParentMap(keys))]);
    },
    'POST /stream': async (req, res) => {
      const body = await readJson(req, limits.maxJsonBytes);
      const keys = parseKeyList(field(body, 'keys'), store.keyLength, limits.maxKeysPerRequest);
      const ordering = field(body, 'ordering') ?? 'unordered';
      if (typeof ordering !== 'string' || !ORDERINGS.has(ordering)) throw new BadRequest('unknown ordering');
      const closure = field(body, 'includeDeltaClosure') === true;
      const gone = new AbortController();
      res.once('close', () => gone.abort(new Error('client went away')));
      const records = store.getRecordStream(keys, ordering as Ordering, closure, { signal: gone.signal });
      res.writeHead(200, { 'content-type': BYTE_STREAM_TYPE });
      // Once headers are out an error can only cut the stream; the client sees a truncated container.
      await pipeline(Readable.from(coalesce(encodeByteStream([[substream, records]], formatName, { signal: gone.signal }))), res);
    },
    'POST /insert': async (req, res) => {
      if (options.readOnly) throw new BadRequest('this store is read only');
      const wire: Uint8Array[] = [];
      const reader = new ByteStreamReader(req, limits);
      const staging = new StagingStore(store, limits.maxInflatedBytes);
      // Decode and check everything first, keeping the wire records for the real insert.
      await staging.insertRecordStream(
        (async function* (): AsyncGenerator<ContentFactory> {
          for await (const item of reader.rawRecords()) {
            if (item.substream !== substream) throw new BadRequest(`unexpected substream ${JSON.stringify(item.substream)}`);
            wire.push(item.bytes);
            yield* item.records;
          }
        })(),
      );
      await store.insertRecordStream(new NetworkRecordStream(wire).read());
      json(res, { inserted: staging.size });
    },
  };

  return (req, res) => {
    const route = routes[`${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`];
    if (route === undefined) {
      fail(res, 404, 'NotFound', `no route ${req.method} ${req.url}`);
      return;
    }
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy(err instanceof Error ? err : undefined);
        return;
      }
      if (err instanceof VersionedFilesError) fail(res, err instanceof LimitExceeded ? 413 : 400, err.code, err.message);
      else fail(res, 500, 'Internal', err instanceof Error ? err.message : String(err));
      // Drop the rest of a request we refused; do not read an unbounded body.
      req.destroy();
    });
  };
}

/** A memory store over `store`: what it accepts, `store` would accept; it holds at most `maxBytes` of text. */
class StagingStore extends MemoryVersionedFiles {
  #bytes = 0;

  constructor(
    store: VersionedFiles,
    private readonly maxBytes: number,
  ) {
    const base = store as Partial<{ hasGraph: boolean; allowsGhosts: boolean }>;
    super({ keyLength: store.keyLength, graph: base.hasGraph ?? true, ghosts: base.allowsGhosts ?? true, name: 'insert staging' });
    this.addFallbackVersionedFiles(store);
  }

  protected override async storeText(text: ValidatedText, options: AddOptions): Promise<void> {
    this.#bytes += text.text.length;
    if (this.#bytes > this.maxBytes) throw new LimitExceeded('texts of one insert', this.maxBytes, this.#bytes);
    await super.storeText(text, options);
  }
}

function field(body: unknown, name: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('the body must be a JSON object');
  return (body as Record<string, unknown>)[name];
}

async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) throw new LimitExceeded('JSON request body', max, size);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(fromUtf8(concatBytes(chunks))) as unknown;
  } catch {
    throw new BadRequest('the body is not JSON');
  }
}

function json(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}
