/**
 * The site as files (site-relative path → content), in parts so that the writer
 * (services/site/site.ts) renders and writes a package's files only when that package changed:
 * the bounded first page and the package index every time, the content-hashed assets and the
 * key when their content changed, and per package its badge, page and JSON. Pure. Package names
 * become file names only when they are safe path segments (Debian and RPM names always are).
 */
import { createHash } from 'node:crypto';
import { ICON_SVG, STYLE_CSS } from './assets.js';
import { freshnessBadge } from './badge.js';
import { badgeFreshnessOf, badgePath, compareNames, SAFE_SEGMENT, type SiteModel } from './model.js';
import {
  PACKAGE_INDEX,
  type PackageEntry,
  packageEntries,
  packageIndexJson,
  packageJson,
  packageJsonPath,
  packageViewOfJson,
  renderPackageHtml,
  renderSearchHtml,
  SEARCH_JS,
} from './render-package.js';
import { type IndexOptions, packagePagePath, renderIndexHtml } from './render-page.js';

export interface SiteFile {
  /** Site-relative, `/`-separated. */
  path: string;
  data: string | Uint8Array;
}

/** Folder of the content-hashed assets. */
export const ASSET_DIR = 'site-assets';

const hashed = (name: string, ext: string, data: string) =>
  `${ASSET_DIR}/${name}-${createHash('sha256').update(data).digest('hex').slice(0, 12)}.${ext}`;

/** The files of one package (badge, page, JSON), by path. */
export const packageFilePaths = (name: string): string[] => [badgePath(name), packagePagePath(name), packageJsonPath(name)];

/** The folders that hold every package's files (packageFilePaths). */
export const PAGE_PACKAGE_DIRS = ['badges/', 'packages/'] as const;

/** The package whose badge, page or JSON `path` is (packageFilePaths), if it is one of those. */
export function packageOfFile(path: string): string | undefined {
  const m = /^(?:badges\/(.+)\.svg|packages\/(.+)\.(?:html|json))$/.exec(path);
  const name = m?.[1] ?? m?.[2];
  return name !== undefined && packageFilePaths(name).includes(path) ? name : undefined;
}

export interface SiteParts {
  /** Content-hashed assets: stylesheet, icon, search script. */
  assets: SiteFile[];
  /** Key file and search page. */
  shared: SiteFile[];
  /** Packages with safe names, each with the suites it is in. */
  packages: PackageEntry[];
  /** What a package's files are rendered from: equal input, equal files. */
  packageInput(e: PackageEntry): string;
  /** A package's badge, page and JSON (packageFilePaths order). */
  packageFiles(e: PackageEntry, input?: string): SiteFile[];
  /** The package index and, last, the first page. */
  index(opts?: IndexOptions): SiteFile[];
}

/** An incremental write's parts: only the changed packages, and packages.json already spliced. */
export interface PartialPackages {
  /** The changed packages still published (safe names). */
  packages: PackageEntry[];
  /** packages.json as it is to be written. */
  packageIndex: string;
}

/** The site's parts; with `partial`, `model` is the first page's (suites hold their recent rows). */
export function siteParts(model: SiteModel, partial?: PartialPackages): SiteParts {
  const stylesheet = hashed('style', 'css', STYLE_CSS);
  const icon = hashed('icon', 'svg', ICON_SVG);
  const script = hashed('search', 'js', SEARCH_JS);
  const assets = { stylesheet, icon };
  const shared: SiteFile[] = [];
  if (model.key) shared.push({ path: model.key.href, data: model.key.armored });
  const packages =
    partial?.packages ??
    [...packageEntries(model).values()].filter((e) => SAFE_SEGMENT.test(e.name)).sort((a, b) => compareNames(a.name, b.name));
  const packageIndex = partial ? partial.packageIndex : packages.length ? packageIndexJson(packages) : undefined;
  if (packageIndex !== undefined) shared.push({ path: 'search.html', data: renderSearchHtml(model, { ...assets, script }) });
  // Everything a package page shows besides the package itself.
  const frame = JSON.stringify([model.label, model.generator, model.url ?? '', stylesheet, icon] satisfies PackageFrame);
  const packageInput = (e: PackageEntry) => `${frame}\n${packageJson(model, e)}`;
  return {
    assets: [
      { path: stylesheet, data: STYLE_CSS },
      { path: icon, data: ICON_SVG },
      { path: script, data: SEARCH_JS },
    ],
    shared,
    packages,
    packageInput,
    packageFiles: (e, input = packageInput(e)) => packageFilesOfInput(input),
    index(opts = {}) {
      const files: SiteFile[] = [];
      if (packageIndex !== undefined) files.push({ path: PACKAGE_INDEX, data: packageIndex });
      files.push({ path: 'index.html', data: renderIndexHtml(model, assets, opts) });
      return files;
    },
  };
}

/** The first line of a package's input: the page's label, generator and URL, and the assets' paths. */
type PackageFrame = [label: string, generator: string, url: string, stylesheet: string, icon: string];

/**
 * A package's badge, page and JSON (packageFilePaths order) from its input alone
 * (`SiteParts.packageInput`: the frame's line, then the package's JSON). The one way they are
 * rendered, on the main thread or on a page writer thread (services/site/site-files.ts), which
 * is handed this text rather than the three files.
 */
export function packageFilesOfInput(input: string): SiteFile[] {
  const nl = input.indexOf('\n');
  const [label, generator, , stylesheet, icon] = JSON.parse(input.slice(0, nl)) as PackageFrame;
  const json = input.slice(nl + 1);
  const e = packageViewOfJson(json);
  const b = badgeFreshnessOf(e.places.map((p) => p.pkg));
  return [
    { path: badgePath(e.name), data: freshnessBadge(e.name, b.version, b.freshness) },
    { path: packagePagePath(e.name), data: renderPackageHtml({ label, generator }, e, { stylesheet, icon }) },
    { path: packageJsonPath(e.name), data: json },
  ];
}

/** The whole site from scratch, `index.html` last (the page that references everything). */
export function renderSite(model: SiteModel, opts?: IndexOptions): SiteFile[] {
  const parts = siteParts(model);
  return [...parts.assets, ...parts.shared, ...parts.packages.flatMap((e) => parts.packageFiles(e)), ...parts.index(opts)];
}
