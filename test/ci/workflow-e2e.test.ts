/**
 * The workflows `pkgtrack init` writes, driven job by job the way GitHub runs them
 * (test/helpers/actions-runner.ts): every `run:` step for real in fresh clones of a local bare
 * "origin", the vendored pkgtrack installed from its tarball in every job, real container builds,
 * the gh-pages round trip through git. Scenarios, one after another on the same repository:
 * two stable runs with deb and rpm targets (the second publishes a new upstream version into the
 * restored tree); a packaging-only change (refused without a revision bump, rebuilt with one);
 * a trunk run whose rpm cell is lost, retried by the next run although upstream did not move;
 * the stable and the nightly publisher racing from the same restored tip. Real apt and dnf then
 * read the final tree.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debSources } from '../../src/formats/user-files.js';
import { ensureBaseImage } from '../../src/containers/base-image.js';
import { detectEngine } from '../../src/containers/detect.js';
import { silentProgress } from '../../src/core/progress.js';
import { resolveTarget } from '../../src/recipe/targets.js';
import { type JobOutcome, type RunHooks, type RunnerSetup, type Workflow, WorkflowRun } from '../helpers/actions-runner.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { dnfArgs } from '../repo/yum/harness.js';
import { git, TinyUpstream, writeAll, writeTinyhelloRecipe } from '../helpers/tinyhello.js';
import { parseWorkflow } from '../init/workflow-helpers.js';

const PASS = 'workflow-e2e-passphrase';
const REPOSITORY = 'acme/recipes';
let work: string;
let upstream: TinyUpstream;
let recipes: string;
let origin: string;
let setup: RunnerSetup;
let stable: Workflow;
let nightly: Workflow;

function release(version: string) {
  upstream.release(version);
}

function trunkCommit(text: string) {
  upstream.commit(text);
}

/** Commit in the recipes repository and push to origin, as a maintainer would. */
function pushRecipes(message: string, files: Record<string, string> = {}) {
  writeAll(recipes, files);
  git(recipes, 'add', '-A');
  git(recipes, 'commit', '-q', '-m', message);
  git(recipes, 'push', '-q', 'origin', 'main');
}

/** The gh-pages tree as of now, checked out into a fresh folder. */
function pages(): string {
  const dir = mkdtempSync(join(work, 'pages-'));
  execFileSync('sh', ['-c', `git --git-dir "${origin}" archive gh-pages | tar -x -C "${dir}"`]);
  return dir;
}

function pagesFiles(): string[] {
  return execFileSync('git', ['--git-dir', origin, 'ls-tree', '-r', '--name-only', 'gh-pages'], { encoding: 'utf8' }).trim().split('\n');
}

/** Versions of tinyhello in a published apt Packages index of the gh-pages tip. */
function aptVersions(suite: string): string[] {
  const text = execFileSync('git', ['--git-dir', origin, 'show', `gh-pages:apt/dists/${suite}/main/binary-amd64/Packages`], {
    encoding: 'utf8',
  });
  return [...text.matchAll(/^Version: (.+)$/gm)].map((m) => m[1]!).sort();
}

/** The failed-cell record the publish jobs keep on gh-pages. */
function attempts(): Array<Record<string, unknown>> {
  return JSON.parse(execFileSync('git', ['--git-dir', origin, 'show', 'gh-pages:ci/attempts.json'], { encoding: 'utf8' })).failed;
}

function describeJobs(jobs: Record<string, JobOutcome>): string {
  return Object.entries(jobs)
    .flatMap(([name, j]) =>
      j.cells.flatMap((c) =>
        c.steps
          .filter((s) => s.result === 'failure')
          .map(
            (s) =>
              `${name}${c.matrix ? ` ${JSON.stringify(c.matrix)}` : ''} / ${s.label}: exit ${s.code}\n${s.stdout.slice(-1500)}\n${s.stderr.slice(-3000)}`,
          ),
      ),
    )
    .join('\n\n');
}

