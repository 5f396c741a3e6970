#!/usr/bin/env node
// Refuse old runtimes with a fix instead of a stack trace from a missing API.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `error[NODE_TOO_OLD]: pkgtrack needs Node >= 22 (Node 24 LTS recommended); this is ${process.versions.node}\n` +
      '  fix: npm install -g --prefix /opt/node24 node@24 && ln -sf /opt/node24/bin/node /usr/local/bin/node\n',
  );
  process.exit(1);
}
// Cache compiled bytecode between runs (Node >= 22.1): start-up is most of a short command.
const { default: module } = await import('node:module');
if (module.enableCompileCache) module.enableCompileCache(process.env.NODE_COMPILE_CACHE ? undefined : compileCacheDir());
const { execute } = await import('@oclif/core/execute');
await execute({ dir: import.meta.url });

/**
 * The compile cache of this build of pkgtrack: one folder per build in pkgtrack's per-user
 * cache. Node never evicts entries, and its default folder (/tmp/node-compile-cache) gained a
 * copy of pkgtrack's code per upgrade: the first run of a new build removes the other builds'
 * folders. Undefined (Node's default) where there is no home to cache in.
 */
function compileCacheDir() {
  const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } = process.getBuiltinModule('node:fs');
  const { homedir } = process.getBuiltinModule('node:os');
  const { dirname, isAbsolute, join, resolve } = process.getBuiltinModule('node:path');
  // Not mkdirSync's `recursive`: under a folder that refuses new entries with ENOENT (/proc),
  // Node's recursive mkdir retries forever, and every command would hang before it starts.
  const makeDir = (d) => {
    try {
      mkdirSync(d);
    } catch (e) {
      if (e.code === 'EEXIST') return;
      if (e.code !== 'ENOENT' || dirname(d) === d) throw e;
      makeDir(dirname(d));
      mkdirSync(d);
    }
  };
  try {
    // The per-user cache of core/fsutil.ts userCacheDir (same rule: empty is unset, a relative
    // $XDG_CACHE_HOME is ignored).
    const own = process.env.PKGTRACK_CACHE_DIR;
    const xdg = process.env.XDG_CACHE_HOME;
    const cache = own ? resolve(own) : join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'pkgtrack');
    const root = join(cache, 'node-compile-cache');
    // A build: its version (npm gives every packed file one mtime), and its command manifest's
    // mtime (written by every `npm run build`).
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const built = Math.trunc(statSync(new URL('../oclif.manifest.json', import.meta.url)).mtimeMs).toString(36);
    const dir = join(root, `node${process.versions.node}-pkgtrack${version}-${built}`);
    if (!existsSync(dir)) {
      makeDir(dir);
      for (const other of readdirSync(root)) if (join(root, other) !== dir) rmSync(join(root, other), { recursive: true, force: true });
    }
    return dir;
  } catch {
    return undefined;
  }
}
