import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pkgtrack } from '../helpers/cli.js';
import { repoWith } from '../recipe/fixtures.js';

describe('report patches --site', () => {
  it('writes the JSON and HTML report into the output and the web page picks it up', async () => {
    const root = repoWith({
      'recipes/demo/patches/series': 'a.patch\n',
      'recipes/demo/patches/a.patch':
        'Description: a change\nAuthor: A <a@example.org>\nForwarded: no\n---\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n',
    });
    const r = await pkgtrack(['report', 'patches', '--offline', '--site', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(root, 'public/reports/patches.json'), 'utf8'));
    expect(json.counts['needs-forwarding']).toBe(1);
    expect(readFileSync(join(root, 'public/reports/patches.html'), 'utf8')).toContain('a.patch');
    expect(existsSync(join(root, 'public/index.html'))).toBe(true);
  });
});