async function runWorkflow(wf: Workflow, event: string, hooks: RunHooks = {}) {
  const run = new WorkflowRun(setup, wf, event, hooks);
  const jobs = await run.runAll();
  return { run, jobs, failures: describeJobs(jobs) };
}

const cellsOf = (jobs: Record<string, JobOutcome>) =>
  (jobs.build?.cells ?? []).map((c) => `${c.matrix?.recipe} ${c.matrix?.target} ${c.result}`).sort();

// Each job's clone, npm prefix and image archive make a run several GB: never leave them behind.
afterAll(() => {
  if (!work) return;
  try {
    rmSync(work, { recursive: true, force: true });
  } catch {
    // Files a rootless container wrote belong to sub-uids: remove them from inside the user namespace.
    spawnSync('podman', ['unshare', 'rm', '-rf', work]);
  }
});

beforeAll(async () => {
  work = tempDir('pkgtrack-workflow-e2e-');
  upstream = new TinyUpstream(join(work, 'upstream'));
  release('1.0');

  recipes = join(work, 'recipes');
  const init = await pkgtrack(['init', recipes, '--name', 'acme', '--maintainer', 'Acme Packagers <pkg@example.org>', '--json']);
  expect(init.code, init.stderr).toBe(0);
  rmSync(join(recipes, 'recipes/hello'), { recursive: true });
  const yaml = readFileSync(join(recipes, 'pkgtrack.yaml'), 'utf8').replace(
    /^targets:\n( {2}- .*\n)+/m,
    'targets:\n  - debian:bookworm\n  - fedora:41\n',
  );
  writeAll(recipes, { 'pkgtrack.yaml': yaml });
  writeTinyhelloRecipe(recipes, upstream.dir, { trunk: true });
  const key = await pkgtrack(['key', 'generate', '--type', 'ed25519', '--json'], {
    cwd: recipes,
    env: { PKGTRACK_KEY_PASSPHRASE: PASS },
  });
  expect(key.code, key.stderr).toBe(0);
  const validate = await pkgtrack(['recipe', 'validate'], { cwd: recipes });
  expect(validate.code, validate.stderr + validate.stdout).toBe(0);

  origin = join(work, 'origin.git');
  git(work, 'init', '-q', '--bare', '-b', 'main', origin);
  git(recipes, 'init', '-q', '-b', 'main');
  git(recipes, 'remote', 'add', 'origin', origin);
  pushRecipes('initial recipes');
  // The private key is a secret, never committed (init's .gitignore keeps it out).
  expect(git(recipes, 'ls-files', 'keys')).not.toMatch(/signing\.key$/m);

  setup = {
    origin,
    repository: REPOSITORY,
    work: join(work, 'runner'),
    secrets: {
      GITHUB_TOKEN: 'ghs_workflowE2eTokenNotARealOne000000000',
      PKGTRACK_SIGNING_KEY: readFileSync(join(recipes, 'keys/signing.key'), 'utf8').trimEnd(),
      PKGTRACK_KEY_PASSPHRASE: PASS,
    },
    // What actions/setup-node's npm cache gives a hosted runner: the registry tarballs at hand.
    env: { npm_config_cache: join(process.env.HOME ?? '/root', '.npm'), npm_config_prefer_offline: 'true' },
  };
  stable = parseWorkflow(readFileSync(join(recipes, '.github/workflows/pkgtrack.yml'), 'utf8')) as unknown as Workflow;
  nightly = parseWorkflow(readFileSync(join(recipes, '.github/workflows/pkgtrack-nightly.yml'), 'utf8')) as unknown as Workflow;
}, 10 * 60_000);

