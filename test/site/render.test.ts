/**
 * The renderer on its own: escaping of every value (hostile names, descriptions, versions,
 * URLs), freshness arithmetic, badges and install snippets. The rendered page is parsed back by
 * html-validate (a real HTML5 parser and validator) so "inert" means "parsed as text".
 */
import { HtmlValidate } from 'html-validate';
import { describe, expect, it } from 'vitest';
import { compareUpstreamVersions } from '../../src/formats/versions.js';
import { parseXml } from '../../src/repo/yum/xml-read.js';
import { BADGE_COLORS, badgeSvg, freshnessBadge, textWidth } from '../../src/site/badge.js';
import { escapeHtml, html, safeUrl } from '../../src/site/html.js';
import { badgeFreshness, badgeFreshnessOf, badgePath, computeFreshness, freshnessText, type SiteModel } from '../../src/site/model.js';
import { packageEntries, packageJson, packageJsonPath, renderPackageHtml } from '../../src/site/render-package.js';
import { packagePagePath, withThousands } from '../../src/site/render-page.js';
import { packageFilePaths, packageFilesOfInput, renderSite, siteParts } from '../../src/site/render-site.js';
import { debSources, debugSymbolsCommands, URL_PLACEHOLDER, yumRepoFile } from '../../src/site/snippets.js';

const EVIL = `<script>alert("x")</script>'"&\`<img src=x onerror=alert(1)>`;
const now = new Date('2026-11-21T12:00:00Z');
const TEMPLATE_TAGS = new Set(
  '!doctype html head meta title link body a header h1 h2 h3 p code nav ul li main section pre details summary dl dt dd div table caption thead tbody tr th td span time img footer form label input button'.split(
    ' ',
  ),
);

function hostileModel(): SiteModel {
  return {
    name: 'demo',
    label: `Label ${EVIL}`,
    description: `Description ${EVIL}`,
    maintainer: `Mal <${EVIL}@example.org>`,
    url: 'https://pkgs.example.org/demo',
    key: {
      fingerprint: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01',
      expires: '2028-01-01T00:00:00.000Z',
      userIds: [`Key ${EVIL}`],
      href: 'keys/demo-archive-keyring.asc',
      armored: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n',
    },
    suites: [
      {
        kind: 'apt',
        repoPath: 'apt',
        suite: `bookworm${EVIL}`,
        target: `debian:${EVIL}`,
        channel: 'stable',
        components: ['main'],
        architectures: ['amd64'],
        updatedAt: '2026-11-20T10:00:00.000Z',
        metadataHref: 'dists/bookworm/Release',
        packages: [
          {
            name: `pkg${EVIL}`,
            binaries: [`bin${EVIL}`],
            version: `1.0-1${EVIL}`,
            upstreamVersion: '1.0',
            architectures: [`amd64${EVIL}`],
            channel: 'stable',
            builtAt: '2026-11-19T08:00:00.000Z',
            summary: `Summary ${EVIL}`,
            homepage: 'javascript:alert(1)',
            freshness: { state: 'behind', latest: `2.0${EVIL}`, versionsBehind: 2, daysBehind: 5 },
            patches: { counts: { [`st${EVIL}`]: 2 }, reportHref: 'javascript:alert(2)' },
            buildLinks: [{ label: `log${EVIL}`, href: `builds/x/${EVIL}.log` }],
          },
          {
            name: 'hello',
            binaries: ['hello'],
            version: '2.12-1',
            upstreamVersion: '2.12',
            architectures: ['amd64'],
            channel: 'stable',
            homepage: 'https://www.gnu.org/software/hello/',
            freshness: { state: 'up-to-date', latest: '2.12' },
            buildLinks: [],
          },
        ],
      },
    ],
    generatedAt: now.toISOString(),
    generator: `pkgtrack ${EVIL}`,
  };
}

function indexOf(model: SiteModel): string {
  return renderSite(model).find((f) => f.path === 'index.html')!.data as string;
}

