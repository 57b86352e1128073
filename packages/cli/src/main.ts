// The `vf` command: argument parsing, the command table, help, and turning
// whatever a command throws into one line on stderr and an exit code.
//
// Entry points: `main(argv, streams?, env?)` → exit code; `COMMANDS`.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Command } from './command.js';
import { makeContext, type Streams } from './context.js';
import { EXIT, UsageError, describeError, formatErrorLine } from './errors.js';
import { add, annotate, cat, diff, graph, init, log } from './commands/texts.js';
import { check, convert, stats, sync } from './commands/maintenance.js';
import { inspect } from './commands/inspect.js';
import { snapshot } from './commands/snapshot.js';
import { demo } from './demo/demo.js';
import { exportStream, importStream, serve } from './commands/network.js';

export const COMMANDS: readonly Command[] = [init, add, cat, log, graph, annotate, diff, stats, check, inspect, convert, exportStream, importStream, sync, serve, snapshot, demo];

const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  store: { type: 'string', short: 's' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: vf COMMAND [ARGS] [--store DIR] [--json] [--quiet]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'The store is --store DIR, else $VF_STORE, else the current directory.',
    '`vf help COMMAND` shows a command\'s arguments.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], streams: Streams = process, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const commands = COMMANDS;
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const topic = commands.find((c) => c.name === rest[0]);
      streams.stdout.write(topic ? `usage: vf ${topic.usage}\n\n${topic.summary}\n` : usage(commands));
      return EXIT.ok;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command "${name}"`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: [...rest], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError(`${(err as Error).message.split('\n')[0]} — usage: vf ${command.usage}`);
    }
    if (parsed.values['help'] === true) {
      streams.stdout.write(`usage: vf ${command.usage}\n\n${command.summary}\n`);
      return EXIT.ok;
    }
    const ctx = makeContext(parsed.positionals, parsed.values, streams, env);
    return (await command.run(ctx)) ?? EXIT.ok;
  } catch (err) {
    const report = describeError(err);
    if (report.exit === EXIT.ok) return EXIT.ok;
    if (argv.includes('--json')) {
      streams.stdout.write(`${JSON.stringify({ error: { code: report.code, message: report.message, hint: report.hint } })}\n`);
    }
    streams.stderr.write(`${formatErrorLine(report)}\n`);
    if (env['VF_DEBUG'] && err instanceof Error) streams.stderr.write(`${err.stack ?? ''}\n`);
    return report.exit;
  }
}
