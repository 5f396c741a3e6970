// The least any signed publish costs before touching a repository: node start, oclif and
// openpgp.js loaded, the signing key read and unlocked (`node bench/floor.mjs KEY`, passphrase in
// $PKGTRACK_KEY_PASSPHRASE). bench/yum.ts times it beside the add-one publish.
const { default: module } = await import('node:module');
module.enableCompileCache?.();
// What bin/run.js and the commands load of oclif (its subpaths, not the whole package).
await Promise.all(['execute', 'command', 'flags', 'args'].map((m) => import(`@oclif/core/${m}`)));
const openpgp = await import('openpgp');
const { readFileSync } = await import('node:fs');
const key = await openpgp.readPrivateKey({ armoredKey: readFileSync(process.argv[2], 'utf8') });
if (!key.isDecrypted()) await openpgp.decryptKey({ privateKey: key, passphrase: process.env.PKGTRACK_KEY_PASSPHRASE });
