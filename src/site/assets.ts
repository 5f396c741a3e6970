/**
 * The page's only assets: one stylesheet and an SVG icon, written next to index.html under
 * content-hashed names (so a browser holding the old page never gets a new stylesheet and
 * vice versa). No web fonts, no scripts, nothing fetched from elsewhere.
 *
 * Colours: every text/background pair passes WCAG AA (4.5:1) in both themes; the accessibility
 * test checks this in real Chromium with axe-core.
 */

export const STYLE_CSS = `:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa;
  --link: #0550ae; --code-bg: #f6f8fa; --focus: #0969da;
  --ok-fg: #116329; --ok-bg: #dafbe1; --behind-fg: #7c3600; --behind-bg: #fff1e5;
  --unknown-fg: #4a525b; --unknown-bg: #eef1f4; --trunk-fg: #5a32a3; --trunk-bg: #f3eefc;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23;
    --link: #6cb6ff; --code-bg: #151b23; --focus: #4493f8;
    --ok-fg: #7ee2a8; --ok-bg: #0f2d1c; --behind-fg: #ffb77c; --behind-bg: #3a1f0b;
    --unknown-fg: #c5ccd3; --unknown-bg: #262c36; --trunk-fg: #d2b6ff; --trunk-bg: #2a1f45;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
a { color: var(--link); text-underline-offset: 2px; }
a:focus-visible, [tabindex]:focus-visible, summary:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem 1rem; }
.skip:focus { left: 1rem; z-index: 1; }
header, main, footer, nav { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.4rem; margin: 2rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
.lead { font-size: 1.1rem; margin: .25rem 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: .75rem 0 0; padding: 0; }
pre {
  background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px;
  padding: .75rem 1rem; font-size: .875rem; line-height: 1.45; margin: .5rem 0 1rem;
  /* Wrapped, not scrolled: every command is visible on a phone and copies as written. */
  white-space: pre-wrap; overflow-wrap: anywhere;
}
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
p code, dd code { overflow-wrap: anywhere; }
.fpr { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
details { border: 1px solid var(--border); border-radius: 6px; padding: .25rem .75rem; margin: .5rem 0; background: var(--panel); }
summary { cursor: pointer; font-weight: 600; padding: .25rem 0; }
.note { border-left: 4px solid var(--behind-fg); background: var(--behind-bg); color: var(--fg); padding: .5rem .75rem; border-radius: 4px; }
.table-wrap { overflow-x: auto; margin: .5rem 0 1.5rem; border: 1px solid var(--border); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: .9375rem; table-layout: fixed; }
/* Same column widths in every suite's table, so they read as one list. */
thead th:nth-child(1) { width: 20%; } thead th:nth-child(2) { width: 16%; } thead th:nth-child(3) { width: 8%; }
thead th:nth-child(4) { width: 12%; } thead th:nth-child(5) { width: 20%; } thead th:nth-child(6) { width: 13%; }
thead th:nth-child(7) { width: 11%; }
caption { text-align: left; padding: .6rem .75rem; font-weight: 600; background: var(--panel); border-bottom: 1px solid var(--border); }
caption .muted { font-weight: 400; }
th, td { text-align: left; vertical-align: top; padding: .45rem .75rem; border-bottom: 1px solid var(--border); }
thead th { font-size: .8125rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); overflow-wrap: anywhere; }
tbody tr:last-child > * { border-bottom: 0; }
tbody th { font-weight: 600; overflow-wrap: anywhere; min-width: 8rem; }
td.ver { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .875rem; overflow-wrap: anywhere; }
.pill { display: inline-block; border-radius: .75rem; padding: 0 .55rem; font-size: .8125rem; font-weight: 600; }
.pill::before { content: ""; display: inline-block; width: .5rem; height: .5rem; border-radius: 50%; background: currentColor; margin-right: .35rem; vertical-align: .05rem; }
.s-up-to-date { color: var(--ok-fg); background: var(--ok-bg); }
.s-behind { color: var(--behind-fg); background: var(--behind-bg); }
.s-unknown { color: var(--unknown-fg); background: var(--unknown-bg); }
.c-stable { color: var(--ok-fg); background: var(--ok-bg); }
.c-trunk { color: var(--trunk-fg); background: var(--trunk-bg); }
.pill.c-stable::before, .pill.c-trunk::before { display: none; }
ul.inline { list-style: none; margin: 0; padding: 0; }
ul.inline li { display: inline; }
ul.inline li + li::before { content: " · "; color: var(--muted); }
.summary-text { display: block; font-weight: 400; color: var(--muted); font-size: .875rem; }
.badges img { vertical-align: middle; margin: .15rem .25rem .15rem 0; }
footer { margin-top: 2.5rem; padding-bottom: 2rem; border-top: 1px solid var(--border); color: var(--muted); font-size: .875rem; }
footer p { margin: .75rem 0 0; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  h1 { font-size: 1.5rem; }
  pre { font-size: .8rem; padding: .6rem .7rem; }
  th, td { padding: .4rem .5rem; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .4rem; }
  /* Tables become one card per package; the cells keep their column name as a label. */
  .table-wrap { overflow-x: visible; }
  .table-wrap table, .table-wrap caption, .table-wrap tbody, .table-wrap tr, .table-wrap th, .table-wrap td { display: block; }
  .table-wrap thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  .table-wrap tbody tr { padding: .5rem 0; border-bottom: 1px solid var(--border); }
  .table-wrap tbody tr:last-child { border-bottom: 0; }
  .table-wrap tbody th, .table-wrap tbody td { border: 0; padding: .15rem .75rem; }
  .table-wrap td[data-label]::before { content: attr(data-label) ": "; font: 600 .9375rem system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--muted); }
  .table-wrap td .summary-text { display: inline; margin-left: .35rem; }
  .table-wrap td ul.inline { display: inline; }
}
@media print { .skip, nav { display: none; } .table-wrap { overflow: visible; } }
`;

/** A small package glyph for the tab icon. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#0969da" d="M16 2 3 8.5v15L16 30l13-6.5v-15Z"/><path fill="#fff" fill-opacity=".85" d="M16 5.2 6.6 9.9 16 14.6l9.4-4.7Zm-10.5 7v9.9l9.3 4.7v-9.9Zm21 0-9.3 4.7v9.9l9.3-4.7Z"/></svg>
`;