describe('escaping', () => {
  it('escapes the characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\``)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#96;');
    expect(html`<p title="${'"><script>'}">${'<b>'}</p>`.value).toBe('<p title="&#34;&#62;&#60;script&#62;">&#60;b&#62;</p>');
  });

  it('lets only site-relative paths and http(s) URLs into links', () => {
    expect(safeUrl('javascript:alert(1)')).toBe('#');
    expect(safeUrl('JaVaScRiPt:alert(1)')).toBe('#');
    expect(safeUrl('data:text/html,x')).toBe('#');
    expect(safeUrl('//evil.example/x')).toBe('#');
    expect(safeUrl('https://ok.example/a?b=c')).toBe('https://ok.example/a?b=c');
    expect(safeUrl('badges/a b.svg')).toBe('badges/a%20b.svg');
    expect(safeUrl('builds/x/"><x.log')).toBe('builds/x/%22%3E%3Cx.log');
  });

  it('renders a page where no hostile value becomes markup', () => {
    const page = indexOf(hostileModel());
    // Exactly the elements the template writes: no <script>, no <img> but the badges.
    expect(page).not.toMatch(/<script/i);
    // Every literal "<" left is the template's (values escape theirs), and attribute values
    // cannot contain '"', so this tokenizer is exact: list every tag and attribute name.
    const tags = [...page.matchAll(/<\/?([a-zA-Z0-9!]+)((?:\s+[a-zA-Z-]+(?:="[^"]*")?)*)\s*\/?>/g)];
    const lt = page.split('<').length - 1;
    expect(tags.length).toBe(lt);
    const attrs = tags.flatMap((t) => [...(t[2] ?? '').matchAll(/\s([a-zA-Z-]+)(?:="[^"]*")?/g)].map((m) => m[1]!.toLowerCase()));
    expect(attrs.filter((a) => a.startsWith('on') || a === 'style' || a === 'srcdoc')).toEqual([]);
    const names = new Set(tags.map((t) => t[1]!.toLowerCase()));
    expect([...names].filter((n) => !TEMPLATE_TAGS.has(n))).toEqual([]);
    expect(page).not.toMatch(/href="javascript:/i);
    expect(page).not.toContain('href="#" rel="external"'); // a non-http homepage is not linked at all
    expect(page.match(/<img /g)?.length).toBe(1); // hello's badge; the hostile name gets none
    // The hostile text is there, as text.
    expect(page).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    // long-title counts the escaped source (&#60; is 5 characters); the page caps the decoded
    // title, and the browser test validates a realistic page with the rule on.
    const v = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'long-title': 'off' } });
    const report = v.validateStringSync(page);
    expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message} (line ${m.line})`))).toEqual([]);
  });

  it('keeps hostile values text on package pages, the package index and the search page', () => {
    const model = hostileModel();
    model.suites[0]!.packages[0]!.name = 'evil'; // a safe file name, every other field hostile
    const files = renderSite(model);
    const page = files.find((f) => f.path === 'packages/evil.html')!.data as string;
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(page).not.toMatch(/href="javascript:/i);
    const v = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'long-title': 'off' } });
    const messages = (text: string) =>
      v.validateStringSync(text).results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`));
    expect(messages(page)).toEqual([]);
    const search = files.find((f) => f.path === 'search.html')!.data as string;
    expect(search.match(/<script/g)).toHaveLength(1); // the content-hashed asset, nothing inline
    expect(search).toMatch(/<script src="site-assets\/search-[0-9a-f]{12}\.js" defer><\/script>/);
    expect(messages(search)).toEqual([]);
    const index = JSON.parse(files.find((f) => f.path === 'packages.json')!.data as string) as unknown[][];
    expect(index.map((r) => r[0])).toEqual(['evil', 'hello']);
    expect(index[0]![1]).toBe(`Summary ${EVIL}`);
  });

  it("renders a package's files from its input text (what a page writer thread is sent) exactly as from its entry", () => {
    const model = hostileModel();
    model.suites[0]!.packages[0]!.name = 'evil';
    // hello also in a yum repository with no target, not built, no patches: places differ in shape.
    model.suites.push({
      ...model.suites[0]!,
      kind: 'yum',
      repoPath: 'yum',
      suite: 'fedora/41',
      target: undefined,
      packages: [{ ...model.suites[0]!.packages[1]!, version: '2.12-3.fc41', builtAt: undefined }],
    } as never);
    const parts = siteParts(model);
    const assets = { stylesheet: parts.assets[0]!.path, icon: parts.assets[1]!.path };
    expect(parts.packages.map((e) => e.name)).toEqual(['evil', 'hello']);
    for (const e of packageEntries(model).values()) {
      const b = badgeFreshnessOf(e.places.map((p) => p.pkg));
      const fromInput = packageFilesOfInput(parts.packageInput(e));
      expect(fromInput.map((f) => f.path)).toEqual(packageFilePaths(e.name));
      expect(fromInput).toEqual([
        { path: badgePath(e.name), data: freshnessBadge(e.name, b.version, b.freshness) },
        { path: packagePagePath(e.name), data: renderPackageHtml(model, e, assets) },
        { path: packageJsonPath(e.name), data: packageJson(model, e) },
      ]);
    }
    expect(packageEntries(model).get('hello')!.places).toHaveLength(2);
  });

  it('escapes badge text and keeps the SVG well-formed', () => {
    const svg = badgeSvg(`a${EVIL}`, `b${EVIL}`, '#123"/><script>');
    expect(svg).not.toMatch(/<script/);
    const root = parseXml(svg, 'badge.svg');
    expect(root.name).toBe('svg');
    expect(root.attrs['aria-label']).toBe(`a${EVIL}: b${EVIL}`);
    expect(root.children.find((c) => c.name === 'title')!.text).toBe(`a${EVIL}: b${EVIL}`);
  });
});

