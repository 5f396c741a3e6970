/**
 * index.html: the repository's front page. Pure: model in, HTML text out. Structure is chosen
 * for assistive technology first: one h1, h2 per section, landmarks (header/nav/main/footer),
 * one table per suite with a caption and scoped headers, state shown as text (never colour
 * alone), and horizontal scrolling regions that are focusable and labelled on narrow screens.
 */
import { html, idFor, join, type Safe, safeUrl } from './html.js';
import {
  type Freshness,
  freshnessText,
  type PatchSummary,
  packageNames,
  type SiteModel,
  type SitePackage,
  type SiteSuite,
  badgePath,
  newestFirst,
  packageCount,
  SAFE_SEGMENT,
} from './model.js';
import { aptKeyCommands, debSourcesCommand, debugSymbolsCommands, formatFingerprint, URL_PLACEHOLDER, yumRepoCommand } from './snippets.js';

/** Same horizon as `pkgtrack doctor`'s key expiry warning (sign/policy.ts EXPIRY_WARNING_DAYS). */
export const KEY_EXPIRY_WARNING_DAYS = 30;

export interface PageAssets {
  stylesheet: string;
  icon: string;
}

/** How many packages of each suite the first page lists (the most recently changed). */
export const FIRST_PAGE_ROWS = 20;

/** What keeps the first page bounded at any repository size. */
export interface IndexOptions {
  /** When each package last changed on the site (ISO); newest are listed first. Default: by name. */
  changedAt?: ReadonlyMap<string, string>;
  /** Rows per suite (default FIRST_PAGE_ROWS). */
  rows?: number;
}

/** Site path of a package's own page. */
export const packagePagePath = (pkg: string): string => `packages/${pkg}.html`;

/** The `rows` most recently changed packages of a suite, in `newestFirst` order. */
export function recentPackages(s: SiteSuite, opts: IndexOptions = {}): SitePackage[] {
  const rows = opts.rows ?? FIRST_PAGE_ROWS;
  if (s.packages.length <= rows && !opts.changedAt) return s.packages;
  // Each package's time looked up once, not twice per comparison (100,000 packages: 3 million lookups).
  const dated = s.packages.map((p) => ({ p, name: p.name, at: opts.changedAt?.get(p.name) ?? '' }));
  dated.sort(newestFirst);
  return dated.slice(0, rows).map((d) => d.p);
}

/**
 * `100,000`: what toLocaleString('en-US') gives for a count, without it: its first call sets up
 * ICU's number formatting, ~10 ms of every publish's page.
 */
