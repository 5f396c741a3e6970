/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web page in real headless Chromium (Debian's chromium, driven by playwright-core), over
 * a repository published by the reference tools (dpkg-deb + apt-ftparchive, rpmbuild +
 * createrepo_c): opened from file:// and from a static server on 127.0.0.1 it renders with no
 * console errors, fetches nothing from elsewhere, every link and badge resolves, the install
 * snippets name the key (checked with gpg) and URLs that really serve the repositories, it
 * passes axe-core's WCAG 2.1 A/AA rules in light and dark mode, and html-validate accepts it.
 * Screenshots land in test-output/site/ as artifacts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HtmlValidate } from 'html-validate';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerateSiteResult, generateSite } from '../../src/services/site/site.js';
import { HOSTILE_DESCRIPTION, HOSTILE_SUMMARY, makeSiteFixture, type SiteFixture, sh } from './fixture.js';
import { type StaticServer, startStaticServer } from './static-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-output', 'site');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const HOMEPAGES = ['https://www.gnu.org/software/hello/', 'https://tool.example.org/'];

let tmp: string;
let fx: SiteFixture;
let server: StaticServer;
let site: GenerateSiteResult;
let context: BrowserContext;
/** Requests the page tried to make to anything but file:// and our server (all aborted). */
const foreignRequests: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pkgtrack-site-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startStaticServer(() => fx.outputDir);
  const now = new Date();
  fx = await makeSiteFixture(tmp, server.url, now);
  site = await generateSite({
    recipesRoot: fx.repoRoot,
    now,
    generator: 'pkgtrack test',
  });
  // launchPersistentContext is how playwright takes a fresh --user-data-dir.
  context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file://') || u.startsWith(`${server.url}/`)) return route.continue();
    foreignRequests.push(u);
    return route.abort();
  });
}, 300_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  problems: string[];
}

/** Open a URL, collecting console errors, page errors, dialogs (a script ran!) and failed loads. */
async function open(url: string): Promise<Opened> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  const res = await page.goto(url, { waitUntil: 'load' });
  if (url.startsWith('http')) expect(res?.status()).toBe(200);
  return { page, problems };
}

/** Every URL the page links to or loads: anchors, images, stylesheets, icons. */
async function pageUrls(page: Page): Promise<string[]> {
  return page.evaluate(() => [
    ...[...document.querySelectorAll<HTMLAnchorElement>('a[href]')].map((a) => a.href),
    ...[...document.querySelectorAll<HTMLImageElement>('img[src]')].map((i) => i.src),
    ...[...document.querySelectorAll<HTMLLinkElement>('link[href]')].map((l) => l.href),
  ]);
}

async function checkLinks(page: Page, base: string): Promise<void> {
  const urls = await pageUrls(page);
  expect(urls.length).toBeGreaterThan(15);
  const pageUrl = page.url().split('#')[0]!;
  for (const u of urls) {
    if (u.startsWith(`${pageUrl}#`)) {
      const id = decodeURIComponent(u.split('#')[1]!);
      expect(await page.locator(`[id="${id}"]`).count(), `anchor target #${id}`).toBe(1);
    } else if (!u.startsWith(base)) {
      expect(HOMEPAGES, `external link ${u}`).toContain(u);
    } else if (u.startsWith('file://')) {
      expect(existsSync(fileURLToPath(u)), `file ${u}`).toBe(true);
    } else {
      const r = await fetch(u);
      expect(r.status, `GET ${u}`).toBe(200);
    }
  }
  // Badges really decoded as images.
  const badges = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLImageElement>('img')].map((i) => ({ src: i.src, ok: i.complete && i.naturalWidth > 0 })),
  );
  expect(badges.map((b) => b.src.split('/').pop())).toEqual(['hello.svg', 'lonely.svg', 'tool.svg']);
  for (const b of badges) expect(b.ok, b.src).toBe(true);
}

