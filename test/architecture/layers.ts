/**
 * The layer table of docs/ARCHITECTURE.md as data, and a checker over src/'s imports. Kept in
 * test/ so the rule is enforced by `npm test` (and `npm run test:unit`) without shipping it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** Which layers (top-level folders of src/) each layer may import. Everything may import core/. */
export const LAYERS: Record<string, readonly string[]> = {
  core: [],
  formats: ['core'],
  recipe: ['core', 'formats'],
  sign: ['core', 'formats'],
  state: ['core', 'formats'],
  patches: ['core', 'formats'],
  site: ['core', 'formats'],
  report: ['core', 'formats', 'patches'],
  upstream: ['core', 'formats', 'recipe', 'sign'],
  containers: ['core', 'formats', 'recipe'],
  builders: ['core', 'formats', 'recipe'],
  repo: ['core', 'formats', 'recipe', 'sign'],
  storage: ['core'],
  services: [
    'core',
    'formats',
    'recipe',
    'sign',
    'state',
    'patches',
    'site',
    'report',
    'upstream',
    'containers',
    'builders',
    'repo',
    'storage',
  ],
  cli: ['core'],
  commands: ['core', 'cli', 'services'],
  '.': ['core', 'cli'],
};

/** Layers a command may name in `import type` only (types of results and flags, no code). */
export const TYPE_ONLY_FOR_COMMANDS = ['recipe', 'sign', 'report', 'repo', 'upstream', 'builders', 'containers', 'state'];

/** Only these may import the CLI framework. */
export const OCLIF_LAYERS = ['cli', 'commands'];

/** formats/ is pure: no file system, processes or network, except to load a library's own code. */
const IMPURE_MODULES = /^node:(fs|fs\/promises|child_process|net|http|https|dgram|worker_threads)$/;
const PURE_LAYERS = ['formats', 'site'];
const PURE_EXCEPTIONS = new Set(['formats/compress.ts']); // reads the xz-decompress module's source

export interface SourceFile {
  /** Path relative to src/, with '/' separators. */
  path: string;
  text: string;
}

export interface ImportRef {
  specifier: string;
  typeOnly: boolean;
  /** `import('...')`: loaded when the code runs, not with the module. */
  dynamic: boolean;
  line: number;
}

const IMPORT_RE = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(text: string): ImportRef[] {
  const out: ImportRef[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const specifier = m[3] ?? m[4];
    if (!specifier) continue;
    const line = text.slice(0, (m.index ?? 0) + m[0].length).split('\n').length;
    out.push({ specifier, typeOnly: !!m[2], dynamic: !m[3], line });
  }
  return out;
}

function layerOf(path: string): string {
  const i = path.indexOf('/');
  return i < 0 ? '.' : path.slice(0, i);
}

/** Every import in `files` that breaks the table, as "file:line: message". */
export function layerViolations(files: SourceFile[]): string[] {
  const problems: string[] = [];
  for (const f of files) {
    const from = layerOf(f.path);
    const allowed = LAYERS[from];
    if (!allowed) {
      problems.push(`${f.path}: src/${from}/ is not in the layer table (add it to test/architecture/layers.ts and docs/ARCHITECTURE.md)`);
      continue;
    }
    for (const imp of importsOf(f.text)) {
      const where = `${f.path}:${imp.line}`;
      if (imp.specifier.startsWith('@oclif/')) {
        if (!OCLIF_LAYERS.includes(from))
          problems.push(`${where}: only src/cli/ and src/commands/ import @oclif (found '${imp.specifier}')`);
        continue;
      }
      if (PURE_LAYERS.includes(from) && IMPURE_MODULES.test(imp.specifier) && !PURE_EXCEPTIONS.has(f.path) && !imp.typeOnly) {
        problems.push(`${where}: src/${from}/ is pure, it may not import '${imp.specifier}'`);
        continue;
      }
      if (!imp.specifier.startsWith('.')) continue;
      const target = normalize(join(dirname(f.path), imp.specifier))
        .split(sep)
        .join('/');
      if (target.startsWith('..')) {
        problems.push(`${where}: '${imp.specifier}' leaves src/`);
        continue;
      }
      const to = layerOf(target);
      if (to === from) continue;
      if (allowed.includes(to)) continue;
      if (from === 'commands' && imp.typeOnly && TYPE_ONLY_FOR_COMMANDS.includes(to)) continue;
      problems.push(`${where}: src/${from}/ may not import src/${to}/ ('${imp.specifier}'); allowed: ${allowed.join(', ') || 'nothing'}`);
    }
  }
  return problems;
}

/** Every .ts file under `srcDir`. */
export function readSources(srcDir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push({ path: relative(srcDir, p).split(sep).join('/'), text: readFileSync(p, 'utf8') });
    }
  };
  walk(srcDir);
  return out;
}

/**
 * The modules `entry` (a path under src/) loads with it: its static imports and theirs, not
 * `import type` and not `import()`. Relative specifiers resolve in `files`; the others (packages,
 * node: built-ins) are listed as they are.
 */
export function staticClosure(files: SourceFile[], entry: string): Set<string> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length) {
    const f = byPath.get(queue.shift()!);
    if (!f) continue;
    for (const imp of importsOf(f.text)) {
      if (imp.typeOnly || imp.dynamic) continue;
      const target = imp.specifier.startsWith('.')
        ? normalize(join(dirname(f.path), imp.specifier))
            .split(sep)
            .join('/')
            .replace(/\.js$/, '.ts')
        : imp.specifier;
      if (seen.has(target)) continue;
      seen.add(target);
      if (target.endsWith('.ts')) queue.push(target);
    }
  }
  return seen;
}