export const withThousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** `2026-11-21 12:25 UTC`: unambiguous, and the same in every locale. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The doctype and <head> every page of the site shares. */
export function pageHead(title: string, assets: PageAssets, generator: string): Safe {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="${generator}">
<title>${title}</title>
<link rel="stylesheet" href="${safeUrl(assets.stylesheet)}">
<link rel="icon" href="${safeUrl(assets.icon)}" type="image/svg+xml">
</head>`;
}

/** Titles over 70 characters get cut in tabs and search results anyway. */
const shorten = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const dateOnly = (iso: string) => iso.slice(0, 10);

function timeEl(iso: string | undefined): Safe {
  if (!iso || Number.isNaN(Date.parse(iso))) return html`—`;
  return html`<time datetime="${new Date(iso).toISOString()}">${formatDate(iso)}</time>`;
}

function freshnessCell(f: Freshness): Safe {
  const latest = f.state === 'unknown' ? html`` : html`<span class="summary-text">latest ${f.latest}</span>`;
  return html`<span class="pill s-${f.state}">${freshnessText(f)}</span>${latest}`;
}

function patchCell(p: PatchSummary | undefined): Safe {
  if (!p) return html`<span class="muted">—</span>`;
  const parts = Object.entries(p.counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => html`<li>${n} ${status}</li>`);
  return html`<ul class="inline">${parts.length ? parts : html`<li>no patches</li>`}</ul> <a href="${safeUrl(p.reportHref)}">patch report</a>`;
}

function linksCell(pkg: SitePackage): Safe {
  if (pkg.buildLinks.length === 0) return html`<span class="muted">—</span>`;
  return html`<ul class="inline">${pkg.buildLinks.map((l) => html`<li><a href="${safeUrl(l.href)}">${l.label}</a></li>`)}</ul>`;
}

/** A package's cells of a table row: the name as row header, then version, channel, build, upstream, patches, build links. */
export function packageCells(pkg: SitePackage, opts: { pageLink?: boolean } = {}): Safe {
  const binaries = pkg.binaries.filter((b) => b !== pkg.name);
  const name =
    pkg.homepage && /^https?:\/\//i.test(pkg.homepage)
      ? html`<a href="${safeUrl(pkg.homepage)}" rel="external">${pkg.name}</a>`
      : html`${pkg.name}`;
  const page =
    opts.pageLink !== false && SAFE_SEGMENT.test(pkg.name)
      ? html`<span class="summary-text"><a href="${safeUrl(packagePagePath(pkg.name))}">package page</a></span>`
      : '';
  return html`<th scope="row">${name}${pkg.summary ? html`<span class="summary-text">${pkg.summary}</span>` : ''}${
    binaries.length ? html`<span class="summary-text">binaries: ${binaries.join(', ')}</span>` : ''
  }${page}</th>
<td class="ver" data-label="Version">${pkg.version}<span class="summary-text">${pkg.architectures.join(', ')}</span></td>
<td data-label="Channel"><span class="pill c-${pkg.channel}">${pkg.channel}</span></td>
<td data-label="Built">${timeEl(pkg.builtAt)}</td>
<td data-label="Upstream">${freshnessCell(pkg.freshness)}</td>
<td data-label="Patches">${patchCell(pkg.patches)}</td>
<td data-label="Build">${linksCell(pkg)}</td>`;
}

function packageRow(pkg: SitePackage): Safe {
  return html`<tr>
${packageCells(pkg)}
</tr>`;
}

function suiteTable(s: SiteSuite, opts: IndexOptions): Safe {
  const id = idFor(`suite-${s.kind}`, s.suite);
  const where = [s.target, s.channel === 'trunk' ? 'trunk channel' : 'stable channel'].filter(Boolean).join(', ');
  const shown = recentPackages(s, opts);
  const body = shown.length
    ? shown.map(packageRow)
    : html`<tr><td colspan="7" class="muted">No packages published in this suite yet.</td></tr>`;
  const more =
    shown.length < packageCount(s)
      ? html`<p class="muted">${s.kind === 'apt' ? 'Suite' : 'Repository'} ${s.suite} holds ${withThousands(packageCount(s))} packages; the ${shown.length} most recently changed are listed. <a href="#search">Search all packages</a>.</p>`
      : '';
  return html`${more}<section class="table-wrap" aria-labelledby="${id}" tabindex="0">
<table>
<caption id="${id}">${s.kind === 'apt' ? 'Suite' : 'Repository'} ${s.suite} <span class="muted">— ${where}; updated ${formatDate(
    s.updatedAt,
  )}; <a href="${safeUrl(s.metadataHref)}">${s.kind === 'apt' ? 'Release file' : 'repomd.xml'}</a></span></caption>
<thead><tr><th scope="col">Package</th><th scope="col">Version</th><th scope="col">Channel</th><th scope="col">Built</th><th scope="col">Upstream</th><th scope="col">Patches</th><th scope="col">Build</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
}

