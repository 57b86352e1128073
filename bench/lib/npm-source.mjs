// The real corpus from the npm registry: every published version of a few
// packages, each file path a key prefix, each version a key, the previous
// changed version of that file its parent.
//
// Entry points: `npmRegistry(cacheDir)` (the source, through the ordinary npm
// client: `npm view PKG versions --json`, `npm pack PKG@VER...` into the cache)
// and `buildNpmCorpus(source, packages, maxBytes)`. The source is an object
// with `versions(pkg)` and `tarballs(pkg, versions)`, so tests can hand in a
// tiny fake one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorpusBuilder, escapeKeyElement } from './corpus.mjs';
import { readTgz } from './tar.mjs';

const npm = (args, cwd) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });

/** `npm pack` names its tarball `<name>-<version>.tgz`, scope `@a/b` as `a-b`. */
const tarballName = (pkg, version) => `${pkg.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;

export function npmRegistry(cacheDir) {
  const dir = join(cacheDir, 'npm');
  mkdirSync(dir, { recursive: true });
  return {
    versions(pkg) {
      const list = JSON.parse(npm(['view', pkg, 'versions', '--json'], dir));
      return Array.isArray(list) ? list : [list];
    },
    /** Yields `[version, tgzBytes]`, packing the missing tarballs in batches. */
    *tarballs(pkg, versions) {
      const missing = versions.filter((v) => !existsSync(join(dir, tarballName(pkg, v))));
      for (let i = 0; i < missing.length; i += 40) {
        const batch = missing.slice(i, i + 40).map((v) => `${pkg}@${v}`);
        npm(['pack', '--silent', '--ignore-scripts', '--pack-destination', dir, ...batch], dir);
      }
      for (const v of versions) yield [v, readFileSync(join(dir, tarballName(pkg, v)))];
    },
  };
}

/**
 * Takes versions of each package in registry order until the corpus holds
 * `maxBytes` of fulltexts (shared evenly between the packages). A file's key
 * prefix is `<package>/<path inside the tarball>`, escaped for key rules.
 */
export function buildNpmCorpus(source, packages, maxBytes) {
  const builder = new CorpusBuilder();
  packages.forEach((pkg, i) => {
    // Each package gets an even share of what the ones before it left over.
    const start = builder.bytes;
    const share = (maxBytes - start) / (packages.length - i);
    const versions = source.versions(pkg);
    // Pack in slices so a small preset does not download every version.
    for (let v = 0; v < versions.length && builder.bytes - start < share; v += 20) {
      for (const [version, tgz] of source.tarballs(pkg, versions.slice(v, v + 20))) {
        if (builder.bytes - start >= share) break;
        const files = readTgz(tgz).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        for (const f of files) {
          const path = f.path.replace(/^[^/]*\//, '');
          builder.addLinear(escapeKeyElement(`${pkg}/${path}`), escapeKeyElement(version), f.data);
        }
      }
    }
  });
  return builder.entries;
}
