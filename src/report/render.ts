/** The patch report as a terminal table, Markdown, or one self-contained HTML page. Pure. */
import { table } from '../core/text-table.js';
import { PATCH_STATUSES, type PatchEntry, type PatchReport, type PatchStatus } from './model.js';

const age = (e: PatchEntry) => (e.ageDays === undefined ? '' : e.ageDays < 60 ? `${e.ageDays}d` : `${Math.round(e.ageDays / 30)}mo`);
const size = (e: PatchEntry) => `+${e.size.added}/-${e.size.removed}`;
const countsLine = (c: Record<PatchStatus, number>) =>
  PATCH_STATUSES.filter((s) => c[s] > 0)
    .map((s) => `${c[s]} ${s}`)
    .join(', ') || 'no patches';

export function renderTable(r: PatchReport): string {
  const rows = r.recipes.flatMap((rec) => rec.patches.map((e) => [e.recipe, e.file, e.status, age(e), size(e), e.action]));
  const out = [table(['RECIPE', 'PATCH', 'STATUS', 'AGE', 'SIZE', 'NEXT'], rows, { rule: false }), ''];
  for (const rec of r.recipes) {
    out.push(
      `${rec.recipe}: ${countsLine(rec.counts)}${rec.checkedAgainst.length ? ` (checked against ${rec.checkedAgainst.join(', ')})` : ''}`,
    );
    for (const w of rec.warnings) out.push(`  warning: ${w}`);
  }
  out.push('', `total: ${r.total} patches: ${countsLine(r.counts)}`);
  for (const a of r.actions) out.push(`  ${a.action}: ${a.count}`);
  return out.join('\n');
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(r: PatchReport): string {
  const out = ['# Patch report', '', `Generated ${r.generatedAt}. ${r.total} patches: ${countsLine(r.counts)}.`, ''];
  if (r.actions.length) {
    out.push('## Suggested actions', '');
    for (const a of r.actions) out.push(`- **${a.action}**: ${a.count} patch${a.count === 1 ? '' : 'es'} (${a.status})`);
    out.push('');
  }
  for (const rec of r.recipes) {
    out.push(
      `## ${rec.recipe}`,
      '',
      countsLine(rec.counts) + (rec.checkedAgainst.length ? `; checked against ${rec.checkedAgainst.join(', ')}` : ''),
      '',
    );
    for (const w of rec.warnings) out.push(`> warning: ${mdCell(w)}`, '');
    if (!rec.patches.length) continue;
    out.push('| patch | status | why | next | age | size |', '|---|---|---|---|---|---|');
    for (const e of rec.patches) {
      out.push(
        `| ${mdCell(e.file)}<br>${mdCell(e.description ?? '')} | ${e.status} | ${mdCell(e.reason)} | ${mdCell(e.action)} | ${age(e)} | ${size(e)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** An id attribute value: letters, digits, dash and underscore only. */
const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-');
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const safeHref = (u: string) => (/^https?:\/\//.test(u) ? esc(u) : undefined);

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--chip:#eef1f4}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--chip:#21262d}}
body{margin:0;padding:1rem;font:15px/1.5 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:72rem;margin:auto}h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
col.c-patch{width:25%}col.c-status{width:10.5rem}col.c-why{width:auto}col.c-next{width:20%}col.c-age{width:3.5rem}col.c-size{width:5.5rem}
caption{text-align:left;color:var(--muted);padding:.3rem 0}.muted{color:var(--muted)}
.status{display:inline-block;padding:0 .45rem;border-radius:1rem;background:var(--chip);white-space:nowrap;font-size:.85em}
.s-needs-forwarding,.s-invalid-header,.s-forwarded-closed{outline:2px solid #bf8700}
.s-merged-upstream,.s-forwarded-merged{outline:2px solid #1a7f37}
.s-probably-merged,.s-from-upstream{outline:2px dashed #1a7f37}
a{color:inherit}`;

/** One page, no external assets: the repository site can link to it or embed it. */
export function renderHtml(r: PatchReport, title = 'Patch report'): string {
  const chip = (s: PatchStatus) => `<span class="status s-${s}">${s}</span>`;
  const link = (u: string) => {
    const h = safeHref(u);
    return h ? `<a href="${h}">${esc(u)}</a>` : esc(u);
  };
  const body: string[] = [];
  body.push(`<h1>${esc(title)}</h1>`, `<p>Generated ${esc(r.generatedAt)}. ${r.total} patches: ${esc(countsLine(r.counts))}.</p>`);
  if (r.actions.length) {
    body.push('<h2>Suggested actions</h2><ul>');
    for (const a of r.actions) body.push(`<li><strong>${esc(a.action)}</strong>: ${a.count} (${chip(a.status)})</li>`);
    body.push('</ul>');
  }
  for (const rec of r.recipes) {
    body.push(`<section aria-labelledby="r-${slug(rec.recipe)}"><h2 id="r-${slug(rec.recipe)}">${esc(rec.recipe)}</h2>`);
    body.push(
      `<p class="muted">${esc(countsLine(rec.counts))}${rec.checkedAgainst.length ? `; checked against ${esc(rec.checkedAgainst.join(', '))}` : ''}</p>`,
    );
    for (const w of rec.warnings) body.push(`<p role="note">warning: ${esc(w)}</p>`);
    if (rec.patches.length) {
      body.push(
        `<div class="table-wrap"><table><caption>Patches of ${esc(rec.recipe)}</caption><colgroup><col class="c-patch"><col class="c-status"><col class="c-why"><col class="c-next"><col class="c-age"><col class="c-size"></colgroup><thead><tr><th scope="col">Patch</th><th scope="col">Status</th><th scope="col">Why</th><th scope="col">Next</th><th scope="col">Age</th><th scope="col">Size</th></tr></thead><tbody>`,
      );
      for (const e of rec.patches) {
        const refs = [e.dep3.forwarded, ...e.dep3.bugs].filter((u): u is string => !!u && /^https?:/.test(u));
        body.push(
          `<tr id="p-${slug(`${e.recipe}-${e.file}`)}"><th scope="row">${esc(e.file)}<br><span class="muted">${esc(e.description ?? '')}</span>${
            e.author ? `<br><span class="muted">${esc(e.author)}</span>` : ''
          }</th><td>${chip(e.status)}</td><td>${esc(e.reason)}${refs.length ? `<br>${refs.map(link).join('<br>')}` : ''}${
            e.headerProblems.length ? `<br><span class="muted">header: ${esc(e.headerProblems.join('; '))}</span>` : ''
          }</td><td>${esc(e.action)}</td><td>${esc(age(e))}</td><td>${esc(size(e))}</td></tr>`,
        );
      }
      body.push('</tbody></table></div>');
    }
    body.push('</section>');
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>
${body.join('\n')}
</main></body></html>
`;
}
