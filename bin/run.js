#!/usr/bin/env node
// Refuse old runtimes with a fix instead of a stack trace from a missing API.
// 22.15: node:zlib's zstd, which reads zstd-compressed .debs and yum metadata.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(
    `error[NODE_TOO_OLD]: pkgtrack needs Node >= 22.15 (Node 24 LTS recommended); this is ${process.versions.node}\n` +
      '  fix: npm install -g --prefix /opt/node24 node@24 && ln -sf /opt/node24/bin/node /usr/local/bin/node\n',
  );
  process.exit(1);
}
// Cache compiled bytecode between runs (Node >= 22.1): start-up is most of a short command.
const { default: module } = await import('node:module');
if (module.enableCompileCache) module.enableCompileCache(process.env.NODE_COMPILE_CACHE ? undefined : await compileCacheDir());
const { execute } = await import('@oclif/core/execute');
await execute({ dir: import.meta.url });

/**
 * The compile cache of this build of pkgtrack: one folder per build in pkgtrack's per-user
 * cache. Node never evicts entries, and its default folder (/tmp/node-compile-cache) gained a
 * copy of pkgtrack's code per upgrade: the first run of a new build removes the other builds'
 * folders. Undefined (Node's default) where there is no home to cache in.
 */
async function compileCacheDir() {
  const { existsSync, readdirSync, readFileSync, rmSync, statSync } = process.getBuiltinModule('node:fs');
  const { join } = process.getBuiltinModule('node:path');
  try {
    // core/dirs.ts (built-ins only): the per-user cache's rule, and folders made one level at a
    // time (Node's recursive mkdir retries forever below /proc: every command would hang).
    const { makeDirsSync, userCacheDir } = await import('../dist/core/dirs.js');
    const root = join(userCacheDir(), 'node-compile-cache');
    // A build: its version (npm gives every packed file one mtime), and its command manifest's
    // mtime (written by every `npm run build`).
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const built = Math.trunc(statSync(new URL('../oclif.manifest.json', import.meta.url)).mtimeMs).toString(36);
    const dir = join(root, `node${process.versions.node}-pkgtrack${version}-${built}`);
    if (!existsSync(dir)) {
      makeDirsSync(dir);
      for (const other of readdirSync(root)) if (join(root, other) !== dir) rmSync(join(root, other), { recursive: true, force: true });
    }
    return dir;
  } catch {
    return undefined;
  }
}
