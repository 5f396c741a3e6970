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
module.enableCompileCache?.();
const { execute } = await import('@oclif/core/execute');
await execute({ dir: import.meta.url });
