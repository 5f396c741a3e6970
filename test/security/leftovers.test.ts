/**
 * #24 item 15: a killed publish leaves full-size `*.pkgtrack-tmp` copies. They used to be swept
 * only when the same folder was published again; now the next publish to ANY suite sweeps them
 * (it finds the mark the killed one left), `repo verify` reports them as a warning, and
 * `repo verify --fix` removes them under the lock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { buildDeb, makeKey, type TestKey } from '../repo/apt-helpers.js';

let dir: string;
let key: TestKey;

beforeAll(() => {
  dir = tempDir('pkgtrack-leftovers-');
  key = makeKey(dir);
}, 60_000);

/** Every temporary under `root`, links not followed (readdirSync's `recursive` follows them: an apt suite is a link). */
const temps = (root: string): string[] =>
  readdirSync(root, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? temps(join(root, e.name)) : e.name.endsWith('.pkgtrack-tmp') ? [join(root, e.name)] : [],
  );

const publish = async (out: string, suite: string, deb: string, env: Record<string, string> = {}) =>
  await pkgtrack(['publish', '--key', key.secret, '--output', out, '--suite', suite, deb], { cwd: dir, env });

/** Kill a publish of `deb` into `suite` at the first fault point after which temporaries are left. */
async function killLeavingTemporaries(out: string, suite: string, deb: string): Promise<string[]> {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
  const probe = await publish(`${trace}-out`, suite, deb, { PKGTRACK_FAULT_TRACE: trace });
  expect(probe.code, probe.stderr).toBe(0);
  const steps = readFileSync(trace, 'utf8').trim().split('\n').length;
  for (let at = 1; at <= steps; at++) {
    const killed = await publish(out, suite, deb, { PKGTRACK_FAULT_AT: String(at) });
    expect(killed.code).not.toBe(0);
    const left = temps(join(out, 'apt'));
    if (left.length) return left;
  }
  throw new Error(`no fault point of ${steps} left a temporary`);
}

describe('temporaries of a killed publish', () => {
  it('are reported by repo verify, and swept by the next publish of another suite', { timeout: 300_000 }, async () => {
    const out = join(dir, 'a');
    expect((await publish(out, 'bookworm', buildDeb(dir, 'base', '1.0-1'))).code).toBe(0);
    const left = await killLeavingTemporaries(out, 'trixie', buildDeb(dir, 'big', '1.0-1', { content: 'x'.repeat(300_000) }));

    const v = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub, '--suite', 'bookworm', '--json'], {
      cwd: dir,
    });
    const report = v.json();
    expect(report.leftovers.files).toBe(left.length);
    expect(report.leftovers.example).toMatch(/\.pkgtrack-tmp$/);

    const next = await publish(out, 'bookworm', buildDeb(dir, 'other', '1.0-1'));
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/removed what an interrupted publish left/);
    expect(temps(join(out, 'apt'))).toEqual([]);
  });

  it('repo verify --fix removes them under the lock; a URL is refused', { timeout: 300_000 }, async () => {
    const out = join(dir, 'b');
    expect((await publish(out, 'bookworm', buildDeb(dir, 'base', '1.0-1'))).code).toBe(0);
    const left = await killLeavingTemporaries(out, 'trixie', buildDeb(dir, 'big', '1.0-1', { content: 'y'.repeat(300_000) }));
    const fixed = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub, '--suite', 'bookworm', '--fix', '--json'], {
      cwd: dir,
    });
    expect(fixed.json().fixed.files).toBe(left.length);
    expect(temps(join(out, 'apt'))).toEqual([]);
    const again = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub, '--suite', 'bookworm', '--json'], {
      cwd: dir,
    });
    expect(again.json().leftovers).toBeUndefined();

    const url = await pkgtrack(['repo', 'verify', 'http://127.0.0.1:9/apt', '--suite', 'bookworm', '--fix'], { cwd: dir });
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/--fix works on a repository folder/);
  });
});
