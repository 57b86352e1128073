// Child process: `node bench/runners/ours.mjs CONFIG.json` runs the bench
// operations on one of our backends (see ours-run.mjs) and prints one JSON
// line; a wrong extracted text (or any failure) exits non-zero.
import { readFileSync } from 'node:fs';
import { runOurs } from './ours-run.mjs';

const result = await runOurs(JSON.parse(readFileSync(process.argv[2], 'utf8')));
console.log(JSON.stringify(result));
