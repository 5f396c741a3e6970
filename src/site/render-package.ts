/**
 * What the site holds per package, and the package index the search page loads: the files
 * that let the first page stay bounded at any repository size. Pure: model in, text out.
 *  - `packages/<name>.html`: the package in every suite that has it (version, channel, build,
 *    upstream freshness, patches, build links), its badge and how to install it;
 *  - `packages/<name>.json`: the same facts for scripts;
 *  - `packages.json`: one short entry per package (name, summary, suites with versions), what
 *    search.html filters in the browser. Only this index grows with the repository; the site
 *    writer rewrites a package's own files only when what they show changed.
 */
import { html, join, safeUrl } from './html.js';
import { badgePath, compareNames, SAFE_SEGMENT, type SiteModel, type SitePackage, type SiteSuite } from './model.js';
import { type PageAssets, packageCells, pageHead } from './render-page.js';

/** Where a package appears: each suite with the package's row there. */
export interface PackageEntry {
  name: string;
  places: Array<{ suite: SiteSuite; pkg: SitePackage }>;
}

/** What a package's own files are rendered from: of each suite, only what they show. */
export interface PackageView {
  name: string;
  places: Array<{ suite: Pick<SiteSuite, 'kind' | 'suite' | 'target'>; pkg: SitePackage }>;
}

/** Every package of the model with the suites it is in, in one pass (suite order kept). */
export function packageEntries(model: SiteModel): Map<string, PackageEntry> {
  const out = new Map<string, PackageEntry>();
  for (const suite of model.suites) {
    for (const pkg of suite.packages) {
      let e = out.get(pkg.name);
      if (!e) out.set(pkg.name, (e = { name: pkg.name, places: [] }));
      e.places.push({ suite, pkg });
    }
  }
  return out;
}

/** Site path of a package's JSON. */
export const packageJsonPath = (pkg: string): string => `packages/${pkg}.json`;

/** Site path of the package index search.html loads. */
export const PACKAGE_INDEX = 'packages.json';

/** The facts of one package, as its JSON file and as the input its files are rendered from. */
export function packageJson(model: SiteModel, e: PackageEntry): string {
  return `${JSON.stringify(
    {
      name: e.name,
      badge: badgePath(e.name),
      suites: e.places.map(({ suite, pkg }) => ({
        kind: suite.kind,
        suite: suite.suite,
        ...(suite.target ? { target: suite.target } : {}),
        repository: `${model.url ?? ''}${model.url && suite.repoPath ? '/' : ''}${suite.repoPath}`,
        ...pkg,
      })),
    },
    null,
    1,
  )}\n`;
}

// packageJson spreads a package's row after its suite's fields: none of the row's may shadow them,
// or packageViewOfJson could not take them apart (a compile error here if one does).
type NeverShadowed<T extends never> = T;
export type PackageRowShadowsNoSuiteField = NeverShadowed<keyof SitePackage & ('kind' | 'suite' | 'target' | 'repository')>;

/** The view a packageJson text was written from (its inverse, for what the package's files show). */
export function packageViewOfJson(json: string): PackageView {
  const { name, suites } = JSON.parse(json) as {
    name: string;
    suites: Array<SitePackage & Pick<SiteSuite, 'kind' | 'suite' | 'target'> & { repository: string }>;
  };
  return {
    name,
    places: suites.map(({ kind, suite, target, repository: _, ...pkg }) => ({
      suite: { kind, suite, ...(target !== undefined ? { target } : {}) },
      pkg,
    })),
  };
}

/** One line per package for the search page: `[name, summary, [[suite, version], ...]]`. */
export function packageIndexJson(entries: Iterable<PackageEntry>): string {
  const rows: string[] = [];
  for (const e of entries) if (SAFE_SEGMENT.test(e.name)) rows.push(packageIndexLine(e));
  return `[\n${rows.join(',\n')}\n]\n`;
}

/** A package's line of packages.json. */
export function packageIndexLine(e: PackageEntry): string {
  const summary = e.places.map((p) => p.pkg.summary).find(Boolean) ?? '';
  return JSON.stringify([e.name, summary, e.places.map((p) => [p.suite.suite, p.pkg.version])]);
}

