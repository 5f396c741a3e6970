/**
 * Test helpers for apt repositories: a throwaway signing key (gpg), tiny real .debs
 * (dpkg-deb), a static HTTP server on 127.0.0.1 (with optional per-path overrides to play a
 * stale mirror), and an isolated apt + dpkg root so real `apt-get update/install/upgrade`
 * run against a published repository without touching the host.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pkgtrack, ROOT, tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';

export interface TestKey {
  secret: string;
  pub: string;
  fingerprint: string;
}

/** An Ed25519 signing key made by gpg (no passphrase), exported armored. */
export function makeKey(dir: string): TestKey {
  const home = join(dir, 'gnupg');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'pkgtrack test <test@example.org>', 'ed25519', 'sign', 'never'], {
    env,
    stdio: 'ignore',
  });
  const secret = join(dir, 'key.asc');
  const pub = join(dir, 'pub.asc');
  writeFileSync(secret, execFileSync('gpg', ['--batch', '--armor', '--export-secret-keys'], { env }));
  writeFileSync(pub, execFileSync('gpg', ['--batch', '--armor', '--export'], { env }));
  const fpr = /^fpr:+([0-9A-F]+):/m.exec(execFileSync('gpg', ['--batch', '--with-colons', '--fingerprint'], { env }).toString())![1]!;
  // The key is exported: the agent gpg started for this home would outlive the test.
  execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
  return { secret, pub, fingerprint: fpr };
}

/**
 * A real .deb built by dpkg-deb; `content` changes the bytes for the same name/version; `control`:
 * extra control lines (e.g. `Auto-Built-Package: debug-symbols`); `file`: another file name.
 */
