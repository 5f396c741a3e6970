/**
 * The shell steps of the generated workflows, run for real with bash the way GitHub runs them
 * (`bash --noprofile --norc -eo pipefail`): secrets stay out of argv and the trace, the signing
 * key file is 0600, and the output restore tells "no Pages branch yet" from "cannot reach it"
 * against local bare git repositories.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderWorkflows } from '../../src/services/init/workflow.js';
import { tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { parseWorkflow, type Step, step, type Workflow } from './workflow-helpers.js';

const all = [
  ...(['branch', 'artifact'] as const).flatMap((pages) =>
    Object.entries(renderWorkflows({ name: 'acme', pages })).map(([path, text]) => ({
      label: `${pages} ${path}`,
      wf: parseWorkflow(text),
    })),
  ),
  ...Object.entries(renderWorkflows({ name: 'acme', pages: 'branch', publish: 's3' })).map(([path, text]) => ({
    label: `s3 ${path}`,
    wf: parseWorkflow(text),
  })),
];
const nightly = parseWorkflow(
  renderWorkflows({ name: 'acme', pages: 'branch', channels: ['trunk'] })['.github/workflows/pkgtrack-nightly.yml']!,
);

/** Run a step's script as GitHub does, with `-x` so every expanded command line is traced. */
async function runStep(s: Step, opts: { cwd: string; env?: Record<string, string> }) {
  const script = join(opts.cwd, '.step.sh');
  writeFileSync(script, s.run!);
  const githubEnv = join(opts.cwd, '.github-env');
  writeFileSync(githubEnv, '');
  const r = await spawnAsync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-x', script], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, HOME: opts.cwd, GIT_CONFIG_NOSYSTEM: '1', GITHUB_ENV: githubEnv, ...opts.env },
  });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, githubEnv: readFileSync(githubEnv, 'utf8') };
}

const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

