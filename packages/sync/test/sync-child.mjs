// Child process for killed.test.ts: syncs knit files in argv[2] into knit files
// in argv[3] (both on disk), printing "copied N" after each record, until done
// or killed. Runs on the built packages (dist), as a user's program would.
import { ConstantMapper, LocalTransport } from '@versionedfiles/core';
import { makeFileFactory } from '@versionedfiles/knit';
import { syncVersionedFiles } from '@versionedfiles/sync';

const open = (dir) => makeFileFactory(false, new ConstantMapper('texts'), { keyLength: 1 })(new LocalTransport(dir));
const result = await syncVersionedFiles(open(process.argv[2]), open(process.argv[3]), {
  batchSize: 5,
  progress: (e) => {
    if (e.phase === 'copy') process.stdout.write(`copied ${e.done}\n`);
  },
});
process.stdout.write(`done ${result.copied}\n`);
