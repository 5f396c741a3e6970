/** The HTML patch report fits a 1280 px wide window in real headless Chromium, long values included. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { countStatuses, PATCH_STATUSES, type PatchEntry } from '../../src/report/model.js';
import { renderHtml } from '../../src/report/render.js';
import { summarizeReport } from '../../src/services/report/report.js';

const long = (s: string, n: number) => s.repeat(Math.ceil(n / s.length)).slice(0, n);

describe('HTML patch report width', () => {
  it('has no horizontal overflow at 1280 px', { timeout: 120_000 }, async () => {
    const patches: PatchEntry[] = PATCH_STATUSES.map((status, i) => ({
      recipe: 'demo',
      file: `${long('0001-a-very-long-patch-file-name-from-gbp-pq-export-', 90)}${i}.patch`,
      description: long('Fix the build with a compiler that is newer than anything upstream tested ', 200),
      author: 'Jörg Müller-Lüdenscheidt <joerg.mueller-luedenscheidt@long-domain.example.org>',
      ageDays: 900,
      size: { files: 12, added: 12345, removed: 6789 },
      dep3: {
        forwarded: `https://github.com/some-organisation/some-repository/pull/${long('1', 12)}`,
        bugs: [`https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=${long('9', 40)}`],
      },
      status,
      reason: `upstream 1.2.3 seems to have this change (hunks-present: ${long('src/lib/deeply/nested/path/file.c ', 160)})`,
      action: `forward upstream: pkgtrack patches forward demo ${long('x', 90)}.patch`,
      headerProblems: [`Forwarded must be "no", "not-needed", "yes" or a URL, not "${long('y', 80)}"`],
      notForwarded: status === 'needs-forwarding',
    }));
    const report = summarizeReport(
      [{ recipe: 'demo', checkedAgainst: ['1.2.3'], patches, counts: countStatuses(patches), warnings: [] }],
      new Date(),
    );
    const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-html-width-'));
    const file = join(dir, 'patches.html');
    writeFileSync(file, renderHtml(report));
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`file://${file}`);
      const m = await page.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        tables: [...document.querySelectorAll('.table-wrap')].map((w) => [w.scrollWidth, w.clientWidth]),
      }));
      expect(m.doc).toBeLessThanOrEqual(1280);
      expect(m.tables.length).toBe(1);
      for (const [scroll, client] of m.tables) expect(scroll).toBeLessThanOrEqual(client!);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