describe('the generated workflows, run job by job against a local origin', () => {
  it('stable run 1: builds deb and rpm, publishes the first gh-pages commit', { timeout: 30 * 60_000 }, async () => {
    const { run, jobs, failures } = await runWorkflow(stable, 'push');
    expect(failures).toBe('');
    // Each cell saved the images it built with to the Actions cache, keyed by target, arch and recipe.
    expect(run.cacheSaves.map((k) => k.replace(/-[0-9a-f]{64}$/, '-<hash>')).sort()).toEqual([
      'pkgtrack-images-debian:bookworm-amd64-tinyhello-<hash>',
      'pkgtrack-images-fedora:41-amd64-tinyhello-<hash>',
    ]);
    expect(jobs.problems!.result).toBe('skipped');
    expect(cellsOf(jobs)).toEqual(['tinyhello debian:bookworm success', 'tinyhello fedora:41 success']);
    expect(jobs.publish!.result).toBe('success');
    const files = pagesFiles();
    expect(files).toContain('apt/dists/bookworm/InRelease');
    expect(files.filter((f) => f.endsWith('repomd.xml.asc')).length).toBeGreaterThan(0);
    // What is served holds no symlinks: a static host copies files.
    const modes = execFileSync('git', ['--git-dir', origin, 'ls-tree', '-r', 'gh-pages'], { encoding: 'utf8' });
    expect(modes).not.toMatch(/^120000 /m);
    expect(aptVersions('bookworm')).toEqual(['1.0-1~deb12u1']);
    // url: is unset: in CI the Pages URL comes from GITHUB_REPOSITORY, never a runner path.
    const repoFile = execFileSync('git', ['--git-dir', origin, 'show', 'gh-pages:yum/fedora/41/acme-fedora-41.repo'], { encoding: 'utf8' });
    expect(repoFile).toMatch(/^baseurl=https:\/\/acme\.github\.io\/recipes\/yum\/fedora\/41$/m);
    expect(JSON.stringify(pagesFiles())).not.toContain('file:');
  });

  it('stable run 2: a new upstream release goes into the restored tree, the old one stays', { timeout: 30 * 60_000 }, async () => {
    release('1.1');
    const { run, jobs, failures } = await runWorkflow(stable, 'schedule');
    expect(failures).toBe('');
    expect(cellsOf(jobs)).toEqual(['tinyhello debian:bookworm success', 'tinyhello fedora:41 success']);
    // The packaging did not change: every cell loaded the cached images and saved nothing.
    for (const cell of jobs.build!.cells) {
      const step = (name: string) => cell.steps.find((x) => x.label === name)!;
      expect(step('Load builder images').result).toBe('success');
      expect(step('Load builder images').stdout + step('Load builder images').stderr).not.toMatch(/warning/);
      expect(step('Save builder images').result).toBe('skipped');
    }
    expect(run.cacheSaves).toEqual([]);
    expect(jobs.build!.cells.map((c) => c.matrix?.version)).toEqual(['1.1', '1.1']);
    expect(aptVersions('bookworm')).toEqual(['1.0-1~deb12u1', '1.1-1~deb12u1']);
    const rpms = pagesFiles().filter((f) => /^yum\/fedora\/41\/Packages\/.*\.noarch\.rpm$/.test(f));
    expect(rpms.map((f) => f.split('/').pop())).toEqual(['tinyhello-1.0-1.fc41.noarch.rpm', 'tinyhello-1.1-1.fc41.noarch.rpm']);
  });

  it('a packaging-only change without a revision bump turns the run red and builds nothing', { timeout: 20 * 60_000 }, async () => {
    const control = readFileSync(join(recipes, 'recipes/tinyhello/debian/control'), 'utf8');
    pushRecipes('describe tinyhello better', {
      'recipes/tinyhello/debian/control': control.replace(' Prints which upstream version', ' Prints, politely, which upstream version'),
    });
    const tip = git(recipes, 'rev-parse', 'HEAD').trim();
    const before = execFileSync('git', ['--git-dir', origin, 'rev-parse', 'gh-pages'], { encoding: 'utf8' });
    const { jobs } = await runWorkflow(stable, 'push');
    expect(jobs.plan!.result).toBe('success');
    expect(jobs.plan!.outputs.problems).toBe('yes');
    expect(jobs.problems!.result).toBe('failure');
    expect(jobs.build!.result).toBe('skipped');
    expect(jobs.publish!.result).toBe('skipped');
    const plan = jobs.plan!.cells[0]!;
    expect(`${plan.summary}\n${plan.steps.map((s) => s.stderr).join('\n')}`).toMatch(/revision/);
    expect(execFileSync('git', ['--git-dir', origin, 'rev-parse', 'gh-pages'], { encoding: 'utf8' })).toBe(before);
    expect(git(recipes, 'rev-parse', 'HEAD').trim()).toBe(tip);
    // The fix the message names: bump the revision (built in the race below).
    const recipe = readFileSync(join(recipes, 'recipes/tinyhello/recipe.yaml'), 'utf8');
    pushRecipes('tinyhello: revision 2 for the new description', {
      'recipes/tinyhello/recipe.yaml': recipe.replace('revision: "1"', 'revision: "2"'),
    });
  });

  it('nightly run 1: the rpm cell is lost, the deb cell is published', { timeout: 30 * 60_000 }, async () => {
    trunkCommit('trunk A');
    const { jobs, failures } = await runWorkflow(nightly, 'schedule', {
      failStep: (job, step, matrix) => job === 'build' && step.id === 'build' && matrix?.target === 'fedora:41',
    });
    expect(failures).toMatch(/^build \{.*fedora:41.*\} \/ build: exit 1/);
    expect(failures.match(/exit/g)).toHaveLength(1);
    expect(cellsOf(jobs)).toEqual(['tinyhello debian:bookworm success', 'tinyhello fedora:41 failure']);
    expect(jobs.publish!.result).toBe('success');
    expect(aptVersions('bookworm-trunk')).toHaveLength(1);
    expect(aptVersions('bookworm-trunk')[0]).toMatch(/^1\.1\+git\d{8}\.1\.[0-9a-f]{7}/);
    // The publish job remembered the lost cell: the next plans put it last when the cap bites.
    expect(attempts()).toEqual([expect.objectContaining({ channel: 'trunk', recipe: 'tinyhello', target: 'fedora:41', failures: 1 })]);
  });

  it('nightly run 2 retries only the lost cell while the stable run publishes a rebuild: both publishers race from one tip, nothing is lost', {
    timeout: 40 * 60_000,
  }, async () => {
    // Both publish jobs restore gh-pages, then both start publishing at the same moment.
    let arrived = 0;
    let release!: () => void;
    const bothThere = new Promise<void>((r) => (release = r));
    const barrier: RunHooks = {
      beforeStep: async (job, step) => {
        if (job !== 'publish' || step.name !== 'Publish') return;
        if (++arrived === 2) release();
        await bothThere;
      },
    };
    const trunkRun = new WorkflowRun(setup, nightly, 'schedule', barrier);
    const stableRun = new WorkflowRun(setup, stable, 'push', barrier);
    for (const run of [trunkRun, stableRun])
      for (const job of ['validate', 'plan', 'problems', 'build']) if (run.workflow.jobs[job]) await run.runJob(job);
    expect(cellsOf(trunkRun.jobs)).toEqual(['tinyhello fedora:41 success']);
    expect(cellsOf(stableRun.jobs)).toEqual(['tinyhello debian:bookworm success', 'tinyhello fedora:41 success']);
    const [t, s] = await Promise.all([trunkRun.runJob('publish'), stableRun.runJob('publish')]);
    expect(describeJobs({ publish: t })).toBe('');
    expect(describeJobs({ publish: s })).toBe('');
    // They did race: exactly one found the tip moved, restored it and published again.
    const publishLogs = [t, s].map((j) => j.cells[0]!.steps.find((x) => x.label === 'Publish')!.stderr);
    expect(publishLogs.filter((l) => /publishing again \(attempt 2 of 3\)/.test(l))).toHaveLength(1);
    expect(aptVersions('bookworm')).toEqual(['1.0-1~deb12u1', '1.1-1~deb12u1', '1.1-2~deb12u1']);
    expect(aptVersions('bookworm-trunk')).toHaveLength(1);
    const files = pagesFiles();
    expect(files.filter((f) => /^yum\/fedora\/41\/Packages\/.*\.noarch\.rpm$/.test(f)).map((f) => f.split('/').pop())).toEqual([
      'tinyhello-1.0-1.fc41.noarch.rpm',
      'tinyhello-1.1-1.fc41.noarch.rpm',
      'tinyhello-1.1-2.fc41.noarch.rpm',
    ]);
    expect(files.filter((f) => /trunk.*\.noarch\.rpm$/.test(f))).toHaveLength(1);
    expect(attempts()).toEqual([]);
    // Trunk state per target, with the real branch (the retried target joined the first one).
    const state = JSON.parse(execFileSync('git', ['--git-dir', origin, 'show', 'gh-pages:trunk/tinyhello.json'], { encoding: 'utf8' }));
    expect(state).toMatchObject({ branch: 'main', commit: upstream.head() });
    expect(state.targets.map((t: { target: string; commit: string }) => `${t.target} ${t.commit === upstream.head()}`)).toEqual([
      'debian:bookworm true',
      'fedora:41 true',
    ]);
  });

  it('a trunk cell refuses a snapshot that does not sort above the version the plan handed it', { timeout: 5 * 60_000 }, async () => {
    const head = upstream.head();
    const r = await pkgtrack(
      ['build', 'tinyhello', '-t', 'debian:bookworm', '--trunk', '--commit', head, '--previous', '1.1+git99990101.9.0000000', '--json'],
      { cwd: recipes, env: { PKGTRACK_KEY_PASSPHRASE: PASS } },
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/TRUNK_VERSION_REFUSED/);
    expect(r.stdout + r.stderr).toMatch(/does not sort after the last trunk build 1\.1\+git99990101/);
  });

  it('real apt and dnf read the final tree', { timeout: 20 * 60_000 }, async () => {
    const tree = pages();
    const engine = await detectEngine();
    const base = await ensureBaseImage(engine, resolveTarget('debian:bookworm')!, silentProgress);
    const armoredKey = readFileSync(join(tree, 'keys/acme-archive-keyring.asc'), 'utf8');
    writeFileSync(
      join(work, 'acme.sources'),
      debSources({
        uri: 'file:/repo/apt',
        suites: ['bookworm', 'bookworm-trunk'],
        components: ['main'],
        signedBy: { kind: 'embedded', armoredKey },
      }),
    );
    const apt = await engine.run({
      image: base.ref,
      network: 'none',
      mounts: [
        { host: tree, container: '/repo', readOnly: true },
        { host: join(work, 'acme.sources'), container: '/etc/apt/sources.list.d/acme.sources', readOnly: true },
      ],
      argv: [
        'sh',
        '-ec',
        'rm -f /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; apt-get update -q; apt-get install -y -q tinyhello; dpkg-query -W tinyhello; tinyhello',
      ],
    });
    expect(apt.code, apt.output.slice(-3000)).toBe(0);
    expect(apt.output).toMatch(/^tinyhello\t1\.1-2~deb12u1$/m);
    expect(apt.output).toMatch(/^tinyhello 1\.1$/m);

    const repoDir = join(tree, 'yum/fedora/41');
    const reposd = mkdtempSync(join(work, 'reposd-'));
    writeFileSync(
      join(reposd, 'acme.repo'),
      readFileSync(join(repoDir, 'acme-fedora-41.repo'), 'utf8').replaceAll(
        'https://acme.github.io/recipes/yum/fedora/41',
        `file://${repoDir}`,
      ),
    );
    const root = mkdtempSync(join(work, 'dnf-root-'));
    const cache = mkdtempSync(join(work, 'dnf-cache-'));
    const dnf = await spawnAsync(
      'dnf',
      dnfArgs({ root, reposd, cache }, ['-q', 'repoquery', '--latest-limit', '1', '--qf', '%{version}-%{release}', 'tinyhello']),
    );
    expect(dnf.code, dnf.stderr).toBe(0);
    expect(dnf.stdout.trim()).toBe('1.1-2.fc41');
  });
});
