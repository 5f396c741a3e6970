/**
 * The evidence, through the CLI: each real Debian package is imported with
 * `pkgtrack recipe import <dsc>`, then `pkgtrack patches apply <recipe> --orig <orig> --out DIR`
 * must yield exactly the tree `dpkg-source -x` yields (debian/ and .pc/ aside), file for file.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { parseDsc } from '../../src/formats/deb-control.js';
import { DEBIAN_TEST_PACKAGES, ensureDebianSource } from '../../scripts/fetch-debian-sources.js';
import { buildOnce } from '../upstream/helpers.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'run.js');
let work: string;
let repo: string;
const dscs = new Map<string, string>();
const cli = (...args: string[]) => run('node', [BIN, ...args, '--repo', repo], { check: false, cwd: work });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-clireal-'));
  repo = join(work, 'repo');
  await mkdir(repo);
  await writeFile(join(repo, 'pkgtrack.yaml'), 'name: t\norigin: t\nlabel: t\nmaintainer: T <t@example.org>\n');
  // One build per test run, shared with the other command tests (lock + stamp).
  await buildOnce();
  for (const p of DEBIAN_TEST_PACKAGES) dscs.set(p, await ensureDebianSource(p));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('pkgtrack recipe import + patches apply == dpkg-source -x', () => {
  for (const pkg of DEBIAN_TEST_PACKAGES) {
    it(pkg, async () => {
      const dsc = dscs.get(pkg)!;
      const imported = await cli('recipe', 'import', dsc, '--json');
      expect(imported.code, imported.stderr).toBe(0);
      const name = JSON.parse(imported.stdout).recipe as string;
      const meta = parseDsc(await readFile(dsc, 'utf8'), dsc);
      const orig = join(dirname(dsc), meta.files.find((f) => /\.orig\.tar\./.test(f.name))!.name);
      const out = join(work, `${pkg}-pkgtrack`);
      const applied = await cli('patches', 'apply', name, '--orig', orig, '--out', out, '--json');
      expect(applied.code, applied.stderr).toBe(0);
      expect(JSON.parse(applied.stdout).patches.length).toBeGreaterThan(0);
      const ref = join(work, `${pkg}-dpkg`);
      await run('dpkg-source', ['--no-check', '-x', dsc, ref], { cwd: work });
      const skip = (rel: string) => rel === '.pc' || rel.startsWith('.pc/') || rel === 'debian' || rel.startsWith('debian/');
      expect(diffSnapshots(await treeSnapshot(ref, skip), await treeSnapshot(out, skip))).toEqual([]);
    });
  }
});
