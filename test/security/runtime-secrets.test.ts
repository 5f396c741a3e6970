/**
 * Secrets in what pkgtrack prints and in what its children inherit: a token that an upstream
 * echoes back in an error body is scrubbed from `check`'s table and its --json rows, and a
 * secret embedded in a longer environment value (a proxy URL with credentials) is kept from
 * child processes. Needs dist/ (npm run build).
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { registerSecret, redact } from '../../src/core/secrets.js';
import { tempDir } from '../helpers/cli.js';
import { runCli } from '../upstream/helpers.js';

const TOKEN = 'ghp_Sentinel0123456789abcdefABCDEF';
let server: Server;
let url: string;
let root: string;

beforeAll(async () => {
  // An API that quotes the credentials it was sent in its error body, as some proxies and APIs do.
  server = createServer((req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `internal error handling ${req.headers.authorization ?? 'no auth'} for ${req.url}` }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  root = tempDir('pkgtrack-secrets-');
  writeFileSync(join(root, 'pkgtrack.yaml'), 'name: test\norigin: Test\nlabel: Test\nmaintainer: T <t@example.org>\n');
  mkdirSync(join(root, 'recipes/leaky'), { recursive: true });
  writeFileSync(join(root, 'recipes/leaky/recipe.yaml'), `name: leaky\nupstream:\n  kind: github\n  repo: o/leaky\n  apiUrl: ${url}\n`);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('printed output is redacted everywhere', () => {
  const env = () => ({ ...process.env, NODE_ENV: undefined, GITHUB_TOKEN: TOKEN, PKGTRACK_REPO: root }) as NodeJS.ProcessEnv;

  it("check's table never shows a token the API echoed", async () => {
    const r = await runCli(['check'], env());
    expect(r.stdout).toMatch(/leaky/);
    expect(`${r.stdout}${r.stderr}`).toMatch(/\*\*\*/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
  }, 60_000);

  it("check's --json rows never show it either", async () => {
    const r = await runCli(['check', '--json'], env());
    const j = JSON.parse(r.stdout);
    expect(j.recipes[0].status).toBe('error');
    expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
  }, 60_000);

  it('scrubs credentials in URLs and GitHub-format tokens it was never told about', () => {
    expect(redact('proxy http://me:hunter2pass@proxy:3128 failed')).toBe('proxy http://***@proxy:3128 failed');
    expect(redact('token github_pat_11ABCDEFG0123456789_abcdefghijkl in body')).toBe('token *** in body');
  });
});

describe('child environments', () => {
  it('drop a variable whose value holds a secret inside a longer string', async () => {
    const secret = 'S3cretPassphrase-for-proxy';
    registerSecret(secret);
    process.env.HTTPS_PROXY_TEST = `http://deploy:${secret}@proxy.example:3128`;
    process.env.INNOCENT_TEST = 'plain value';
    try {
      const r = await run('env', []);
      expect(r.stdout).not.toContain(secret);
      expect(r.stdout).toContain('INNOCENT_TEST=plain value');
    } finally {
      delete process.env.HTTPS_PROXY_TEST;
      delete process.env.INNOCENT_TEST;
    }
  });
});
