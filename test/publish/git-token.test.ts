/**
 * #18 item 8: `publish --to git+https://…` to a private repository. A local HTTPS git server
 * (git http-backend behind a self-signed certificate) answers only requests carrying
 * GitHub's token form of Basic auth. Without a token the publish fails naming the fix and
 * pushes nothing; with GITHUB_TOKEN the first publish creates the branch and the second
 * clones it (with the token) and pushes on top. A `git` wrapper in PATH records every argv and
 * environment git is started with: the token is in none of them, nor in pkgtrack's output.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { buildDeb, makeKey, type TestKey } from '../repo/apt-helpers.js';

const TOKEN = 'ghp_pkgtrackTestToken0123456789abcdefXYZ';
const BASIC = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
let dir: string;
let key: TestKey;
let server: Server;
let url: string;
const seen: Array<{ path: string; authorized: boolean }> = [];
const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();

/** git's smart HTTP protocol through `git http-backend` (CGI), for authorized requests only. */
function gitHttpServer(root: string, cert: string, keyFile: string): Server {
  return createServer({ cert: readFileSync(cert), key: readFileSync(keyFile) }, (req, res) => {
    const u = new URL(req.url ?? '/', 'https://x');
    const authorized = req.headers.authorization === BASIC;
    seen.push({ path: u.pathname, authorized });
    if (!authorized) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end();
      return;
    }
    const cgi = spawn(realGit, ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: 'x-access-token',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: u.pathname,
        QUERY_STRING: u.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (b: Buffer) => chunks.push(b));
    cgi.on('close', () => {
      const out = Buffer.concat(chunks);
      const sep = out.indexOf('\r\n\r\n') >= 0 ? out.indexOf('\r\n\r\n') : out.indexOf('\n\n');
      const sepLen = out.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of out.subarray(0, sep).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const [k, v] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.end(out.subarray(sep + sepLen));
    });
  });
}

beforeAll(async () => {
  dir = tempDir('pkgtrack-git-token-');
  key = makeKey(dir);
  const cert = join(dir, 'cert.pem');
  const certKey = join(dir, 'cert.key');
  const ssl = spawnSync('openssl', [
    ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1'.split(' '),
    ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', certKey, '-out', cert],
  ]);
  expect(ssl.status, ssl.stderr?.toString()).toBe(0);
  spawnSync(realGit, ['init', '-q', '--bare', join(dir, 'srv', 'pages.git')]);
  server = gitHttpServer(join(dir, 'srv'), cert, certKey);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/pages.git`;
  // The wrapper pkgtrack finds first in PATH: logs argv and environment, then runs git.
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> "${join(dir, 'git-argv.log')}"\nenv >> "${join(dir, 'git-env.log')}"\nexec "${realGit}" "$@"\n`,
  );
  chmodSync(join(bin, 'git'), 0o755);
}, 60_000);
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const publishTo = async (deb: string, env: Record<string, string | undefined>) =>
  await pkgtrack(
    ['publish', '--key', key.secret, '--output', join(dir, 'out'), '--suite', 'bookworm', deb, '--to', `git+${url}#gh-pages`],
    {
      cwd: dir,
      env: {
        PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
        GIT_SSL_CAINFO: join(dir, 'cert.pem'),
        GITHUB_TOKEN: undefined,
        GH_TOKEN: undefined,
        ...env,
      },
    },
  );

const branchLog = () =>
  spawnSync(realGit, ['--git-dir', join(dir, 'srv', 'pages.git'), 'log', '--format=%H %P', 'gh-pages'], { encoding: 'utf8' });

describe('publish --to a private https remote', () => {
  it('without a token: refused naming GITHUB_TOKEN, nothing pushed', { timeout: 120_000 }, async () => {
    const r = await publishTo(buildDeb(dir, 'priv', '1.0-1'), {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PUBLISH_TO_UNREADABLE/);
    expect(r.stderr).toMatch(/GITHUB_TOKEN/);
    expect(branchLog().status).not.toBe(0); // no gh-pages branch: no orphan commit was pushed
  });

  it('with GITHUB_TOKEN: creates the branch, then clones it and pushes on top; the token is never in argv, env or output', {
    timeout: 180_000,
  }, async () => {
    seen.length = 0;
    const first = await publishTo(buildDeb(dir, 'priv', '1.0-1'), { GITHUB_TOKEN: TOKEN });
    expect(first.code, first.stderr).toBe(0);
    const second = await publishTo(buildDeb(dir, 'priv2', '1.0-1'), { GITHUB_TOKEN: TOKEN });
    expect(second.code, second.stderr).toBe(0);
    const log = branchLog().stdout.trim().split('\n');
    expect(log).toHaveLength(2);
    expect(log[0]!.split(' ')[1]).toBe(log[1]!.split(' ')[0]); // the second commit sits on the first
    // git asks unauthenticated first only when it has no header: every request carried the token.
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.filter((s) => !s.authorized)).toEqual([]);
    expect(seen.some((s) => s.path.endsWith('/git-receive-pack'))).toBe(true);
    expect(seen.some((s) => /info\/refs/.test(s.path))).toBe(true);

    const basic = BASIC.slice('Basic '.length);
    for (const f of ['git-argv.log', 'git-env.log']) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(basic);
    }
    for (const out of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(out).not.toContain(TOKEN);
    // The throwaway git config that held the header is gone.
    const configs = [...readFileSync(join(dir, 'git-env.log'), 'utf8').matchAll(/^GIT_CONFIG_GLOBAL=(.+)$/gm)].map((m) => m[1]!);
    expect(configs.length).toBeGreaterThan(0);
    for (const c of configs) expect(existsSync(c)).toBe(false);
  });
});
