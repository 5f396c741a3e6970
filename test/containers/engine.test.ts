/**
 * The podman engine against real podman: base image (pulled or bootstrapped), probing, the build
 * sandbox (no network, no capabilities, read-only root, only /work writable), cancellation.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseImageRef, ensureBaseImage, LABEL_ORIGIN } from '../../src/containers/base-image.js';
import { surveyEngines } from '../../src/containers/detect.js';
import { PodmanEngine } from '../../src/containers/podman.js';
import { recordingProgress } from '../../src/core/progress.js';
import { pruneBuilderImages } from '../../src/services/image/image.js';
import { resolveTarget } from '../../src/recipe/targets.js';

const ROOT = resolve(import.meta.dirname, '../..');
const engine = new PodmanEngine();
const bookworm = resolveTarget('debian:bookworm')!;

function podmanPs(name: string): string[] {
  const r = spawnSync('podman', ['ps', '--all', '--filter', `name=^${name}$`, '--format', '{{.Names}}'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

describe('podman engine', () => {
  let image = '';

  it('makes (or reuses) the bookworm base image and says how it was made', { timeout: 900_000 }, async () => {
    const progress = recordingProgress();
    const b = await ensureBaseImage(engine, bookworm, progress);
    image = b.ref;
    expect(b.ref).toBe(baseImageRef(bookworm));
    expect(b.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(['pulled', 'bootstrapped']).toContain(b.origin);
    expect((await engine.imageLabels(b.ref))[LABEL_ORIGIN]).toBe(b.origin);
    if (!b.reused) expect(progress.lines.join('\n')).toMatch(b.origin === 'pulled' ? /PULLED/ : /BOOTSTRAPPED/);
    const osr = spawnSync('podman', ['image', 'inspect', '--format', '{{.Id}}', b.ref], { encoding: 'utf8' });
    expect(`sha256:${osr.stdout.trim()}`).toBe(b.id);
  });

  it('probes this host and finds flags that make a container run', { timeout: 120_000 }, async () => {
    const p = await engine.probe(image, { force: true });
    expect(p.error ?? '').toBe('');
    expect(p.ok).toBe(true);
    // what podman itself says about a default run decides whether a workaround must be listed
    const plain = spawnSync('podman', ['run', '--rm', image, 'true'], { encoding: 'utf8' });
    if (plain.status !== 0) expect(p.workarounds.length).toBeGreaterThan(0);
  });

  it('the build sandbox: no network, no capabilities, read-only root, only /work writable', { timeout: 120_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'pkgtrack-sandbox-'));
    const identity = await engine.buildIdentity();
    if (identity.chownTo) spawnSync('chown', [`${identity.chownTo.uid}:${identity.chownTo.gid}`, work]);
    const script = [
      'getent hosts deb.debian.org && echo NET=yes || echo NET=no',
      'touch /etc/x 2>/dev/null && echo ETC=yes || echo ETC=no',
      'touch /usr/x 2>/dev/null && echo USR=yes || echo USR=no',
      'echo hi > /work/out.txt && echo WORK=yes',
      'grep CapEff /proc/self/status',
      'id -u',
    ].join('\n');
    const r = await engine.run({
      image,
      argv: ['sh', '-c', script],
      network: 'none',
      user: identity.user,
      readOnlyRoot: true,
      mounts: [{ host: work, container: '/work' }],
      limits: { memory: '512m', pids: 256 },
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/NET=no/);
    expect(r.output).toMatch(/ETC=no/);
    expect(r.output).toMatch(/USR=no/);
    expect(r.output).toMatch(/WORK=yes/);
    expect(r.output).toMatch(/CapEff:\s+0000000000000000/);
    expect(r.output).not.toMatch(/^0$/m);
    expect(readFileSync(join(work, 'out.txt'), 'utf8')).toBe('hi\n');
    expect(podmanPs(r.name)).toEqual([]);
  });

  it('hands progress whole lines of stdout and stderr (a build prints configure lines on stdout)', { timeout: 120_000 }, async () => {
    const chunks: string[] = [];
    const script = 'printf "checking for gcc... "; sleep 0.2; echo yes; echo "warn: x" >&2; printf "no newline at end"';
    const r = await engine.run({
      image,
      argv: ['sh', '-c', script],
      network: 'none',
      user: '65534:65534',
      onOutput: (c) => chunks.push(c),
    });
    expect(r.code, r.output).toBe(0);
    for (const c of chunks) expect(c.endsWith('\n'), JSON.stringify(c)).toBe(true);
    const lines = chunks.join('').split('\n').filter(Boolean).sort();
    expect(lines).toEqual(['checking for gcc... yes', 'no newline at end', 'warn: x']);
  });

  it('an aborted run leaves no container behind', { timeout: 120_000 }, async () => {
    const ac = new AbortController();
    const name = `pkgtrack-test-abort-${process.pid}`;
    const running = engine.run({ image, name, argv: ['sleep', '600'], network: 'none', user: '65534:65534', signal: ac.signal });
    for (let i = 0; i < 100 && podmanPs(name).length === 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(podmanPs(name)).toEqual([name]);
    ac.abort();
    const r = await running;
    expect(r.code).not.toBe(0);
    expect(podmanPs(name)).toEqual([]);
  });

  it('Ctrl-C (SIGINT) of the pkgtrack process removes its container', { timeout: 120_000 }, async () => {
    const name = `pkgtrack-test-sigint-${process.pid}`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/containers/fixtures/long-run.ts'), image, name], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    for (let i = 0; i < 150 && podmanPs(name).length === 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(podmanPs(name), out).toEqual([name]);
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(out).not.toMatch(/finished/);
    expect(podmanPs(name)).toEqual([]);
  });

  it('prune takes stopped pkgtrack containers, never running ones', { timeout: 120_000 }, async () => {
    const stopped = `pkgtrack-test-stopped-${process.pid}`;
    const running = `pkgtrack-test-running-${process.pid}`;
    expect(spawnSync('podman', ['create', '--name', stopped, image, 'true']).status).toBe(0);
    const ac = new AbortController();
    const run = engine.run({ image, name: running, argv: ['sleep', '600'], network: 'none', user: '65534:65534', signal: ac.signal });
    try {
      for (let i = 0; i < 100 && podmanPs(running).length === 0; i++) await new Promise((r) => setTimeout(r, 200));
      const p = await pruneBuilderImages(engine, { dryRun: true });
      expect(p.containers).toContain(stopped);
      expect(p.containers).not.toContain(running);
    } finally {
      ac.abort();
      await run;
      await engine.removeContainer(stopped);
    }
    expect(podmanPs(stopped)).toEqual([]);
    expect(podmanPs(running)).toEqual([]);
  });

  it('survey: a docker CLI without a daemon is reported, not used', async () => {
    const survey = await surveyEngines();
    const podman = survey.find((s) => s.name === 'podman')!;
    expect(podman.info?.storageDriver).toMatch(/\w/);
    const docker = survey.find((s) => s.name === 'docker')!;
    const daemon = spawnSync('docker', ['info'], { encoding: 'utf8' });
    if (docker.installed && daemon.status !== 0) expect(docker.problem).toBeTruthy();
    if (daemon.status === 0) expect(docker.info).toBeDefined();
  });
});
