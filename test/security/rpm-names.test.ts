/**
 * rpm file names become pool paths and URL paths in primary.xml's hrefs: a name with '#',
 * '?', '%' or a space was written unescaped, and dnf read it as a fragment, a query or an
 * escape (issue #24 item 18). Such names are refused, naming the file; rpmbuild's own names
 * (with '+', '~', '^', '_') are fine.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { makeKey, publishCli, type TestKey } from '../repo/apt-helpers.js';
import { buildVersions } from '../repo/yum/harness.js';

let dir: string;
let key: TestKey;
let rpm: string;
const SUITE = 'fedora/41/x86_64';

beforeAll(() => {
  dir = tempDir('pkgtrack-rpm-names-');
  key = makeKey(dir);
  rpm = buildVersions(join(dir, 'rpmbuild'), ['1.0-1'], 'x', 'nm')[0]!;
}, 60_000);

describe('rpm file names that are not safe in a URL', () => {
  for (const name of ['nm-1.0-1#x.noarch.rpm', 'nm-1.0-1?x=1.noarch.rpm', 'nm-1.0%2F1.noarch.rpm', 'nm 1.0-1.noarch.rpm']) {
    it(`refuses ${JSON.stringify(name)}`, async () => {
      const d = join(dir, `in-${Math.random().toString(36).slice(2)}`);
      mkdirSync(d);
      const file = join(d, name);
      copyFileSync(rpm, file);
      const out = join(d, 'out');
      const r = await publishCli(dir, key, out, ['--suite', SUITE, file]);
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stderr).toContain('error[YUM_BAD_FILE_NAME]');
      expect(r.stderr).toContain(file);
      expect(existsSync(join(out, 'yum', SUITE, 'repodata'))).toBe(false);
    });
  }

  it('publishes rpmbuild-style names with + ~ ^ _', async () => {
    const file = join(dir, 'nm_extra-1.0~rc1^git1+b1-1.noarch.rpm');
    copyFileSync(rpm, file);
    const r = await publishCli(dir, key, join(dir, 'ok'), ['--suite', SUITE, file]);
    expect(r.code, r.stderr).toBe(0);
  });
});
