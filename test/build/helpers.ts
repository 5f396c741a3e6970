/** Shared by the build tests: a scratch recipes repository and the CLI run as a real process. */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'run.js');

export interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Cli> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGINT'), opts.timeoutMs ?? 30 * 60_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * A recipes repository in a temp dir: the bundled pkgtrack.yaml and hello recipe, plus
 * `netcall`, hello's packaging with a build step that fetches from the network.
 */
export function scratchRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-build-'));
  cpSync(join(ROOT, 'pkgtrack.yaml'), join(dir, 'pkgtrack.yaml'), { preserveTimestamps: true });
  cpSync(join(ROOT, 'recipes', 'hello'), join(dir, 'recipes', 'hello'), { recursive: true, preserveTimestamps: true });
  const net = join(dir, 'recipes', 'netcall');
  cpSync(join(ROOT, 'recipes', 'hello'), net, { recursive: true, preserveTimestamps: true });
  writeFileSync(
    join(net, 'recipe.yaml'),
    readFileSync(join(net, 'recipe.yaml'), 'utf8')
      .replace(/^name: hello$/m, 'name: netcall')
      .replace(/^targets:\n( {2}- .*\n)+/m, 'targets:\n  - debian:bookworm\n'),
  );
  writeFileSync(
    join(net, 'debian', 'control'),
    readFileSync(join(net, 'debian', 'control'), 'utf8')
      .replace(/^Source: hello$/m, 'Source: netcall')
      .replace(/^Package: hello$/m, 'Package: netcall')
      .replace(/^Build-Depends: (.*)$/m, 'Build-Depends: $1, curl'),
  );
  writeFileSync(
    join(net, 'debian', 'rules'),
    `${readFileSync(join(net, 'debian', 'rules'), 'utf8')}\noverride_dh_auto_configure:\n\tcurl -fsS -o /dev/null http://deb.debian.org/debian/\n\tdh_auto_configure\n`,
  );
  return dir;
}
