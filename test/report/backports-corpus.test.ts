/**
 * The backport corpus's pure parts (bench/backports/corpus.ts): the hand edits produce a recipe
 * pkgtrack accepts, the changelog check accepts Debian's history under a backport entry and
 * nothing less, and the table shows failures and hand edits with their reasons.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CORPUS,
  checkChangelog,
  extraBuildDeps,
  type PackageResult,
  renderTable,
  withExtraRepositories,
} from '../../bench/backports/corpus.js';
import { buildSettingsFor } from '../../src/recipe/build-settings.js';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { tempDir } from '../helpers/cli.js';

const IMPORTED = `name: lz4
summary: Fast LZ compression algorithm library - tool
upstream:
  kind: debian
  package: lz4
  suite: trixie
  component: main
  archive: http://deb.debian.org/debian
  checkValidUntil: false
versions:
  tagPattern: ^(?<version>.+)$
targets:
  - debian:bookworm
backport:
  distroVersions:
    debian:bookworm: 1.9.4-1
`;

const CHANGELOG = `lz4 (1.10.0-4~bpo12+1) bookworm-backports; urgency=medium

  * Rebuild for bookworm-backports.

 -- Backporter <bpo@example.org>  Sat, 05 Dec 2026 07:00:00 +0000

lz4 (1.10.0-4) unstable; urgency=medium

  * Fix something. Closes: #1

 -- Debian <d@example.org>  Mon, 01 Jan 2025 00:00:00 +0000

lz4 (1.9.4-1) unstable; urgency=medium

  * New upstream release.

 -- Debian <d@example.org>  Mon, 01 Jan 2023 00:00:00 +0000
`;

describe('backport corpus', () => {
  it('lists at least 12 distinct sources, chained ones after what they build against', () => {
    const names = CORPUS.map((p) => p.source);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const p of CORPUS)
      for (const a of p.after ?? []) expect(names.indexOf(a), `${p.source} after ${a}`).toBeLessThan(names.indexOf(p.source));
    for (const p of CORPUS) for (const e of p.edits ?? []) expect(e.why.length, `${p.source}: ${e.what}`).toBeGreaterThan(40);
  });

  it('every hand edit yields a recipe pkgtrack loads, with the extra repositories on the bookworm target', async () => {
    for (const p of CORPUS.filter((c) => c.edits?.some((e) => e.apply))) {
      const root = tempDir('pkgtrack-bpo-edit-');
      writeFileSync(
        join(root, 'pkgtrack.yaml'),
        'name: t\norigin: t\nlabel: t\nmaintainer: T <t@example.org>\ntargets: [debian:bookworm]\n',
      );
      mkdirSync(join(root, 'recipes', 'lz4', 'debian'), { recursive: true });
      let yaml = IMPORTED;
      for (const e of p.edits!) yaml = e.apply ? e.apply(yaml) : yaml;
      writeFileSync(join(root, 'recipes', 'lz4', 'recipe.yaml'), yaml);
      const recipe = await loadRecipe(await loadRecipesRepository(root), 'lz4');
      const settings = buildSettingsFor(recipe, recipe.targets[0]!);
      expect(settings.extraRepositories, `${p.source}: ${yaml}`).toHaveLength(p.source === 'spdlog' ? 2 : 1);
      if (p.after?.length) expect(settings.extraRepositories).toContain('published');
    }
    expect(() => withExtraRepositories('name: x\ntargets: [debian:bookworm]\n', ['published'])).toThrow(/targets/);
  });

  it('the dpkg-build-api edit drops the relation and states Rules-Requires-Root: no', () => {
    const edit = CORPUS.flatMap((p) => p.edits ?? []).find((e) => e.what.includes('dpkg-build-api'))!;
    const control =
      'Source: libzstd\nBuild-Depends: debhelper (>> 13.15.2~),\n dpkg-build-api (= 1),\n cmake (>= 3.24~)\n\nPackage: zstd\n';
    expect(edit.control!(control)).toBe(
      'Source: libzstd\nRules-Requires-Root: no\nBuild-Depends: debhelper (>> 13.15.2~),\n cmake (>= 3.24~)\n\nPackage: zstd\n',
    );
  });

  it("accepts Debian's history under the backport entry", () => {
    expect(checkChangelog(CHANGELOG, 'lz4', '1.10.0-4~bpo12+1', '1.10.0-4', '1.9.4-1').ok).toBe(true);
    // bookworm's stable update (+deb12u1) is not in the newer suite's history: the version it was made from is.
    expect(checkChangelog(CHANGELOG, 'lz4', '1.10.0-4~bpo12+1', '1.10.0-4', '1.9.4-1+deb12u1').ok).toBe(true);
  });

  it('refuses a replaced changelog, a missing backport entry, or lost history', () => {
    const replaced = CHANGELOG.slice(0, CHANGELOG.indexOf('lz4 (1.10.0-4) unstable'));
    expect(checkChangelog(replaced, 'lz4', '1.10.0-4~bpo12+1', '1.10.0-4', '1.9.4-1')).toMatchObject({ ok: false, detail: /second entry/ });
    expect(
      checkChangelog(CHANGELOG.slice(CHANGELOG.indexOf('lz4 (1.10.0-4) unstable')), 'lz4', '1.10.0-4~bpo12+1', '1.10.0-4', '1.9.4-1').ok,
    ).toBe(false);
    const noOld = CHANGELOG.slice(0, CHANGELOG.indexOf('lz4 (1.9.4-1)'));
    expect(checkChangelog(noOld, 'lz4', '1.10.0-4~bpo12+1', '1.10.0-4', '1.9.4-1')).toMatchObject({ ok: false, detail: /bookworm/ });
    expect(checkChangelog('', 'lz4', 'x', 'y', 'z').ok).toBe(false);
  });

  it('reads from a build log which build dependencies came from our published suite and from bookworm-backports', () => {
    const log = [
      'Get:1 http://10.88.0.1:8765/apt bookworm-backports InRelease [2969 B]',
      'Get:28 http://10.88.0.1:8765/apt bookworm-backports/main amd64 libfmt-dev amd64 10.1.1+ds1-4~bpo12+1 [27.2 kB]',
      'Get:29 http://deb.debian.org/debian bookworm-backports/main amd64 catch2 amd64 3.7.1-0.4~bpo12+1 [80.9 kB]',
      'Get:30 http://deb.debian.org/debian bookworm/main amd64 cmake amd64 3.25.1-1 [80.9 kB]',
      'Get:31 http://deb.debian.org/debian-security bookworm-security/main amd64 libssl3 amd64 3.0.17-1~deb12u1 [80.9 kB]',
    ].join('\n');
    expect(extraBuildDeps(log, 'http://10.88.0.1:8765/apt', 'bookworm')).toEqual([
      'libfmt-dev 10.1.1+ds1-4~bpo12+1 (published)',
      'catch2 3.7.1-0.4~bpo12+1 (bookworm-backports)',
    ]);
  });

  it('renders failures, hand edits with their reasons, and what did not run', () => {
    const r: PackageResult = {
      source: 'spdlog',
      binary: 'libspdlog-dev',
      kind: 'k',
      bookworm: '1:1.10.0+ds-0.4',
      upstreamSuite: 'trixie',
      sourceVersion: '1:1.15.2+ds-2',
      ours: '',
      patches: 3,
      edits: [{ what: 'build.extraRepositories: [published]', why: 'because | reasons' }],
      steps: { import: { ok: true, seconds: 5 }, build: { ok: false, seconds: 65, detail: 'BUILD_FAILED: tests | failed' } },
      ranAt: '2026-12-05 07:00',
      builtAgainst: ['libfmt-dev 10.1.1+ds1-4~bpo12+1 (published)'],
    };
    const md = renderTable([r], ['libtommath'], { generatedAt: 'now', command: 'npm run bench -- backports' });
    expect(md).toMatch(
      /^\| ⚠ spdlog \| k \| libspdlog-dev \| 1:1\.10\.0\+ds-0\.4 → \? \| 3 \| ok 5 s \| \*\*failed\*\* 65 s: BUILD_FAILED: tests \\\| failed \| – \|/m,
    );
    expect(md).toMatch(/1m10s/);
    const upToDate = renderTable([{ ...r, steps: { build: { ok: true, seconds: 1, detail: 'up-to-date' } } }], [], {
      generatedAt: 'now',
      command: 'c',
    });
    expect(upToDate).toMatch(/\| ok 1 s \(up-to-date\) \|/);
    // A rerun that found the build up to date shows the build it kept, and when it was made.
    const kept = renderTable([{ ...r, steps: { build: { ok: true, seconds: 448, detail: 'built', builtAt: '2026-12-05 08:00' } } }], [], {
      generatedAt: 'now',
      command: 'c',
    });
    expect(kept).toMatch(/\| ok 448 s \(built 2026-12-05 08:00, up to date since\) \|/);
    expect(md).toMatch(/^- \*\*spdlog\*\*: `build\.extraRepositories: \[published\]` — because \| reasons\.$/m);
    expect(md).toMatch(/^ {2}Built against \(from its build log\): libfmt-dev 10\.1\.1\+ds1-4~bpo12\+1 \(published\)\.$/m);
    expect(md).toMatch(/^- \*\*spdlog\*\* \(2026-12-05 07:00\): build failed: BUILD_FAILED/m);
    expect(md).toMatch(/libtommath: in the corpus, no run recorded/);
  });
});
