/**
 * #24 item 13: a clock far ahead signs a Release apt calls "not valid yet". Before signing,
 * publish compares this clock with the `Date` of the host pkgtrack.yaml `url:` names (a local
 * server here, whose Date header plays the correct time) and refuses when they disagree.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { buildDeb, makeKey, type TestKey } from '../repo/apt-helpers.js';

const DAY = 86_400_000;
let dir: string;
let key: TestKey;
let server: Server;
let url: string;
/** How far the server's clock is from ours (ms): the server is the reference. */
let serverOffset = 0;

beforeAll(async () => {
  dir = tempDir('pkgtrack-clock-');
  key = makeKey(dir);
  server = createServer((_req, res) => {
    res.sendDate = false;
    res.writeHead(200, { Date: new Date(Date.now() + serverOffset).toUTCString() });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 60_000);
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function recipesRepo(name: string, at = url): string {
  const repo = join(dir, name);
  mkdirSync(repo);
  copyFileSync(key.secret, join(repo, 'key.asc'));
  writeFileSync(
    join(repo, 'pkgtrack.yaml'),
    `name: clock\norigin: Clock\nlabel: Clock\nmaintainer: T <t@example.org>\nurl: ${at}\nsigning:\n  key: key.asc\n`,
  );
  return repo;
}

describe('publish checks the clock against the host it is served from', () => {
  it('30 days ahead: refused with CLOCK_SKEW naming both times and the fix, nothing written', async () => {
    serverOffset = -30 * DAY; // the world is 30 days behind us: our clock is 30 days ahead
    const repo = recipesRepo('ahead');
    const r = await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'clk', '1.0-1'), '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(1);
    const e = JSON.parse(r.stdout).error;
    expect(e.code).toBe('CLOCK_SKEW');
    expect(e.message).toMatch(/30 days ahead of 127\.0\.0\.1/);
    expect(e.message).toMatch(/not valid yet/);
    expect(e.fix).toMatch(/timedatectl set-ntp true/);
    expect(existsSync(join(repo, 'public/apt/dists/bookworm/InRelease'))).toBe(false);
    // The check runs while publish reads and indexes; refused at the first signature, the whole change aborts.
    // Nor the pool directories made for it.
    expect(existsSync(join(repo, 'public/apt/pool'))).toBe(false);

    // Many packages (read and copied into the pool by worker threads): the same.
    const many = join(dir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 20; i++) copyFileSync(buildDeb(dir, `clk-many-${i}`, '1.0-1'), join(many, `clk-many-${i}_1.0-1_all.deb`));
    const refused = await pkgtrack(['publish', '--suite', 'bookworm', many], { cwd: repo });
    expect(refused.stderr).toMatch(/error\[CLOCK_SKEW\]/);
    expect(existsSync(join(repo, 'public/apt/pool'))).toBe(false);
    expect(existsSync(join(repo, 'public/index.html'))).toBe(false);

    const forced = await pkgtrack(['publish', '--suite', 'bookworm', '--allow-clock-skew', buildDeb(dir, 'clk', '1.0-1')], {
      cwd: repo,
    });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/30 days ahead.*signing anyway/);
  });

  it('2 hours behind is refused too; within a minute, or with no reachable url, it publishes', async () => {
    serverOffset = 2 * 3_600_000;
    const behind = await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'clk', '1.0-1')], { cwd: recipesRepo('behind') });
    expect(behind.code).toBe(1);
    expect(behind.stderr).toMatch(/error\[CLOCK_SKEW\].*2 hours behind/);

    serverOffset = 30_000;
    const ok = await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'clk', '1.0-1')], { cwd: recipesRepo('right') });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toMatch(/CLOCK_SKEW|clock is/);

    const offline = recipesRepo('offline');
    writeFileSync(
      join(offline, 'pkgtrack.yaml'),
      'name: clock\norigin: Clock\nlabel: Clock\nmaintainer: T <t@example.org>\nurl: http://127.0.0.1:9/\nsigning:\n  key: key.asc\n',
    );
    const unreachable = await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'clk', '1.0-1')], { cwd: offline });
    expect(unreachable.code, unreachable.stderr).toBe(0);
  });

  it('over https, a certificate this clock cannot check (self-signed here) still gives the Date: refused; a name that does not resolve publishes', async () => {
    // A self-signed certificate for localhost: no client trusts it, as none trusts any
    // certificate once its own clock is off by more than the certificate's validity.
    const tls = join(dir, 'tls');
    mkdirSync(tls);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        join(tls, 'key.pem'),
        '-out',
        join(tls, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const secure = createHttpsServer(
      { key: readFileSync(join(tls, 'key.pem')), cert: readFileSync(join(tls, 'cert.pem')) },
      (_req, res) => {
        res.sendDate = false;
        res.writeHead(200, { Date: new Date(Date.now() - 30 * DAY).toUTCString() });
        res.end();
      },
    );
    await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
    try {
      const at = `https://localhost:${(secure.address() as AddressInfo).port}/`;
      const r = await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'clk', '1.0-1')], { cwd: recipesRepo('https', at) });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/error\[CLOCK_SKEW\].*30 days ahead of localhost/);
    } finally {
      await new Promise<void>((r) => secure.close(() => r()));
    }
    // .invalid never resolves (RFC 2606): nothing to compare with, and the publish goes on.
    const nowhere = recipesRepo('nowhere', 'https://pkgs.pkgtrack-clock-test.invalid/repo');
    const ok = await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'clk', '1.0-1'), '--verbose'], { cwd: nowhere });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/clock check skipped: no Date header from https:\/\/pkgs\.pkgtrack-clock-test\.invalid/);
  });
});
