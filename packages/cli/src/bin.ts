#!/usr/bin/env node
// The `vf` executable: runs `main` on the command line and exits with its code.
import { main } from './main.js';

// A reader that stops early (`vf log | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
