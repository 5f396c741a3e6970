/**
 * A (name, version, architecture) maps to one set of bytes per apt repository, forever
 * (issue #24 item 9): other bytes under the same name and version are refused in another
 * component of the same suite, in another suite, and after `repo remove` deleted the first
 * (a tombstone stays). The same bytes may be published anywhere.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { buildDeb, makeKey, publishCli, type TestKey } from '../repo/apt-helpers.js';

let dir: string;
let key: TestKey;
let a: string;
let b: string;

beforeAll(() => {
  dir = tempDir('pkgtrack-identity-');
  key = makeKey(dir);
  a = buildDeb(join(dir, 'a'), 'same', '1.0-1', { content: 'first build' });
  b = buildDeb(join(dir, 'b'), 'same', '1.0-1', { content: 'second build' });
}, 60_000);

const publish = (out: string, args: string[]) => publishCli(dir, key, out, ['--keep', '0', ...args]);

function expectReused(r: Awaited<ReturnType<typeof pkgtrack>>, file: string) {
  expect(r.code, r.stdout).not.toBe(0);
  expect(r.stderr).toContain('error[APT_VERSION_REUSED]');
  expect(r.stderr).toContain(file);
}

describe('one name, version and architecture: one set of bytes per repository', () => {
  it('refuses other bytes in another component of the same suite, and in another suite', async () => {
    const out = join(dir, 'components');
    expect((await publish(out, ['--suite', 'bookworm', a])).code).toBe(0);
    expectReused(await publish(out, ['--suite', 'bookworm', '--component', 'contrib', b]), b);
    expectReused(await publish(out, ['--suite', 'trixie', '--component', 'non-free', b]), b);
    // The same bytes elsewhere are fine.
    const same = await publish(out, ['--suite', 'trixie', '--component', 'contrib', a]);
    expect(same.code, same.stderr).toBe(0);
  });

  it('refuses other bytes after repo remove deleted the package (tombstone)', async () => {
    const out = join(dir, 'removed');
    expect((await publish(out, ['--suite', 'bookworm', a])).code).toBe(0);
    const rm = await pkgtrack(['repo', 'remove', 'same', '--suite', 'bookworm', '--output', out, '--key', key.secret], { cwd: dir });
    expect(rm.code, rm.stderr).toBe(0);
    expectReused(await publish(out, ['--suite', 'bookworm', b]), b);
    const again = await publish(out, ['--suite', 'bookworm', a]);
    expect(again.code, again.stderr).toBe(0);
  });

  it('seeds the record from a repository published before it existed', async () => {
    const out = join(dir, 'seeded');
    expect((await publish(out, ['--suite', 'bookworm', a])).code).toBe(0);
    rmSync(join(out, 'apt/.pkgtrack/apt-identities.json'));
    expectReused(await publish(out, ['--suite', 'bookworm', '--component', 'contrib', b]), b);
  });
});
