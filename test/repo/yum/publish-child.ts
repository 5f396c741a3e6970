/**
 * A publisher in its own process, so tests can SIGKILL it at any fault point (repo/faults.ts).
 * argv[2]: JSON file {root, suite, add[], privateKeyFile, publicKeyFile}; the key's passphrase
 * comes on stdin (never argv or environment).
 */
import { readFileSync } from 'node:fs';
import * as openpgp from 'openpgp';
import { OpenPgpSigner } from '../../../src/sign/openpgp-signer.js';
import { publishYum } from './harness.js';

const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as {
  root: string;
  suite: string;
  add: string[];
  privateKeyFile: string;
  publicKeyFile: string;
  keep?: number;
};
const passphrase = readFileSync(0, 'utf8').trim();
const key = await openpgp.decryptKey({
  privateKey: await openpgp.readPrivateKey({ armoredKey: readFileSync(cfg.privateKeyFile, 'utf8') }),
  passphrase,
});
const signer = await OpenPgpSigner.create([key]);
const r = await publishYum({
  root: cfg.root,
  suite: cfg.suite,
  add: cfg.add,
  signer,
  publicKeyFile: cfg.publicKeyFile,
  keep: cfg.keep ?? 0,
});
process.stdout.write(`${JSON.stringify({ added: r.added.length })}\n`);
