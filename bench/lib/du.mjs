// `diskUsage(dir)`: the total size in bytes of the files under a directory.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function diskUsage(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += diskUsage(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}