/**
 * packages.json with the lines of `changed` packages replaced, added or (no entry) dropped, the
 * rest kept as they are: what a publish that changed a few of 100,000 packages writes. `text` is
 * a packages.json this module wrote (one package per line, sorted with compareNames); undefined
 * when it is not one. Each changed name is found by binary search over the line starts, and the
 * text between edits is copied in slices: no string per line.
 */
export function splicePackageIndex(text: string, changed: ReadonlyMap<string, PackageEntry | undefined>): string | undefined {
  if (!text.startsWith('[\n') || !text.endsWith('\n]\n')) return undefined;
  const end = text.length - 2; // where the closing "]" line starts
  const starts: number[] = [];
  for (let at = 2; at < end; ) {
    if (!text.startsWith('["', at)) return undefined;
    starts.push(at);
    const nl = text.indexOf('\n', at);
    at = nl + 1;
  }
  const nameAt = (i: number) => {
    const at = starts[i]! + 2;
    return text.slice(at, text.indexOf('"', at));
  };
  // Line i spans starts[i] up to its ",\n" (or the last line's "\n").
  const lineEnd = (i: number) => (i + 1 < starts.length ? starts[i + 1]! - 2 : end - 1);
  const edits: Array<{ index: number; replace: boolean; line?: string }> = [];
  for (const name of [...changed.keys()].sort(compareNames)) {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareNames(nameAt(mid), name) < 0) lo = mid + 1;
      else hi = mid;
    }
    const found = lo < starts.length && nameAt(lo) === name;
    const e = changed.get(name);
    const line = e && SAFE_SEGMENT.test(name) ? packageIndexLine(e) : undefined;
    if (found || line !== undefined) edits.push({ index: lo, replace: found, ...(line !== undefined ? { line } : {}) });
  }
  const rows: string[] = [];
  let next = 0; // first original line not yet copied
  const copy = (upTo: number) => {
    if (upTo > next) rows.push(text.slice(starts[next]!, lineEnd(upTo - 1)));
    next = Math.max(next, upTo);
  };
  for (const e of edits) {
    copy(e.index);
    if (e.line !== undefined) rows.push(e.line);
    if (e.replace) next = e.index + 1;
  }
  copy(starts.length);
  const body = rows.filter((r) => r !== '').join(',\n');
  return `[\n${body}\n]\n`;
}

/** Asset paths as seen from packages/ (one folder down). */
const up = (assets: PageAssets): PageAssets => ({ stylesheet: `../${assets.stylesheet}`, icon: `../${assets.icon}` });