describe('secrets in the generated workflows', () => {
  it('reach steps only through step-level env, never through a script, job or workflow env', () => {
    for (const { label, wf } of all) {
      expect(JSON.stringify(wf.env ?? {}), label).not.toContain('secrets.');
      for (const [name, job] of Object.entries(wf.jobs)) {
        expect(JSON.stringify(job.env ?? {}), `${label} ${name}`).not.toContain('secrets.');
        for (const s of job.steps) {
          const where = `${label} ${name} ${s.name ?? s.id ?? s.uses ?? s.run}`;
          // Anything but env: run scripts, with: inputs, if: conditions.
          expect(JSON.stringify({ ...s, env: undefined }), where).not.toMatch(/secrets\.|PKGTRACK_KEY_PASSPHRASE/);
          for (const [k, v] of Object.entries(s.env ?? {})) {
            const m = /^\$\{\{ secrets\.([A-Z_]+) \}\}$/.exec(v);
            if (v.includes('secrets.')) expect(m?.[1], where).toBe(k);
          }
        }
      }
    }
  });

  it('gives the passphrase and the key only to the steps that sign and publish', () => {
    for (const { label, wf } of all) {
      const holders = Object.entries(wf.jobs).flatMap(([job, j]) =>
        j.steps.filter((s) => s.env?.PKGTRACK_KEY_PASSPHRASE || s.env?.PKGTRACK_SIGNING_KEY).map((s) => `${job}/${s.name}`),
      );
      expect(holders, label).toEqual(['publish/Write the signing key', 'publish/Publish']);
    }
  });

  it('writes the key file 0600 without the key in any command line', async () => {
    const cwd = tempDir();
    const key = '-----BEGIN PGP PRIVATE KEY BLOCK-----\nsentinel-key-material\n-----END PGP PRIVATE KEY BLOCK-----';
    const r = await runStep(
      step(nightly, 'publish', (s) => s.name === 'Write the signing key'),
      { cwd, env: { PKGTRACK_SIGNING_KEY: key } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('printenv PKGTRACK_SIGNING_KEY');
    expect(r.stderr + r.stdout).not.toContain('sentinel-key-material');
    expect(readFileSync(join(cwd, 'keys/signing.key'), 'utf8')).toBe(`${key}\n`);
    expect(statSync(join(cwd, 'keys/signing.key')).mode & 0o777).toBe(0o600);
  });

  it('runs publish with the passphrase in its environment and not in its argv', async () => {
    const cwd = tempDir();
    const bin = join(cwd, 'bin');
    mkdirSync(bin);
    // A stand-in pkgtrack that records what it was given.
    writeFileSync(join(bin, 'pkgtrack'), '#!/bin/sh\nprintf "%s\\n" "$@" > argv.txt\nprintenv PKGTRACK_KEY_PASSPHRASE > passphrase.txt\n');
    chmodSync(join(bin, 'pkgtrack'), 0o755);
    const secret = 'sentinel passphrase $(touch pwned) `id`';
    const r = await runStep(
      step(nightly, 'publish', (s) => s.name === 'Publish'),
      {
        cwd,
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          PKGTRACK_KEY_PASSPHRASE: secret,
          GITHUB_REPOSITORY: 'acme/ppa',
          GITHUB_TOKEN: 'sentinel-token',
          PKGTRACK_PAGES_BASE: 'none',
          PLANNED: '{"include":[]}',
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const argv = readFileSync(join(cwd, 'argv.txt'), 'utf8').trim().split('\n');
    expect(readFileSync(join(cwd, 'planned.json'), 'utf8')).toBe('{"include":[]}\n');
    expect(argv).toEqual([
      'publish',
      '--from-artifacts',
      'artifacts',
      '--planned',
      'planned.json',
      '--output',
      'public',
      '--to',
      'git+https://github.com/acme/ppa.git#gh-pages',
      '--lease',
      'none',
    ]);
    expect(readFileSync(join(cwd, 'passphrase.txt'), 'utf8')).toBe(`${secret}\n`);
    expect(r.stderr + r.stdout).not.toMatch(/sentinel/);
    expect(existsSync(join(cwd, 'pwned'))).toBe(false);
  });
});

describe('restoring the published output from the Pages branch', () => {
  const restore = (wf: Workflow) => step(wf, 'publish', (s) => s.name?.startsWith('Restore the published repositories') ?? false);

  /** A checkout like actions/checkout's: a clone of `origin`, here a local bare repository. */
  function checkout(withPages: boolean): { origin: string; work: string } {
    const dir = tempDir();
    const origin = join(dir, 'origin.git');
    const seed = join(dir, 'seed');
    git(dir, 'init', '-q', '--bare', '-b', 'main', origin);
    git(dir, 'init', '-q', '-b', 'main', seed);
    writeFileSync(join(seed, 'pkgtrack.yaml'), 'name: acme\n');
    git(seed, 'add', 'pkgtrack.yaml');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'main');
    git(seed, 'push', '-q', origin, 'main');
    if (withPages) {
      git(seed, 'checkout', '-q', '--orphan', 'gh-pages');
      git(seed, 'rm', '-rfq', '--cached', '.');
      mkdirSync(join(seed, 'debian/dists/bookworm'), { recursive: true });
      writeFileSync(join(seed, 'debian/dists/bookworm/InRelease'), 'live\n');
      writeFileSync(join(seed, '.nojekyll'), '');
      git(seed, 'add', 'debian', '.nojekyll');
      git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'pages');
      git(seed, 'push', '-q', origin, 'gh-pages');
    }
    const work = join(dir, 'work');
    git(dir, 'clone', '-q', '--depth', '1', `file://${origin}`, work);
    return { origin, work };
  }

  it('unpacks the live branch into the output folder, without its .git', async () => {
    const { work } = checkout(true);
    const r = await runStep(restore(nightly), { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(work, 'public/debian/dists/bookworm/InRelease'), 'utf8')).toBe('live\n');
    expect(readdirSync(join(work, 'public')).sort()).toEqual(['.nojekyll', 'debian']);
    // The restored commit is what publish leases the push on.
    expect(r.githubEnv).toBe(`PKGTRACK_PAGES_BASE=${git(work, 'rev-parse', 'FETCH_HEAD').trim()}\n`);
  });

  it('starts from an empty output when the branch does not exist yet', async () => {
    const { work } = checkout(false);
    const r = await runStep(restore(nightly), { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/No gh-pages branch yet/);
    expect(readdirSync(join(work, 'public'))).toEqual([]);
    expect(r.githubEnv).toBe('PKGTRACK_PAGES_BASE=none\n');
  });

  it('fails the run when the remote cannot be read, instead of publishing over the live repository', async () => {
    const { work } = checkout(true);
    git(work, 'remote', 'set-url', 'origin', `file://${join(work, 'gone.git')}`);
    const r = await runStep(restore(nightly), { cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toMatch(/first publish/);
  });
});

describe("the plan job's restore: metadata only", () => {
  const stable = parseWorkflow(renderWorkflows({ name: 'acme', pages: 'branch' })['.github/workflows/pkgtrack.yml']!);
  const restore = step(stable, 'plan', (s) => s.name?.startsWith('Restore the published metadata') ?? false);

  it('brings indexes, repomd, manifests and state, and downloads no package, page or log', async () => {
    const dir = tempDir();
    const origin = join(dir, 'origin.git');
    const seed = join(dir, 'seed');
    git(dir, 'init', '-q', '--bare', '-b', 'main', origin);
    git(origin, 'config', 'uploadpack.allowFilter', 'true'); // as GitHub's servers
    git(dir, 'init', '-q', '-b', 'main', seed);
    writeFileSync(join(seed, 'pkgtrack.yaml'), 'name: acme\n');
    git(seed, 'add', 'pkgtrack.yaml');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'main');
    git(seed, 'push', '-q', origin, 'main');
    git(seed, 'checkout', '-q', '--orphan', 'gh-pages');
    git(seed, 'rm', '-rfq', '--cached', '.');
    rmSync(join(seed, 'pkgtrack.yaml'));
    const put = (rel: string, data: string | Buffer) => {
      mkdirSync(join(seed, rel, '..'), { recursive: true });
      writeFileSync(join(seed, rel), data);
    };
    const random = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919 + n) % 251));
    const metadata = [
      'apt/dists/bookworm/InRelease',
      'apt/dists/bookworm/main/binary-amd64/Packages',
      'yum/fedora/41/x86_64/repodata/repomd.xml',
      'builds/hello/bookworm/manifest.json',
      '.pkgtrack/trunk/hello.json',
      'index.html',
    ];
    for (const m of metadata) put(m, `${m}\n`);
    const bulk = [
      'apt/pool/main/h/hello/hello_1.0-1_amd64.deb',
      'yum/fedora/41/x86_64/Packages/h/hello-1.0-1.x86_64.rpm',
      'packages/hello.html',
      'badges/hello.svg',
      'builds/hello/bookworm/build.log',
    ];
    for (const b of bulk) put(b, random(400_000));
    git(seed, 'add', '-A');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'pages');
    git(seed, 'push', '-q', origin, 'gh-pages');
    const work = join(dir, 'work');
    git(dir, 'clone', '-q', '--depth', '1', `file://${origin}`, work);

    const r = await runStep(restore, { cwd: work, env: { RUNNER_TEMP: join(dir, 'runner-temp') } });
    expect(r.code, r.stderr).toBe(0);
    const restored = readdirSync(join(work, 'public'), { recursive: true, encoding: 'utf8' })
      .filter((f) => statSync(join(work, 'public', f)).isFile())
      .sort();
    expect(restored).toEqual([...metadata].sort());
    for (const m of metadata) expect(readFileSync(join(work, 'public', m), 'utf8')).toBe(`${m}\n`);
    // 2 MB of packages, pages and logs on the branch; the clone fetched none of their contents.
    const objects = spawnSync('du', ['-sb', join(work, '.git', 'objects')], { encoding: 'utf8' }).stdout;
    expect(Number(objects.split('\t')[0])).toBeLessThan(200_000);
  });
});
