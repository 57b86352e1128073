// Regenerates sample/history.json, the history `vf demo` uses where there is
// no git repository: a few versions of a few of this project's own files.
// Run from the repository root after `npm run build`:
//   node packages/cli/sample/make-sample.mjs
import { writeFileSync } from 'node:fs';
import { gitHistory } from '../dist/demo/history.js';

const history = await gitHistory(process.cwd(), { files: 4, versionsPerFile: 6 });
if (history === null) throw new Error('run this inside the git repository');
const decoder = new TextDecoder('utf-8', { fatal: true });
const texts = history.texts.map((t) => ({ key: t.key, parents: t.parents, text: decoder.decode(t.text) }));
const out = { source: 'sample bundled with @versionedfiles/cli (versions of versionedfiles source files)', texts };
writeFileSync(new URL('./history.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
console.log(`${texts.length} texts`);
