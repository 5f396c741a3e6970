import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '@oclif/test';
import { describe, expect, it } from 'vitest';
import { repoWith } from '../recipe/fixtures.js';
import { pkgtrack, ROOT, tempDir } from '../helpers/cli.js';

describe('pkgtrack recipe', () => {
  it('lists recipes as a table, and as JSON with --json', async () => {
    const root = repoWith();
    const human = await pkgtrack(['recipe', 'list'], { cwd: root });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^RECIPE\s+UPSTREAM/m);
    expect(human.stdout).toMatch(/^demo\s+github:example\/demo\s+debian:bookworm\s+stable\s+0$/m);
    const json = await pkgtrack(['recipe', 'list', '--json'], { cwd: root });
    expect(json.code).toBe(0);
    expect(json.json()).toEqual({
      repository: root,
      recipes: [
        {
          name: 'demo',
          summary: 'a demo package',
          upstream: 'github:example/demo',
          targets: ['debian:bookworm'],
          channels: ['stable'],
          patches: 0,
          dir: join(root, 'recipes/demo'),
        },
      ],
    });
  });

  it('validates the bundled example repository', async () => {
    const r = await pkgtrack(['recipe', 'validate', '--json']);
    expect(r.json().recipes.map((x: { name: string }) => x.name)).toEqual(['hello', 'jq']);
    expect(r.json().recipes.find((x: { name: string }) => x.name === 'jq').valid).toBe(true);
  });

  it('exits 2 on a broken recipe and prints file:line:column, field and fix on stderr', async () => {
    const root = repoWith({ 'recipes/demo/recipe.yaml': 'name: demo\nupstream:\n  kind: gitub\n  repo: a/b\n' });
    const r = await pkgtrack(['recipe', 'validate'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('recipes/demo/recipe.yaml:3:9: upstream.kind: expected one of github, git, debian, http, got "gitub"');
    expect(r.stderr).toContain('fix: Did you mean "github"?');
  });

  it('gives the same problems as an object with --json, still exiting 2', async () => {
    const root = repoWith({ 'recipes/demo/recipe.yaml': 'name: demo\nupstream:\n  kind: gitub\n  repo: a/b\n' });
    const r = await pkgtrack(['recipe', 'validate', '--json'], { cwd: root });
    expect(r.code).toBe(2);
    const report = r.json();
    expect(report.valid).toBe(false);
    expect(report.recipes[0].problems[0]).toEqual({
      code: 'CONFIG_INVALID',
      message: 'expected one of github, git, debian, http, got "gitub"',
      fix: 'Did you mean "github"?',
      file: 'recipes/demo/recipe.yaml',
      line: 3,
      column: 9,
      field: 'upstream.kind',
    });
  });

  it('reports missing packaging files and series entries', async () => {
    const missing = await pkgtrack(['recipe', 'validate', '--json'], { cwd: repoWith({ 'recipes/demo/patches/series': 'gone.patch\n' }) });
    expect(missing.code).toBe(2);
    expect(missing.json().recipes[0].problems).toMatchObject([
      { code: 'SERIES_PATCH_MISSING', line: 1, file: 'recipes/demo/patches/series' },
    ]);
    const root = repoWith({ 'recipes/demo/patches/series': 'gone.patch\n../../etc/passwd\n' });
    const r = await pkgtrack(['recipe', 'validate', '--json'], { cwd: root });
    expect(r.code).toBe(2);
    const codes = r.json().recipes[0].problems.map((p: { code: string; line: number }) => `${p.code}@${p.line}`);
    expect(codes).toEqual(['SERIES_PATH@2']);
  });

  it('exits 2 with a suggestion for an unknown recipe', async () => {
    const r = await pkgtrack(['recipe', 'show', 'dmeo'], { cwd: repoWith() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[RECIPE_NOT_FOUND]');
    expect(r.stderr).toContain('fix: Did you mean "demo"?');
  });

  it('puts the error object on stdout with --json', async () => {
    const r = await pkgtrack(['recipe', 'show', 'nope', '--json'], { cwd: repoWith() });
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ error: { code: 'RECIPE_NOT_FOUND', kind: 'not-found' } });
  });

  it('says how to start when run outside a repository', async () => {
    const r = await pkgtrack(['recipe', 'list'], { cwd: tempDir(), env: { PKGTRACK_REPO: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REPO_NOT_FOUND/);
    expect(r.stderr).toMatch(/pkgtrack init/);
  });

  it('prints a JSON Schema that names the recipe fields', async () => {
    const { stdout, error } = await runCommand(['recipe', 'schema'], { root: ROOT });
    expect(error).toBeUndefined();
    const schema = JSON.parse(stdout);
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['name', 'upstream', 'versions', 'targets', 'channels', 'revision']),
    );
    expect(schema.additionalProperties).toBe(false);
  });

  it('shows a recipe with defaults filled in (in-process)', async () => {
    const root = repoWith();
    const { result } = await runCommand<{ config: { upstream: { use: string } } }>(['recipe', 'show', 'demo', '--repo', root, '--json'], {
      root: ROOT,
    });
    expect(result?.config.upstream.use).toBe('releases');
  });
});

describe('pkgtrack init', () => {
  it('scaffolds a repository whose example recipe validates', async () => {
    const dir = join(tempDir(), 'my-ppa');
    const r = await pkgtrack(['init', dir, '--maintainer', 'Ada Lovelace <ada@example.org>', '--json']);
    expect(r.code).toBe(0);
    expect(r.json().created).toEqual(
      expect.arrayContaining(['pkgtrack.yaml', 'recipes/hello/recipe.yaml', '.github/workflows/pkgtrack.yml']),
    );
    const v = await pkgtrack(['recipe', 'validate', '--json'], { cwd: dir });
    expect(v.code).toBe(0);
    expect(v.json().valid).toBe(true);
  });

  it('refuses to overwrite an existing repository without --force', async () => {
    const root = repoWith();
    const r = await pkgtrack(['init', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/INIT_EXISTS.*\n.*--force/);
  });
});

describe('pkgtrack doctor', () => {
  it('reports Node and host tools as JSON', async () => {
    const r = await pkgtrack(['doctor', '--json', '--check', 'node', '--check', 'host-tools']);
    expect(r.code).toBe(0);
    const report = r.json();
    expect(report.findings.find((f: { id: string }) => f.id === 'node.version')).toMatchObject({ status: 'ok' });
    expect(report.counts.error).toBe(0);
  });

  it('names a missing tool and how to install it', async () => {
    // A PATH holding only node and sh: every host tool is missing.
    const bin = tempDir();
    mkdirSync(join(bin, 'b'));
    writeFileSync(join(bin, 'b', 'sh'), '#!/bin/dash\nexec /bin/dash "$@"\n');
    chmodSync(join(bin, 'b', 'sh'), 0o755);
    const r = await pkgtrack(['doctor', '--json', '--check', 'host-tools'], { env: { PATH: join(bin, 'b') } });
    const git = r.json().findings.find((f: { id: string }) => f.id === 'tool.git');
    expect(git).toMatchObject({ status: 'warn', fix: 'apt-get install git', fixable: true });
  });
});

describe('usage errors', () => {
  it('exits 2 on an unknown flag', async () => {
    const r = await pkgtrack(['recipe', 'list', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Nonexistent flag: --bogus/);
  });

  it('documents every command with examples', async () => {
    for (const cmd of [['init'], ['doctor'], ['recipe', 'list'], ['recipe', 'validate'], ['recipe', 'schema'], ['recipe', 'show']]) {
      const r = await pkgtrack([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toMatch(/EXAMPLES/);
      expect(r.stdout, cmd.join(' ')).toMatch(/--json/);
    }
  });
});
