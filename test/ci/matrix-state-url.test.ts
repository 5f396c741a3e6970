/**
 * #19: `ci matrix --state-url` plans from what a bucket serves over HTTP, for the stable channel
 * as for trunk, with no published output on this machine: the recipe is published to the local
 * S3 server (`publish --to s3://…`), and the plan reads its Release, Packages, build manifest
 * and trunk state from the server's public URL.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack } from '../helpers/cli.js';
import { type S3Server, startS3Server } from '../helpers/s3-server.js';
import { AMD64, artifact, BOOKWORM, createPlanFixture, git, type PlanFixture, RECIPE, recipeYaml, trunkArtifact } from './plan-fixture.js';

let s3: S3Server;
let f: PlanFixture;
const TO = 's3://pkgs/plan';

const matrix = async (...args: string[]) =>
  await pkgtrack(['ci', 'matrix', '--json', '--state-url', s3.httpUrl('plan'), ...args], { cwd: f.repo });
const publishToBucket = async (artifacts: string) =>
  await pkgtrack(['publish', '--key', f.key.secret, '--from-artifacts', artifacts, '--to', TO, '--json'], { cwd: f.repo, env: s3.env });

beforeAll(async () => {
  s3 = await startS3Server('pkgs');
  f = createPlanFixture();
}, 60_000);

afterAll(async () => {
  await s3?.close();
});

describe('ci matrix --state-url (a bucket served over HTTP)', () => {
  it('stable: plans what the bucket lacks, then nothing once it is published there', async () => {
    const first = await matrix('--channel', 'stable');
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().matrix.include).toEqual([
      { recipe: 'tiny', target: 'debian:bookworm', ...AMD64, channel: 'stable', version: '1.0' },
    ]);

    await artifact(f, join(f.repo, 'artifacts1/pkgtrack-tiny-debian-bookworm'), { version: '1.0', packageVersion: `1.0-1${BOOKWORM}` });
    const p = await publishToBucket(join(f.repo, 'artifacts1'));
    expect(p.code, p.stderr).toBe(0);
    expect(existsSync(join(f.repo, 'public'))).toBe(false); // nothing published locally: the plan can only read the URL

    const again = await matrix('--channel', 'stable');
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().matrix.include).toEqual([]);
    expect(again.json().skipped).toEqual([{ recipe: 'tiny', target: 'debian:bookworm', reason: 'published 1.0 is up to date' }]);
  }, 120_000);

  it('stable: reads the build manifest from the URL (a packaging change without a revision bump is refused)', async () => {
    writeFileSync(join(f.repo, 'recipes/tiny/debian/rules'), '#!/usr/bin/make -f\n%:\n\tdh $@ --with-nothing\n');
    const r = await matrix('--channel', 'stable', '--exit-code');
    expect(r.code).toBe(11);
    expect(r.json().problems).toEqual([expect.objectContaining({ recipe: 'tiny', target: 'debian:bookworm', field: 'revision' })]);
    writeFileSync(join(f.repo, RECIPE), recipeYaml(f, '2'));
    expect((await matrix('--channel', 'stable')).json().matrix.include).toEqual([
      { recipe: 'tiny', target: 'debian:bookworm', ...AMD64, channel: 'stable', version: '1.0' },
    ]);
  }, 120_000);

  it('trunk: the trunk state published in the bucket skips the commit already built', async () => {
    const head = git(f.upstream, 'rev-parse', 'HEAD').trim();
    expect((await matrix('--channel', 'trunk')).json().matrix.include).toEqual([
      { recipe: 'tiny', target: 'debian:bookworm', ...AMD64, channel: 'trunk', commit: head },
    ]);
    await trunkArtifact(f, join(f.repo, 'artifacts2/pkgtrack-tiny-debian-bookworm'), head);
    const p = await publishToBucket(join(f.repo, 'artifacts2'));
    expect(p.code, p.stderr).toBe(0);
    const r = await matrix('--channel', 'trunk');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().matrix.include).toEqual([]);
    expect(r.json().skipped[0].reason).toContain(`trunk is already built from ${head.slice(0, 7)}`);
  }, 120_000);

  it('an unreachable state URL is a typed error naming the URL, not "nothing is published"', async () => {
    const r = await pkgtrack(['ci', 'matrix', '--json', '--channel', 'stable', '--state-url', 'http://127.0.0.1:1/repo'], { cwd: f.repo });
    expect(r.code).toBe(1);
    const e = JSON.parse(r.stdout).error;
    expect(e.code).toBe('CI_STATE_URL_UNREADABLE');
    expect(e.message).toContain('http://127.0.0.1:1/repo/');
  }, 60_000);
});
