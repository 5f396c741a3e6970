/**
 * Freshness badges (`badges/<package>.svg`), in the flat shields.io style so they sit well next
 * to other README badges. Self-contained SVG: no fonts, scripts or links to fetch. Text widths
 * are estimated from per-character advances of Verdana 11px (what shields uses), so the badge
 * is sized without a font engine.
 */
import { escapeHtml } from './html.js';
import type { Freshness } from './model.js';

// Advance widths (px at 11px Verdana) for ASCII 32..126; other characters count as 'M'-wide.
const WIDTHS = [
  3.9, 4.3, 5.1, 9.0, 7.0, 12.3, 8.0, 3.0, 5.0, 5.0, 7.0, 9.0, 4.0, 5.0, 4.0, 5.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 5.0,
  5.0, 9.0, 9.0, 9.0, 6.0, 11.0, 7.5, 7.6, 7.7, 8.5, 7.0, 6.3, 8.5, 8.3, 4.6, 5.0, 7.6, 6.1, 9.4, 8.3, 8.7, 6.6, 8.7, 7.7, 7.5, 6.8, 8.1,
  7.5, 10.9, 7.5, 6.8, 7.5, 5.0, 5.0, 5.0, 9.0, 7.0, 7.0, 6.6, 6.8, 5.7, 6.8, 6.6, 3.9, 6.8, 7.0, 3.0, 3.8, 6.5, 3.0, 10.7, 7.0, 6.7, 6.8,
  6.8, 4.7, 5.7, 4.3, 7.0, 6.5, 9.0, 6.5, 6.5, 5.8, 7.0, 5.0, 7.0, 9.0,
];

export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += c >= 32 && c <= 126 ? WIDTHS[c - 32]! : 11;
  }
  return Math.ceil(w);
}

/** Background colours chosen so white text on them passes WCAG AA (>= 4.5:1). */
export const BADGE_COLORS = { 'up-to-date': '#1a7f37', behind: '#b3400a', unknown: '#57606a', label: '#3c4248' } as const;

export function badgeMessage(version: string, f: Freshness): string {
  if (f.state === 'up-to-date') return `${version} · up to date`;
  if (f.state === 'unknown') return `${version} · not checked`;
  return `${version} · ${f.versionsBehind} behind (${f.daysBehind}d)`;
}

/** A flat two-part badge: `label | message`, message on `color`. Every text is escaped. */
export function badgeSvg(label: string, message: string, color: string): string {
  const pad = 6;
  const lw = textWidth(label) + 2 * pad;
  const mw = textWidth(message) + 2 * pad;
  const w = lw + mw;
  const title = `${label}: ${message}`;
  const t = escapeHtml;
  // Text is drawn at 10x and scaled down, as shields does, for crisper glyph positioning.
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${t(title)}">`,
    `<title>${t(title)}</title>`,
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`,
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="${BADGE_COLORS.label}"/><rect x="${lw}" width="${mw}" height="20" fill="${t(color)}"/><rect width="${w}" height="20" fill="url(#s)"/></g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="110" text-rendering="geometricPrecision">`,
    `<text aria-hidden="true" x="${lw * 5}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">${t(label)}</text>`,
    `<text x="${lw * 5}" y="140" transform="scale(.1)">${t(label)}</text>`,
    `<text aria-hidden="true" x="${(lw + mw / 2) * 10}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">${t(message)}</text>`,
    `<text x="${(lw + mw / 2) * 10}" y="140" transform="scale(.1)">${t(message)}</text>`,
    '</g></svg>',
    '',
  ].join('\n');
}

export function freshnessBadge(pkg: string, version: string, f: Freshness): string {
  return badgeSvg(pkg, badgeMessage(version, f), BADGE_COLORS[f.state]);
}