export function buildDeb(
  dir: string,
  name: string,
  version: string,
  opts: { arch?: string; content?: string; control?: string; file?: string } = {},
): string {
  const arch = opts.arch ?? 'all';
  const root = join(dir, `build-${name}-${version}-${arch}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr/share', name), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN/control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nMaintainer: Test <test@example.org>\nInstalled-Size: 1\nSection: misc\nPriority: optional\n${opts.control ?? ''}Description: pkgtrack test package\n Installed by the apt repository tests.\n`,
  );
  writeFileSync(join(root, 'usr/share', name, 'VERSION'), `${version}\n${opts.content ?? ''}`);
  const out = join(dir, opts.file ?? `${name}_${version.replace(/^\d+:/, '')}_${arch}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '-b', root, out], {
    stdio: 'ignore',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
  });
  return out;
}

export { type StaticServer, serveDir } from '../helpers/static-server.js';

export interface AptResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program asynchronously (the HTTP server lives in this process: never block it). */
export async function runAsync(program: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<AptResult> {
  const r = await spawnAsync(program, args, { env, timeoutMs, killSignal: 'SIGKILL' });
  return { status: r.signal ? null : r.code, stdout: r.stdout, stderr: r.stderr };
}

export interface AptRoot {
  root: string;
  /** Run apt-get (or apt-cache with `tool`) in the isolated root. */
  apt(args: string[], tool?: 'apt-get' | 'apt-cache'): Promise<AptResult>;
  /** Installed version of a package in the isolated dpkg database, or undefined. */
  installed(name: string): string | undefined;
  /** Write the deb822 .sources file (Signed-By: the key file). */
  setSources(entries: Array<{ uri: string; suites: string[] }>, keyFile: string): void;
}

/** An isolated apt configuration and dpkg database (dpkg --root) under a temp dir; `arch`: the root's architecture (default amd64). */
export function aptRoot(opts: { arch?: string } = {}): AptRoot {
  const arch = opts.arch ?? 'amd64';
  const root = tempDir('pkgtrack-aptroot-');
  for (const d of [
    'etc/apt/sources.list.d',
    'etc/apt/apt.conf.d',
    'etc/apt/preferences.d',
    'etc/apt/trusted.gpg.d',
    'var/lib/apt/lists/partial',
    'var/cache/apt/archives/partial',
    'var/lib/dpkg/info',
    'var/lib/dpkg/updates',
    'var/log/apt',
  ]) {
    mkdirSync(join(root, d), { recursive: true });
  }
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  writeFileSync(join(root, 'var/lib/dpkg/available'), '');
  const conf = join(root, 'etc/apt/apt.conf');
  writeFileSync(
    conf,
    [
      `Dir::Etc::Parts "${root}/etc/apt/apt.conf.d";`,
      'Dir::Etc::SourceList "/dev/null";',
      `Dir::Etc::SourceParts "${root}/etc/apt/sources.list.d";`,
      'Dir::Etc::Trusted "/dev/null";',
      `Dir::Etc::TrustedParts "${root}/etc/apt/trusted.gpg.d";`,
      `Dir::Etc::PreferencesParts "${root}/etc/apt/preferences.d";`,
      `Dir::State "${root}/var/lib/apt";`,
      `Dir::State::status "${root}/var/lib/dpkg/status";`,
      `Dir::Cache "${root}/var/cache/apt";`,
      `Dir::Log "${root}/var/log/apt";`,
      'Debug::NoLocking "true";',
      'APT::Sandbox::User "root";',
      `APT::Architecture "${arch}";`,
      `APT::Architectures { "${arch}"; };`,
      'Acquire::Languages "none";',
      'Acquire::Retries "0";',
      `DPkg::Options { "--root=${root}"; "--admindir=${root}/var/lib/dpkg"; "--force-not-root"; "--force-script-chrootless"; "--log=${root}/var/log/dpkg.log"; };`,
      'DPkg::Use-Pty "false";',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, APT_CONFIG: conf, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
  return {
    root,
    apt: (args, tool = 'apt-get') => runAsync(tool, args, env),
    installed: (name) => {
      const st = readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8');
      for (const s of st.split('\n\n')) {
        if (new RegExp(`^Package: ${name}$`, 'm').test(s) && /^Status: install ok installed$/m.test(s))
          return /^Version: (.*)$/m.exec(s)?.[1];
      }
      return undefined;
    },
    setSources: (entries, keyFile) => {
      const text = entries
        .map((e) => `Types: deb\nURIs: ${e.uri}\nSuites: ${e.suites.join(' ')}\nComponents: main\nSigned-By: ${keyFile}\n`)
        .join('\n');
      writeFileSync(join(root, 'etc/apt/sources.list.d/pkgtrack.sources'), text);
    },
  };
}

/** `apt-ftparchive` options for Packages with only the SHA256 hash we publish (tests and bench compare against it). */
export const FTPARCHIVE_SHA256_ONLY = [
  '-o',
  'APT::FTPArchive::MD5=false',
  '-o',
  'APT::FTPArchive::SHA1=false',
  '-o',
  'APT::FTPArchive::SHA512=false',
];

/** The real-.deb corpus (.cache/deb-corpus), fetched from the Debian mirror when missing. */
export async function ensureCorpus(): Promise<{ dir: string; debs: string[]; dscs: string[] }> {
  const dir = join(ROOT, '.cache', 'deb-corpus');
  if (!existsSync(join(dir, 'corpus.json'))) {
    const r = await spawnAsync(process.execPath, ['--import', 'tsx', 'scripts/fetch-deb-corpus.ts'], { cwd: ROOT, inheritOutput: true });
    if (r.code !== 0) throw new Error(`scripts/fetch-deb-corpus.ts failed (exit ${r.code})`);
  }
  return { dir, ...(JSON.parse(readFileSync(join(dir, 'corpus.json'), 'utf8')) as { debs: string[]; dscs: string[] }) };
}

/** `pkgtrack publish` as a user runs it, with a key file and no pkgtrack.yaml. */
export async function publishCli(cwd: string, key: TestKey, out: string, args: string[], env: Record<string, string> = {}) {
  return await pkgtrack(['publish', '--key', key.secret, '--output', out, ...args], { cwd, env });
}

/** Fail with apt's own output when it did not succeed (or printed warnings/errors). */
export function expectAptOk(r: AptResult, what: string): void {
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0 || /^(W|E|Err):/m.test(out)) throw new Error(`${what} failed (exit ${r.status}):\n${out}`);
}

/**
 * A recipes repository at `<dir>/repo` signing with a new key (key.asc), named `name` (also its
 * label and origin, capitalised), with `extra` pkgtrack.yaml lines. Returns the repository root.
 */
export function keyedRecipesRepo(dir: string, name: string, extra = ''): string {
  const key = makeKey(dir);
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'recipes'), { recursive: true });
  copyFileSync(key.secret, join(repo, 'key.asc'));
  const label = name[0]!.toUpperCase() + name.slice(1);
  writeFileSync(
    join(repo, 'pkgtrack.yaml'),
    `name: ${name}\norigin: ${label}\nlabel: ${label}\nmaintainer: T <t@example.org>\nurl: http://127.0.0.1:9/${name}\nsigning:\n  key: key.asc\n${extra}`,
  );
  return repo;
}
