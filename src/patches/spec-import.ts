/**
 * What `recipe import` needs from an RPM .spec: the package identity, Source0, and the PatchN
 * lines with the comments above them and their -pN level (from %patch, %autosetup,
 * %autopatch). Simple macros (%{name}, %{version}, %global/%define) are expanded. Pure.
 */

export interface SpecPatch {
  number: number;
  file: string;
  /** Comment lines directly above the PatchN line, without "#". */
  comment: string[];
  strip: number;
  line: number;
}

export interface SpecInfo {
  name?: string;
  version?: string;
  release?: string;
  summary?: string;
  url?: string;
  license?: string;
  source0?: string;
  patches: SpecPatch[];
}

export function expandMacros(s: string, macros: Record<string, string>): string {
  let out = s;
  for (let k = 0; k < 5; k++) {
    const next = out.replace(
      /%\{\??([A-Za-z_][A-Za-z0-9_]*)\}|%([A-Za-z_][A-Za-z0-9_]*)/g,
      (whole, a: string | undefined, b: string | undefined) => {
        const name = a ?? b!;
        if (name in macros) return macros[name]!;
        return whole.startsWith('%{?') ? '' : whole;
      },
    );
    if (next === out) break;
    out = next;
  }
  return out;
}

export function parseSpec(text: string): SpecInfo {
  const macros: Record<string, string> = {};
  const info: SpecInfo = { patches: [] };
  const lines = text.split('\n');
  let comment: string[] = [];
  const stripFor = new Map<number, number>();
  let defaultStrip: number | undefined;
  let sequential = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const def = /^%(?:global|define)\s+(\w+)\s+(.*)$/.exec(l);
    if (def) {
      macros[def[1]!] = expandMacros(def[2]!.trim(), macros);
      continue;
    }
    if (/^\s*#/.test(l)) {
      comment.push(l.replace(/^\s*#\s?/, ''));
      continue;
    }
    const tag = /^([A-Za-z]+)(\d*)\s*:\s*(.*)$/.exec(l);
    if (tag) {
      const key = tag[1]!.toLowerCase();
      const value = expandMacros(tag[3]!.trim(), macros);
      if (key === 'name') macros.name = info.name = value;
      else if (key === 'version') macros.version = info.version = value;
      else if (key === 'release') info.release = value.replace(/%\{\?dist\}/g, '');
      else if (key === 'summary') info.summary = value;
      else if (key === 'url') info.url = value;
      else if (key === 'license') info.license = value;
      else if (key === 'source' && (tag[2] === '0' || tag[2] === '')) info.source0 ??= value;
      else if (key === 'patch') {
        const n = tag[2] === '' ? sequential : Number(tag[2]);
        sequential = n + 1;
        info.patches.push({
          number: n,
          file: value.replace(/^.*\//, ''),
          comment: comment.filter((c) => c.trim() !== ''),
          strip: 1,
          line: i + 1,
        });
      }
      comment = [];
      continue;
    }
    comment = l.trim() === '' ? comment : [];
    const p = /^%patch\s*(\d+)?(.*)$/.exec(l);
    if (p) {
      const args = p[2] ?? '';
      const n = p[1] !== undefined ? Number(p[1]) : Number(/-P\s*(\d+)/.exec(args)?.[1] ?? /^\s+(\d+)/.exec(args)?.[1] ?? 0);
      stripFor.set(n, Number(/-p\s*(\d+)/.exec(args)?.[1] ?? 0));
      continue;
    }
    const auto = /^%(autosetup|autopatch)\b(.*)$/.exec(l);
    if (auto) defaultStrip = Number(/-p\s*(\d+)/.exec(auto[2]!)?.[1] ?? (auto[1] === 'autosetup' ? 1 : 0));
  }
  for (const p of info.patches) p.strip = stripFor.get(p.number) ?? defaultStrip ?? 1;
  info.patches.sort((a, b) => a.number - b.number);
  return info;
}
