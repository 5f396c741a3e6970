/**
 * A small Debian-style archive built with the real tools: .dsc files in a pool, Sources made by
 * apt-ftparchive, Release by apt-ftparchive, InRelease clearsigned by a throwaway gpg key.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ArchiveFixture {
  root: string;
  /** Binary keyring holding the signing key. */
  keyring: string;
  /** Another key's keyring (signature must fail). */
  otherKeyring: string;
}

function genKey(home: string, uid: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  execFileSync('gpg', ['--batch', '--homedir', home, '--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', '1d'], {
    stdio: 'ignore',
  });
}

export function buildArchive(
  root: string,
  suite: string,
  packages: Array<{ name: string; version: string }>,
  opts: { validUntil?: string } = {},
): ArchiveFixture {
  const gpgHome = join(root, '..', 'gnupg-archive');
  const otherHome = join(root, '..', 'gnupg-other');
  genKey(gpgHome, 'Test Archive <archive@example.org>');
  genKey(otherHome, 'Someone Else <other@example.org>');
  for (const p of packages) {
    const dir = join(root, 'pool', 'main', p.name[0]!, p.name);
    mkdirSync(dir, { recursive: true });
    const up = p.version.replace(/^\d+:/, '').replace(/-[^-]+$/, '');
    const orig = `${p.name}_${up}.orig.tar.gz`;
    const body = `${p.name} ${up}\n`;
    writeFileSync(join(dir, orig), body);
    const sha = createHash('sha256').update(body).digest('hex');
    const md5 = createHash('md5').update(body).digest('hex');
    writeFileSync(
      join(dir, `${p.name}_${p.version.replace(/^\d+:/, '')}.dsc`),
      `Format: 3.0 (quilt)\nSource: ${p.name}\nBinary: ${p.name}\nArchitecture: any\nVersion: ${p.version}\nMaintainer: T <t@example.org>\nChecksums-Sha256:\n ${sha} ${body.length} ${orig}\nFiles:\n ${md5} ${body.length} ${orig}\n`,
    );
  }
  const dists = join(root, 'dists', suite);
  mkdirSync(join(dists, 'main', 'source'), { recursive: true });
  const sources = execFileSync('apt-ftparchive', ['sources', 'pool'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  writeFileSync(join(dists, 'main', 'source', 'Sources'), sources);
  execFileSync('xz', ['-k', '-f', join(dists, 'main', 'source', 'Sources')]);
  const release = execFileSync(
    'apt-ftparchive',
    [
      '-o',
      `APT::FTPArchive::Release::Suite=${suite}`,
      '-o',
      'APT::FTPArchive::Release::Origin=Test',
      '-o',
      'APT::FTPArchive::Release::Components=main',
      ...(opts.validUntil ? ['-o', `APT::FTPArchive::Release::ValidTime=${opts.validUntil}`] : []),
      'release',
      '.',
    ],
    { cwd: dists },
  );
  writeFileSync(join(dists, 'Release'), release);
  execFileSync(
    'gpg',
    ['--batch', '--homedir', gpgHome, '--yes', '--clearsign', '--output', join(dists, 'InRelease'), join(dists, 'Release')],
    { stdio: 'ignore' },
  );
  const keyring = join(root, '..', 'archive-keyring.gpg');
  const otherKeyring = join(root, '..', 'other-keyring.gpg');
  writeFileSync(keyring, execFileSync('gpg', ['--batch', '--homedir', gpgHome, '--export']));
  writeFileSync(otherKeyring, execFileSync('gpg', ['--batch', '--homedir', otherHome, '--export']));
  return { root, keyring, otherKeyring };
}
