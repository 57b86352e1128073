// The network side of a store: its record stream as Breezy's smart-protocol
// byte stream on stdout / from stdin, and `vf serve` (the HTTP endpoint of
// `@versionedfiles/sync` that `vf sync` and `RemoteVersionedFiles` talk to).

import { once } from 'node:events';
import { ByteStreamReader, encodeByteStream, serveVersionedFiles } from '@versionedfiles/sync';
import type { ContentFactory } from '@versionedfiles/core';
import { withStore, type Command } from '../command.js';
import { asBytes, parseKey } from '../context.js';
import { networkFormatName } from '../store.js';

export const exportStream: Command = {
  name: 'export-stream',
  usage: 'export-stream [KEY...] > stream   (default: every text)',
  summary: 'write texts as a Breezy byte stream (network records in a pack container) on stdout',
  async run(ctx) {
    await withStore(ctx, { write: false }, async (store) => {
      const keys = ctx.positionals.length ? ctx.positionals.map((k) => parseKey(k, store.keyLength)) : [...(await store.vf.keys())];
      const records = store.vf.getRecordStream(keys, 'topological', false);
      for await (const chunk of encodeByteStream([['texts', records]], networkFormatName(store.format))) await ctx.write(chunk);
    });
  },
};

export const importStream: Command = {
  name: 'import-stream',
  usage: 'import-stream < stream',
  summary: 'insert the records of a byte stream from stdin (ours or Breezy\'s)',
  async run(ctx) {
    await withStore(ctx, { write: true }, async (store) => {
      async function* bytes(): AsyncGenerator<Uint8Array> {
        for await (const chunk of ctx.streams.stdin) yield typeof chunk === 'string' ? new TextEncoder().encode(chunk) : asBytes(chunk as Uint8Array);
      }
      const reader = new ByteStreamReader(bytes());
      const format = await reader.open();
      let n = 0;
      async function* records(): AsyncGenerator<ContentFactory> {
        for await (const { record } of reader.records()) {
          n++;
          yield record;
        }
      }
      const bar = ctx.progress('import');
      try {
        await store.vf.insertRecordStream(records(), { progress: bar.update });
      } finally {
        bar.done();
      }
      const missing = await store.vf.getMissingCompressionParentKeys();
      if (ctx.json) ctx.emit({ format: format.trim(), records: n, missingCompressionParents: [...missing] });
      ctx.say(`imported ${n} records (stream from "${format.trim()}")`);
      if (missing.size > 0) ctx.say(`${missing.size} records wait for their delta basis: import a stream that holds it`);
    });
  },
};

export const serve: Command = {
  name: 'serve',
  usage: 'serve [DIR] [--port N] [--read-only]',
  summary: 'serve a store over HTTP on 127.0.0.1 (for vf sync and RemoteVersionedFiles) until interrupted',
  options: { port: { type: 'string' }, 'read-only': { type: 'boolean' } },
  async run(ctx) {
    const dir = ctx.positionals[0] ?? ctx.storeDir;
    const port = Number(ctx.string('port') ?? '0');
    const readOnly = ctx.flag('read-only');
    await withStore(ctx, { write: !readOnly, dir }, async (store) => {
      const server = await serveVersionedFiles(store.vf, { port, readOnly, formatName: networkFormatName(store.format) });
      if (ctx.json) ctx.emit({ url: server.url, dir, readOnly });
      ctx.say(`serving ${dir} at ${server.url}${readOnly ? ' (read only)' : ''}; Ctrl-C stops`);
      await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
      await server.close();
    });
  },
};