function keySection(model: SiteModel): Safe {
  const k = model.key;
  if (!k) return html`<p class="note">This repository is not signed: clients will refuse it until a signing key is configured.</p>`;
  const expiry = k.expires ? html`${timeEl(k.expires)}` : html`never`;
  // Users should hear about an expiring key before apt starts refusing the repository.
  const days = k.expires ? Math.floor((Date.parse(k.expires) - Date.parse(model.generatedAt)) / 86_400_000) : undefined;
  const warning =
    days === undefined || days > KEY_EXPIRY_WARNING_DAYS
      ? ''
      : html`<p class="note" id="key-expiry-warning">${
          days < 0
            ? 'This key has expired: apt and dnf refuse the repository until it is re-signed with a valid key.'
            : `This key expires in ${days} day${days === 1 ? '' : 's'}; expect a new key or a new expiry date before then.`
        }</p>`;
  return html`<dl class="facts">
<dt>Fingerprint</dt><dd><code class="fpr" id="key-fingerprint">${formatFingerprint(k.fingerprint)}</code></dd>
<dt>Expires</dt><dd>${expiry}</dd>
${k.userIds.length ? html`<dt>User ID</dt><dd>${k.userIds.join(', ')}</dd>` : ''}
${
  k.rotation?.length
    ? html`<dt>Also trusted</dt><dd>${k.rotation.map(
        (r) => html`<code class="fpr">${formatFingerprint(r.fingerprint)}</code> (expires ${r.expires ? timeEl(r.expires) : 'never'}) `,
      )}<br><span class="muted">The key file holds the keys of a key rotation; keep it up to date.</span></dd>`
    : ''
}
<dt>Public key</dt><dd><a href="${safeUrl(k.href)}" id="key-link">${k.href}</a></dd>
</dl>${warning}`;
}

function installSection(model: SiteModel): Safe {
  const apt = model.suites.filter((s) => s.kind === 'apt' && !s.debugFor);
  const yum = model.suites.filter((s) => s.kind === 'yum' && !s.debugFor);
  const debug = model.suites.filter((s) => s.debugFor);
  const pick = (list: SiteSuite[]) => [...list.filter((s) => s.channel === 'stable'), ...list.filter((s) => s.channel === 'trunk')];
  const parts: Safe[] = [];
  if (!model.url) {
    parts.push(
      html`<p class="note">The public URL of this repository is not configured; replace <code>${URL_PLACEHOLDER}</code> below, or set <code>url:</code> in pkgtrack.yaml.</p>`,
    );
  }
  if (apt.length) {
    const keyStep = model.key
      ? html`<p>Fetch the signing key and check its fingerprint:</p><pre><code id="apt-key-cmd">${aptKeyCommands(model, model.key)}</code></pre>`
      : '';
    parts.push(html`<h3 id="install-apt">Debian and Ubuntu</h3>${keyStep}<p>Then add one suite as a deb822 <code>.sources</code> file:</p>
${pick(apt).map(
  (
    s,
    i,
  ) => html`<details${i === 0 ? html` open` : ''}><summary>${s.target ?? s.suite}${s.channel === 'trunk' ? ' (trunk snapshots)' : ''} — suite ${s.suite}</summary>
<pre><code class="sources-snippet" data-suite="${s.suite}">${debSourcesCommand(model, s)}</code></pre>${
    s.notAutomatic
      ? html`<p>apt never installs from this suite on its own (it is NotAutomatic); ask for it: <code>sudo apt install -t ${s.suite} PACKAGE</code>.</p>`
      : ''
  }</details>`,
)}`);
  }
  if (yum.length) {
    parts.push(html`<h3 id="install-yum">Fedora, CentOS Stream, RHEL and openSUSE</h3><p>Add one repository as a <code>.repo</code> file; dnf asks to import the key on first use:</p>
${pick(yum).map(
  (
    s,
    i,
  ) => html`<details${i === 0 ? html` open` : ''}><summary>${s.target ?? s.suite}${s.channel === 'trunk' ? ' (trunk snapshots)' : ''}</summary>
<pre><code class="repo-snippet" data-suite="${s.suite}">${yumRepoCommand(model, s)}</code></pre></details>`,
)}`);
  }
  if (debug.length) {
    parts.push(html`<h3 id="install-debug">Debug symbols</h3><p>Debug symbols are published apart from the packages, as Debian's debian-debug archive and Fedora's debug repositories, so nobody downloads their index who does not want them. Add the debug suite next to the one you use, then install the symbols of a package:</p>
${debug.map(
  (s) => html`<details><summary>${s.debugFor} — ${s.kind === 'apt' ? 'suite' : 'repository'} ${s.suite}</summary>
<pre><code class="debug-snippet" data-suite="${s.suite}">${debugSymbolsCommands(model, s)}</code></pre></details>`,
)}`);
  }
  if (!apt.length && !yum.length) parts.push(html`<p>Nothing has been published yet.</p>`);
  return join(parts, '\n');
}