describe('freshness', () => {
  const day = 86_400_000;
  const seen = (version: string, daysAgo: number) => ({ version, observedAt: new Date(now.getTime() - daysAgo * day).toISOString() });

  it('is unknown without observations', () => {
    expect(computeFreshness('1.0', [], compareUpstreamVersions, now)).toEqual({ state: 'unknown' });
  });

  it('counts newer versions and the days since the first of them was seen', () => {
    const obs = [seen('1.0', 50), seen('1.1~rc1', 20), seen('1.1', 12), seen('1.2', 2), seen('1.1', 1)];
    expect(computeFreshness('1.0', obs, compareUpstreamVersions, now)).toEqual({
      state: 'behind',
      latest: '1.2',
      versionsBehind: 3,
      daysBehind: 20,
    });
    expect(computeFreshness('1.1', obs, compareUpstreamVersions, now)).toEqual({
      state: 'behind',
      latest: '1.2',
      versionsBehind: 1,
      daysBehind: 2,
    });
    expect(computeFreshness('1.2', obs, compareUpstreamVersions, now)).toEqual({ state: 'up-to-date', latest: '1.2' });
  });

  it('treats a trunk snapshot past the latest release as up to date, and one before it as behind', () => {
    const obs = [seen('2.11', 9), seen('2.12', 3)];
    expect(computeFreshness('2.12+git20261101.3.abc1234', obs, compareUpstreamVersions, now).state).toBe('up-to-date');
    expect(computeFreshness('2.11+git20261001.1.abc', obs, compareUpstreamVersions, now)).toMatchObject({
      state: 'behind',
      versionsBehind: 1,
    });
  });

  it('reads as text', () => {
    expect(freshnessText({ state: 'behind', latest: '2', versionsBehind: 1, daysBehind: 1 })).toBe('behind by 1 version (1 day)');
    expect(freshnessText({ state: 'up-to-date', latest: '2' })).toBe('up to date');
  });

  it('puts the worst stable state on the badge', () => {
    const m = hostileModel();
    const s = m.suites[0]!;
    m.suites.push({
      ...s,
      suite: 'trixie',
      packages: [{ ...s.packages[1]!, freshness: { state: 'behind', latest: '2.13', versionsBehind: 1, daysBehind: 1 } }],
    });
    m.suites.push({ ...s, suite: 'trixie-trunk', channel: 'trunk', packages: [{ ...s.packages[1]!, channel: 'trunk' }] });
    expect(badgeFreshness(m, 'hello')!.freshness.state).toBe('behind');
    const svg = freshnessBadge('hello', '2.12', badgeFreshness(m, 'hello')!.freshness);
    expect(svg).toContain('2.12 · 1 behind (1d)');
  });

  it('uses badge colours on which white text passes WCAG AA', () => {
    const lum = (hex: string) => {
      const c = [1, 3, 5]
        .map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255)
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
    };
    for (const [what, bg] of Object.entries(BADGE_COLORS))
      expect((1.05 / (lum(bg) + 0.05)).toFixed(2), what).toSatisfy((r: string) => Number(r) >= 4.5);
  });

  it('sizes badges by text', () => {
    expect(textWidth('iii')).toBeLessThan(textWidth('MMM'));
    const wide = parseXml(badgeSvg('x', 'a much longer message', '#000'), 'b');
    const narrow = parseXml(badgeSvg('x', 'short', '#000'), 'b');
    expect(Number(wide.attrs.width)).toBeGreaterThan(Number(narrow.attrs.width));
  });
});

