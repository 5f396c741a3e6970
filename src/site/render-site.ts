/**
 * The whole site as a list of files (site-relative path → content). Pure; services/site.ts
 * writes the list atomically. Package names become file names only when they are safe path
 * segments; others get no badge file (Debian and RPM names always qualify).
 */
import { createHash } from 'node:crypto';
import { freshnessBadge } from './badge.js';
import { ICON_SVG, STYLE_CSS } from './assets.js';
import { badgeFreshnessByPackage, badgePath, packageNames, SAFE_SEGMENT, type SiteModel } from './model.js';
import { renderIndexHtml } from './render-page.js';

export interface SiteFile {
  /** Site-relative, `/`-separated. */
  path: string;
  data: string | Uint8Array;
}

/** Folder of the content-hashed assets. */
export const ASSET_DIR = 'site-assets';

const hashed = (name: string, ext: string, data: string) =>
  `${ASSET_DIR}/${name}-${createHash('sha256').update(data).digest('hex').slice(0, 12)}.${ext}`;

export function renderSite(model: SiteModel): SiteFile[] {
  const stylesheet = hashed('style', 'css', STYLE_CSS);
  const icon = hashed('icon', 'svg', ICON_SVG);
  const files: SiteFile[] = [
    { path: stylesheet, data: STYLE_CSS },
    { path: icon, data: ICON_SVG },
  ];
  if (model.key) files.push({ path: model.key.href, data: model.key.armored });
  const badges = badgeFreshnessByPackage(model);
  for (const name of packageNames(model)) {
    const b = badges.get(name);
    if (b && SAFE_SEGMENT.test(name)) files.push({ path: badgePath(name), data: freshnessBadge(name, b.version, b.freshness) });
  }
  // Last: the page that references everything above.
  files.push({ path: 'index.html', data: renderIndexHtml(model, { stylesheet, icon }) });
  return files;
}