function searchSection(model: SiteModel): Safe {
  if (!model.suites.some((s) => s.packages.length)) return html``;
  // A plain form: search.html reads ?q= and loads the package index only then.
  return html`<form role="search" action="search.html" method="get" class="search">
<label for="search">Find a package by name or summary</label>
<input type="search" id="search" name="q" autocomplete="off" spellcheck="false">
<button type="submit">Search</button>
</form>`;
}

function badgesSection(model: SiteModel, opts: IndexOptions): Safe {
  // Only names that are safe file names get a badge file (renderSite); Debian and RPM names all
  // are. The first page shows the badges of the packages it lists; every package page has its own.
  const listed = new Set(model.suites.flatMap((s) => recentPackages(s, opts).map((p) => p.name)));
  const names = packageNames(model).filter((n) => SAFE_SEGMENT.test(n) && listed.has(n));
  if (!names.length) return html``;
  const base = model.url ?? URL_PLACEHOLDER;
  return html`<section aria-labelledby="badges-h">
<h2 id="badges-h">Freshness badges</h2>
<p>Each package has a badge for upstream READMEs, e.g. <code>![packaged](${base}/${badgePath(names[0]!)})</code>.</p>
<p class="badges">${names.map((n) => html`<a href="${safeUrl(badgePath(n))}"><img src="${safeUrl(badgePath(n))}" alt="${n} freshness badge" height="20"></a>`)}</p>
</section>`;
}

export function renderIndexHtml(model: SiteModel, assets: PageAssets, opts: IndexOptions = {}): string {
  const suites = [...model.suites].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'apt' ? -1 : 1));
  const tables = suites.length
    ? join(
        suites.map((s) => suiteTable(s, opts)),
        '\n',
      )
    : html`<p>Nothing has been published yet.</p>`;
  const page = html`${pageHead(`${shorten(model.label, 40)} — package repository`, assets, model.generator)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<h1>${model.label}</h1>
${model.description ? html`<p class="lead">${model.description}</p>` : ''}
<p class="muted">Repository <code>${model.name}</code>${model.maintainer ? html`, maintained by ${model.maintainer}` : ''}.</p>
</header>
<nav aria-label="Sections"><ul><li><a href="#install">Install</a></li><li><a href="#key">Signing key</a></li><li><a href="#packages">Packages</a></li></ul></nav>
<main id="main">
<section aria-labelledby="install">
<h2 id="install">Add this repository</h2>
${installSection(model)}
</section>
<section aria-labelledby="key">
<h2 id="key">Signing key</h2>
${keySection(model)}
</section>
<section aria-labelledby="packages">
<h2 id="packages">Packages</h2>
${searchSection(model)}
${tables}
</section>
${badgesSection(model, opts)}
</main>
<footer><p>Generated ${timeEl(model.generatedAt)} by ${model.generator}.${
    model.suites.some((s) => s.updatedAt) ? html` Last metadata change ${dateOnly(latestUpdate(model))}.` : ''
  }</p></footer>
</body>
</html>
`;
  return page.value;
}

function latestUpdate(model: SiteModel): string {
  return model.suites
    .map((s) => s.updatedAt ?? '')
    .sort()
    .at(-1)!;
}
