/** Plain-text tables for human output (no colors: output is often piped or logged). */
export function table(headers: string[], rows: string[][], opts: { rule?: boolean } = {}): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = opts.rule === false ? [] : [line(widths.map((w) => '-'.repeat(w)))];
  return [line(headers), ...rule, ...rows.map(line)].join('\n');
}