async function screenshots(page: Page, prefix: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, `${prefix}-desktop-${scheme}.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    // A phone must not scroll sideways: nothing wider than the viewport.
    const wide = await page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      const over = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 0.5);
      return { scroll: document.documentElement.scrollWidth - w, over: over.map((e) => `${e.tagName}.${e.className}`) };
    });
    expect(wide, `horizontal overflow on a phone (${scheme})`).toEqual({ scroll: 0, over: [] });
    await page.screenshot({ path: join(ARTIFACTS, `${prefix}-phone-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** axe-core's WCAG 2.1 A/AA and best-practice rules, light and dark, desktop and phone widths. */
async function expectAccessible(page: Page): Promise<void> {
  const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  await page.addScriptTag({ path: axePath });
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [1280, 390]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 900 });
      const violations = await page.evaluate(async () => {
        // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page
        const axe = (window as any).axe;
        const r = await axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
        });
        return r.violations.map(
          (v: { id: string; nodes: Array<{ target: string[] }> }) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
        );
      });
      expect(violations, `${page.url()} ${scheme} ${width}px`).toEqual([]);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('the repository web page in Chromium', () => {
  it('opens from file:// with no errors, every link and badge resolving', async () => {
    const { page, problems } = await open(pathToFileURL(join(fx.outputDir, 'index.html')).href);
    await checkLinks(page, pathToFileURL(fx.outputDir).href);
    await screenshots(page, 'file');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens from a static server on 127.0.0.1 with no errors and no missing file', async () => {
    const before = server.requests.length;
    const { page, problems } = await open(`${server.url}/`);
    await checkLinks(page, `${server.url}/`);
    await screenshots(page, 'http');
    expect(problems).toEqual([]);
    expect(server.requests.slice(before).filter((r) => r.status !== 200)).toEqual([]);
    await page.close();
  });

  it('fetches nothing from elsewhere', () => {
    expect(foreignRequests).toEqual([]);
  });

  it('shows hostile metadata as text and runs no script', async () => {
    const { page, problems } = await open(`${server.url}/index.html`);
    const state = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      handlers: [...document.querySelectorAll('*')].flatMap((e) => e.getAttributeNames().filter((a) => a.startsWith('on'))),
      lead: document.querySelector('.lead')?.textContent,
      body: document.body.textContent,
    }));
    expect(state.scripts).toBe(0);
    expect(state.handlers).toEqual([]);
    expect(state.lead).toBe(HOSTILE_DESCRIPTION);
    expect(state.body).toContain(HOSTILE_SUMMARY);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('gives install snippets that match the published key and URL', async () => {
    const { page } = await open(`${server.url}/`);
    const shown = ((await page.locator('#key-fingerprint').textContent()) ?? '').replace(/\s/g, '');
    expect(shown).toBe(fx.fingerprint);
    expect(site.keyFingerprint).toBe(fx.fingerprint);

    const keyCmd = (await page.locator('#apt-key-cmd').textContent()) ?? '';
    const keyUrl = /curl -fsSL (\S+)/.exec(keyCmd)![1]!;
    expect(keyUrl).toBe(`${server.url}/keys/demo-archive-keyring.asc`);
    // The key the snippet downloads is the signing key, as gpg sees it.
    const keyFile = join(tmp, 'downloaded.asc');
    const keyRes = await fetch(keyUrl);
    expect(keyRes.status).toBe(200);
    const keyText = await keyRes.text();
    expect(keyText).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n[\s\S]+-----END PGP PUBLIC KEY BLOCK-----\n$/);
    writeFileSync(keyFile, keyText);
    mkdirSync(join(tmp, 'gnupg'), { mode: 0o700 });
    const colons = sh('gpg', ['--homedir', join(tmp, 'gnupg'), '--batch', '--no-autostart', '--with-colons', '--show-keys', keyFile], {
      cwd: tmp,
    });
    expect(/^fpr:+([0-9A-F]+):/m.exec(colons)![1]).toBe(fx.fingerprint);
    expect(keyCmd).toContain(fx.fingerprint.match(/.{4}/g)!.join(' '));

    const sources = await page.locator('code.sources-snippet[data-suite="bookworm"]').textContent();
    expect(sources).toContain(`URIs: ${server.url}/apt\n`);
    expect(sources).toContain('Suites: bookworm\n');
    expect(sources).toContain('Signed-By: /etc/apt/keyrings/demo-archive-keyring.asc\n');
    expect(keyCmd).toContain('| sudo tee /etc/apt/keyrings/demo-archive-keyring.asc');
    // What apt would fetch first exists at that URL.
    expect((await fetch(`${server.url}/apt/dists/bookworm/Release`)).status).toBe(200);

    const repo = (await page.locator('code.repo-snippet').textContent()) ?? '';
    const baseurl = /^baseurl=(\S+)$/m.exec(repo)![1]!;
    expect(baseurl).toBe(`${server.url}/yum/fedora/41/x86_64`);
    expect((await fetch(`${baseurl}/repodata/repomd.xml`)).status).toBe(200);
    expect(repo).toContain(`gpgkey=${keyUrl}\n`);
    expect(repo).toMatch(/^gpgcheck=1$/m);
    expect(repo).toMatch(/^repo_gpgcheck=1$/m);
    await page.close();
  });

  it('shows the packages with channel, freshness, patches and build links', async () => {
    const { page } = await open(`${server.url}/`);
    const row = (caption: string, pkg: string) =>
      page
        .locator('table', { has: page.locator('caption', { hasText: caption }) })
        .locator('tbody tr', { has: page.locator(`th:has-text("${pkg}")`) });
    const hello = row('Suite bookworm —', 'hello');
    const tool = row('Suite bookworm —', 'tool');
    await expect(hello.locator('td[data-label="Upstream"]').textContent()).resolves.toContain('behind by 2 versions (9 days)');
    await expect(hello.locator('td[data-label="Version"]').textContent()).resolves.toContain('2.10-1~deb12u1');
    // From the published patch report (reports/patches.json), linking to hello's section of it.
    await expect(hello.locator('td[data-label="Patches"] li').allTextContents()).resolves.toEqual([
      '1 forwarded-open',
      '2 needs-forwarding',
    ]);
    const reportHref = await hello.locator('td[data-label="Patches"] a').getAttribute('href');
    expect(reportHref).toBe('reports/patches.html#r-hello');
    expect(await (await fetch(`${server.url}/reports/patches.html`)).text()).toContain('id="r-hello"');
    await expect(tool.locator('td[data-label="Patches"]').textContent()).resolves.toBe('—');
    await expect(hello.locator('td[data-label="Build"] a').allTextContents()).resolves.toEqual(['manifest', 'build log']);
    await expect(tool.locator('td[data-label="Upstream"]').textContent()).resolves.toContain('up to date');
    const lonely = row('Suite bookworm —', 'lonely');
    await expect(lonely.locator('td[data-label="Upstream"]').textContent()).resolves.toContain('upstream not checked');
    const trunk = row('Suite bookworm-trunk', 'hello');
    await expect(trunk.locator('td[data-label="Channel"]').textContent()).resolves.toBe('trunk');
    const rpm = row('Repository fedora/41/x86_64', 'hello');
    await expect(rpm.locator('td[data-label="Version"]').textContent()).resolves.toContain('2.12-1.fc41');
    await expect(rpm.locator('td[data-label="Upstream"]').textContent()).resolves.toContain('up to date');
    // The manifest link serves the build's manifest.
    const href = await hello.locator('td[data-label="Build"] a', { hasText: 'manifest' }).getAttribute('href');
    expect(await (await fetch(`${server.url}/${href}`)).text()).toBe(readFileSync(join(fx.buildDir, 'manifest.json'), 'utf8'));
    await page.close();
  });

  it('passes axe-core (WCAG 2.1 A and AA, incl. contrast) in light and dark mode, desktop and phone', async () => {
    const { page } = await open(`${server.url}/`);
    await expectAccessible(page);
    await page.close();
  });

  it('finds a package from the search page (index loaded on demand) and opens its page', async () => {
    const { page, problems } = await open(`${server.url}/search.html?q=hel`);
    await page.locator('#search-results li a').first().waitFor();
    const hits = await page.locator('#search-results li a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hits).toEqual([`${server.url}/packages/hello.html`]);
    expect(await page.locator('#search-status').textContent()).toMatch(/^1 of 3 packages match/);
    await expectAccessible(page);
    await page.locator('#search-results li a').first().click();
    await page.waitForURL(`${server.url}/packages/hello.html`);
    expect(await page.locator('h1').textContent()).toBe('hello');
    const badge = await page.evaluate(() => {
      const i = document.querySelector('img')!;
      return i.complete && i.naturalWidth > 0;
    });
    expect(badge).toBe(true);
    for (const u of await pageUrls(page)) {
      if (u.startsWith(server.url) && !u.includes('#')) expect((await fetch(u)).status, u).toBe(200);
    }
    await expectAccessible(page);
    const report = new HtmlValidate({ extends: ['html-validate:recommended'] }).validateStringSync(
      readFileSync(join(fx.outputDir, 'packages', 'hello.html'), 'utf8'),
    );
    expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message} (line ${m.line})`))).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('is valid HTML (html-validate, recommended rules)', () => {
    const report = new HtmlValidate({ extends: ['html-validate:recommended'] }).validateStringSync(
      readFileSync(join(fx.outputDir, 'index.html'), 'utf8'),
    );
    expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message} (line ${m.line})`))).toEqual([]);
  });

  it('serves badges that Chromium renders as standalone SVG', async () => {
    for (const b of site.badges) {
      const { page, problems } = await open(`${server.url}/${b}`);
      const box = await page.evaluate(() => {
        const svg = document.documentElement;
        return { tag: svg.tagName, width: Number(svg.getAttribute('width')), label: svg.getAttribute('aria-label') };
      });
      expect(box.tag).toBe('svg');
      expect(box.width).toBeGreaterThan(40);
      expect(box.label).toMatch(/^(hello|lonely|tool): /);
      expect(problems).toEqual([]);
      await page.close();
    }
    expect(readFileSync(join(fx.outputDir, 'badges', 'hello.svg'), 'utf8')).toContain('2.10 · 2 behind (9d)');
  });
});