/** A package's own page, in packages/: links go one folder up. No timestamp of its own, so it is byte-identical until the package changes. */
export function renderPackageHtml(model: Pick<SiteModel, 'label' | 'generator'>, e: PackageView, assets: PageAssets): string {
  const a = up(assets);
  const rel = (href: string) => (/^https?:\/\//i.test(href) ? href : `../${href}`);
  const rows = e.places.map(({ suite, pkg }) => {
    // The shared row renderer, with its site-relative links moved one folder up.
    const fixed: SitePackage = {
      ...pkg,
      buildLinks: pkg.buildLinks.map((l) => ({ ...l, href: rel(l.href) })),
      ...(pkg.patches ? { patches: { ...pkg.patches, reportHref: rel(pkg.patches.reportHref) } } : {}),
    };
    return html`<tr><td data-label="Suite">${suite.suite}<span class="summary-text">${suite.target ?? ''}</span></td>${packageCells(fixed, {
      pageLink: false,
    })}</tr>`;
  });
  const install = e.places.some((p) => p.suite.kind === 'apt')
    ? html`<pre><code>sudo apt install ${e.places.find((p) => p.suite.kind === 'apt')!.pkg.binaries[0] ?? e.name}</code></pre>`
    : html`<pre><code>sudo dnf install ${e.places[0]!.pkg.binaries[0] ?? e.name}</code></pre>`;
  return html`${pageHead(`${e.name} — ${model.label}`, a, model.generator)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p><a href="../index.html">${model.label}</a></p>
<h1>${e.name}</h1>
</header>
<main id="main">
<p><img src="${safeUrl(`../${badgePath(e.name)}`)}" alt="${e.name} freshness badge" height="20"></p>
<section class="table-wrap" aria-labelledby="where" tabindex="0">
<table>
<caption id="where">Published in</caption>
<thead><tr><th scope="col">Suite</th><th scope="col">Package</th><th scope="col">Version</th><th scope="col">Channel</th><th scope="col">Built</th><th scope="col">Upstream</th><th scope="col">Patches</th><th scope="col">Build</th></tr></thead>
<tbody>
${join(rows, '\n')}
</tbody>
</table>
</section>
<h2 id="install">Install</h2>
<p>Once the repository is added (<a href="../index.html#install">how</a>):</p>
${install}
<p><a href="${safeUrl(`../${packageJsonPath(e.name)}`)}">This package as JSON</a></p>
</main>
</body>
</html>
`.value;
}

/** search.html: filters packages.json (fetched on the first search) in the browser. */
export function renderSearchHtml(model: SiteModel, assets: PageAssets & { script: string }): string {
  return html`${pageHead(`Search — ${model.label}`, assets, model.generator)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p><a href="index.html">${model.label}</a></p>
<h1>Search packages</h1>
</header>
<main id="main">
<form role="search" action="search.html" method="get" class="search">
<label for="search">Find a package by name or summary</label>
<input type="search" id="search" name="q" autocomplete="off" spellcheck="false">
<button type="submit">Search</button>
</form>
<p id="search-status" role="status">Type a name and press Enter.</p>
<ul id="search-results"></ul>
<noscript><p>Search needs JavaScript; the full list is <a href="${PACKAGE_INDEX}">${PACKAGE_INDEX}</a>.</p></noscript>
</main>
<script src="${safeUrl(assets.script)}" defer></script>
</body>
</html>
`.value;
}

/**
 * The search page's script: reads ?q=, fetches packages.json once, lists up to 100 matches as
 * links to their pages. Builds the DOM with textContent only (never innerHTML): names and
 * summaries are untrusted text.
 */
export const SEARCH_JS = `(function () {
  'use strict';
  var MAX = 100;
  var status = document.getElementById('search-status');
  var list = document.getElementById('search-results');
  var input = document.getElementById('search');
  var q = (new URLSearchParams(location.search).get('q') || '').trim().toLowerCase();
  input.value = q;
  if (!q) return;
  status.textContent = 'Loading the package index…';
  fetch('${PACKAGE_INDEX}').then(function (r) {
    if (!r.ok) throw new Error('HTTP ' + r.status);
    return r.json();
  }).then(function (all) {
    var hits = all.filter(function (p) { return p[0].toLowerCase().indexOf(q) >= 0 || String(p[1]).toLowerCase().indexOf(q) >= 0; });
    hits.sort(function (a, b) { return (a[0].toLowerCase().indexOf(q) === 0 ? 0 : 1) - (b[0].toLowerCase().indexOf(q) === 0 ? 0 : 1) || (a[0] < b[0] ? -1 : 1); });
    status.textContent = hits.length + ' of ' + all.length + ' packages match' + (hits.length > MAX ? '; the first ' + MAX + ' are listed.' : '.');
    hits.slice(0, MAX).forEach(function (p) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = 'packages/' + encodeURIComponent(p[0]) + '.html';
      a.textContent = p[0];
      li.appendChild(a);
      var v = document.createElement('span');
      v.className = 'summary-text';
      v.textContent = p[2].map(function (s) { return s[0] + ' ' + s[1]; }).join(', ') + (p[1] ? ' — ' + p[1] : '');
      li.appendChild(v);
      list.appendChild(li);
    });
  }).catch(function (e) {
    status.textContent = 'The package index could not be loaded (' + e.message + '); it is at ${PACKAGE_INDEX}.';
  });
})();
`;