describe('install snippets', () => {
  it('write a deb822 .sources stanza with Signed-By and the repository URL', () => {
    const m = hostileModel();
    const s = { ...m.suites[0]!, suite: 'bookworm' };
    expect(debSources(m, s)).toBe(
      [
        'Types: deb',
        'URIs: https://pkgs.example.org/demo/apt',
        'Suites: bookworm',
        'Components: main',
        'Architectures: amd64',
        'Signed-By: /etc/apt/keyrings/demo-archive-keyring.asc',
        '',
      ].join('\n'),
    );
  });

  it('write a .repo file with package and metadata signature checks', () => {
    const m = hostileModel();
    const s = {
      ...m.suites[0]!,
      kind: 'yum' as const,
      repoPath: 'yum',
      suite: 'fedora/41/x86_64',
      target: 'fedora:41',
      architectures: ['x86_64'],
    };
    const text = yumRepoFile(m, s);
    expect(text).toContain('[demo-fedora-41-x86_64]\n');
    expect(text).toContain('baseurl=https://pkgs.example.org/demo/yum/fedora/41/x86_64\n');
    expect(text).toContain('gpgcheck=1\nrepo_gpgcheck=1\ngpgkey=https://pkgs.example.org/demo/keys/demo-archive-keyring.asc\n');
  });

  it('tell how to add a debug-symbols suite (apt one-line source, yum .repo) and install from it', () => {
    const m = hostileModel();
    const base = { ...m.suites[0]!, packages: [{ ...m.suites[0]!.packages[0]!, binaries: ['hello-dbgsym'] }] };
    expect(debugSymbolsCommands(m, { ...base, suite: 'bookworm-debug', debugFor: 'bookworm' })).toBe(
      [
        "echo 'deb [signed-by=/etc/apt/keyrings/demo-archive-keyring.asc] https://pkgs.example.org/demo/apt bookworm-debug main' | sudo tee /etc/apt/sources.list.d/demo-debug.list",
        'sudo apt update',
        'sudo apt install hello-dbgsym',
      ].join('\n'),
    );
    const yum = debugSymbolsCommands(m, {
      ...base,
      kind: 'yum',
      repoPath: 'yum',
      suite: 'fedora/41/x86_64-debug',
      debugFor: 'fedora/41/x86_64',
      packages: [{ ...base.packages[0]!, binaries: ['hello-debuginfo', 'hello-debugsource'] }],
    });
    expect(yum).toContain('[demo-fedora-41-x86_64-debug]\n');
    expect(yum).toContain('baseurl=https://pkgs.example.org/demo/yum/fedora/41/x86_64-debug\n');
    expect(yum.endsWith('\nsudo dnf install hello-debuginfo')).toBe(true);
  });

  it('say so when the URL is not configured', () => {
    const m = hostileModel();
    delete m.url;
    const page = indexOf(m);
    expect(page).toContain(URL_PLACEHOLDER);
    expect(page).toContain('set <code>url:</code> in pkgtrack.yaml');
  });

  it('list the other keys of a rotation window', () => {
    const m = hostileModel();
    expect(indexOf(m)).not.toContain('Also trusted');
    m.key!.rotation = [{ fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567', expires: null }];
    expect(indexOf(m)).toContain(
      '<dt>Also trusted</dt><dd><code class="fpr">0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567</code> (expires never)',
    );
  });

  it('stay valid HTML with every optional part on', () => {
    const m = hostileModel();
    m.key!.rotation = [{ fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567', expires: '2030-01-01T00:00:00.000Z' }];
    m.key!.expires = new Date(now.getTime() + 86_400_000).toISOString();
    m.suites.push({ ...m.suites[0]!, suite: 'bookworm-trunk', channel: 'trunk', notAutomatic: true, packages: [] });
    m.suites.push({ ...m.suites[0]!, kind: 'yum', repoPath: 'yum', suite: 'fedora/41/x86_64', packages: [] });
    m.suites.push({ ...m.suites[0]!, suite: 'bookworm-debug', debugFor: 'bookworm' });
    delete m.url;
    const page = indexOf(m);
    expect(page).toContain('id="install-debug"');
    expect(page).toContain('apt install -t bookworm-trunk');
    expect(page).toContain('No packages published in this suite yet.');
    const v = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'long-title': 'off' } });
    const report = v.validateStringSync(page);
    expect(report.results.flatMap((r) => r.messages.map((x) => `${x.ruleId}: ${x.message} (line ${x.line})`))).toEqual([]);
  });

  it('warn about a key that expires soon or has expired', () => {
    const m = hostileModel();
    expect(indexOf(m)).not.toContain('key-expiry-warning');
    m.key!.expires = new Date(now.getTime() + 10 * 86_400_000 + 3_600_000).toISOString();
    expect(indexOf(m)).toContain('This key expires in 10 days');
    m.key!.expires = new Date(now.getTime() - 86_400_000).toISOString();
    expect(indexOf(m)).toContain('This key has expired');
  });

  it('warn on an unsigned repository instead of showing Signed-By', () => {
    const m = hostileModel();
    delete m.key;
    const page = indexOf(m);
    expect(page).toContain('This repository is not signed');
    expect(page).not.toContain('Signed-By');
    expect(renderSite(m).some((f) => f.path.startsWith('keys/'))).toBe(false);
  });
});

describe('escaping fast paths', () => {
  // The escaping as it was before the fast paths: every string through both replaces, every
  // relative URL through decode/encode per segment.
  const slowEscape = (s: string) =>
    s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD');
  const slowUrl = (url: string) => {
    if (/^https?:\/\/[^\s]+$/i.test(url)) return url;
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//') || url.startsWith('\\')) return '#';
    const [path, frag] = url.split('#', 2) as [string, string | undefined];
    const dec = (x: string) => {
      try {
        return decodeURIComponent(x);
      } catch {
        return x;
      }
    };
    const enc = path
      .split('/')
      .map((seg) => encodeURIComponent(dec(seg)))
      .join('/');
    return frag === undefined ? enc : `${enc}#${encodeURIComponent(frag)}`;
  };
  it('give what the full escaping gives, on random text', () => {
    const alphabet = 'aZ09-._~!*\'()/ #%&<>"`\u0000\u0007\u000b\u001f\u007fé中\\:?=+';
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const n = Math.floor(rnd() * 12);
      let s = '';
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(escapeHtml(s), JSON.stringify(s)).toBe(slowEscape(s));
      expect(safeUrl(s), JSON.stringify(s)).toBe(slowUrl(s));
    }
  });
});

describe('counts on the first page', () => {
  it("group thousands as toLocaleString('en-US') does", () => {
    const values = [0, 7, 999, 1000, 10_000, 100_000, 123_456, 1_000_000, 9_876_543_210];
    for (let n = 1; n < 2e9; n = Math.floor(n * 3.7) + 1) values.push(n);
    for (const n of values) expect(withThousands(n), String(n)).toBe(n.toLocaleString('en-US'));
  });
});
