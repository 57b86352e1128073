#!/usr/bin/env node
// The `vf` executable: runs `main` on the command line and exits with its code.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
