/**
 * A sign-and-publish run with a sentinel passphrase: every child process pkgtrack starts (here
 * xz, through a PATH shim that records its environment and argv as the kernel sees them) is free
 * of the sentinel, and so are stdout and stderr; the published InRelease verifies with gpgv.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { binaryPublicKeys, readKeys } from '../../src/sign/keys.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { gpgv } from './helpers.js';

const SENTINEL = 'sentinel-Publish-Passphrase-51d2';

async function tinyDeb(dir: string): Promise<string> {
  const root = join(dir, 'pkg');
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await mkdir(join(root, 'usr/share/doc/hello-sentinel'), { recursive: true });
  await writeFile(join(root, 'usr/share/doc/hello-sentinel/README'), 'hello\n');
  await writeFile(
    join(root, 'DEBIAN/control'),
    'Package: hello-sentinel\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Ada Lovelace <ada@example.org>\nDescription: test package\n',
  );
  const deb = join(dir, 'hello-sentinel_1.0-1_all.deb');
  await run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, deb]);
  return deb;
}

describe('secrets during sign + publish', () => {
  it.each([
    ['PKGTRACK_KEY_PASSPHRASE', ''],
    ['REPO_PW', '  passphraseEnv: REPO_PW\n'],
  ])('passphrase in %s: not in output, nor in any child env or argv', async (envName, extra) => {
    const repo = tempDir('pkgtrack-pubsecret-');
    await writeFile(
      join(repo, 'pkgtrack.yaml'),
      `name: example\norigin: Example\nlabel: Example\nmaintainer: Ada Lovelace <ada@example.org>\ntargets: [debian:bookworm]\nsigning:\n  key: keys/signing.key\n${extra}`,
    );
    await mkdir(join(repo, 'recipes'));
    const env = { [envName]: SENTINEL };
    const gen = await pkgtrack(['key', 'generate', '--type', 'ed25519'], { cwd: repo, env });
    expect(gen.code, gen.stderr).toBe(0);

    // PATH shim: xz records what it was given, then runs the real one.
    const shim = join(repo, 'shim');
    const log = join(repo, 'children.log');
    await mkdir(shim);
    const realXz = (await run('sh', ['-c', 'command -v xz'])).stdout.trim();
    await writeFile(
      join(shim, 'xz'),
      `#!/bin/sh\n{ echo "== xz $$"; tr '\\0' '\\n' </proc/$$/environ; echo "-- argv"; tr '\\0' ' ' </proc/$$/cmdline; echo; } >>'${log}'\nexec '${realXz}' "$@"\n`,
    );
    await chmod(join(shim, 'xz'), 0o755);

    const deb = await tinyDeb(repo);
    const pub = await pkgtrack(['publish', '--suite', 'bookworm', deb], {
      cwd: repo,
      env: { ...env, PATH: `${shim}:${process.env.PATH}` },
    });
    expect(pub.code, pub.stderr).toBe(0);
    expect(pub.stdout + pub.stderr).not.toContain(SENTINEL);

    const children = await readFile(log, 'utf8');
    expect(children).toMatch(/== xz \d+/); // the shim really ran: a child was started
    expect(children).toContain(`PATH=${shim}`);
    expect(children).not.toContain(SENTINEL);

    // What was published is signed by the generated key.
    const inRelease = (await run('find', [repo, '-name', 'InRelease', '-path', '*bookworm*'])).stdout.trim().split('\n')[0]!;
    expect(inRelease).not.toBe('');
    const keyring = join(repo, 'k.gpg');
    await writeFile(keyring, binaryPublicKeys(await readKeys(await readFile(join(repo, 'keys/signing.pub.asc'), 'utf8'), 'pub')));
    const g = await gpgv(keyring, [inRelease]);
    expect(g.code, g.stderr).toBe(0);
  });
});
