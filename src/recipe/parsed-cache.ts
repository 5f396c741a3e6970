/**
 * pkgtrack.yaml and recipe.yaml as validated before, by their bytes. Every command starts by
 * reading the configuration, and a publish's web page reads every recipe; the YAML parser and
 * zod together take ~40 ms to load before the first line is parsed, which was a tenth of adding
 * one package to a 10,000-package repository. A file whose exact bytes were validated by this
 * exact schema (the schema's modules are part of the key) is taken from the per-user cache
 * (`<user cache>/parsed-yaml/<hash of the repository's path>.json`) instead; anything else is
 * parsed and validated as always, with its errors at file:line. Only values that survive JSON
 * unchanged are kept; the file is replaced whole (rename), and one that cannot be read or
 * parsed is a miss, never an error.
 *
 * Not in the repository: a cache file committed there (say by a pull request that also drops
 * the .gitignore line) would make CI use a configuration the reviewed pkgtrack.yaml does not
 * say. The user cache is the machine's, written only by pkgtrack runs on it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { makeDirsSync, userCacheDir } from '../core/dirs.js';
import { isDeepStrictEqual } from 'node:util';

/** The cache file of the recipes repository at `root`. */
export const parsedCacheFile = (root: string): string =>
  join(userCacheDir(), 'parsed-yaml', `${createHash('sha256').update(resolve(root)).digest('hex').slice(0, 24)}.json`);
/** Entries kept: a repository's recipes and its configuration, with room for edits. */
const MAX_ENTRIES = 4096;

/** What decides a parse's result besides the text: the schema and validation modules, by content. */
let schemaStamp: string | undefined;
function stamp(): string {
  if (schemaStamp) return schemaStamp;
  const h = createHash('sha256');
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  for (const m of ['schema', 'validate', 'targets', 'arches']) h.update(readFileSync(new URL(`./${m}.${ext}`, import.meta.url)));
  schemaStamp = h.digest('hex').slice(0, 32);
  return schemaStamp;
}

interface CacheFile {
  stamp: string;
  entries: Record<string, unknown>;
}

export class ParsedYamlCache {
  private entries: Map<string, unknown> | undefined;
  private added = false;

  constructor(private readonly root: string) {}

  private key(kind: string, text: string): string {
    return `${kind}:${createHash('sha256').update(text).digest('base64url')}`;
  }

  private load(): Map<string, unknown> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    try {
      const f = JSON.parse(readFileSync(parsedCacheFile(this.root), 'utf8')) as CacheFile;
      if (f.stamp === stamp() && f.entries && typeof f.entries === 'object') this.entries = new Map(Object.entries(f.entries));
    } catch {
      /* none yet, or unreadable: every file is parsed */
    }
    return this.entries;
  }

  /** The validated value of `text` as `kind`, when exactly this text was validated by this schema. */
  get(kind: string, text: string): unknown {
    return structuredClone(this.load().get(this.key(kind, text)));
  }

  /** Remember a validated value (not when JSON would change it: then it is parsed every time). */
  put(kind: string, text: string, value: unknown): void {
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(value) ?? 'null'), value)) return;
    const entries = this.load();
    const key = this.key(kind, text);
    entries.delete(key); // newest last: the oldest go first past MAX_ENTRIES
    entries.set(key, structuredClone(value));
    this.added = true;
  }

  /** Write what was added (best effort: a read-only checkout just parses again next time). */
  save(): void {
    if (!this.added || !this.entries) return;
    this.added = false;
    const kept = [...this.entries].slice(-MAX_ENTRIES);
    const file = parsedCacheFile(this.root);
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      makeDirsSync(dirname(file));
      writeFileSync(tmp, JSON.stringify({ stamp: stamp(), entries: Object.fromEntries(kept) } satisfies CacheFile));
      renameSync(tmp, file);
    } catch {
      rmSync(tmp, { force: true });
    }
  }
}

/**
 * One cache per repository root for the life of the process, written once as the process
 * exits (a page reading 200 recipes one by one adds 200 entries: one write, not 200).
 */
const caches = new Map<string, ParsedYamlCache>();
export const parsedYamlCache = (root: string): ParsedYamlCache => {
  let c = caches.get(root);
  if (!c) {
    if (caches.size === 0) process.once('exit', saveParsedYamlCaches);
    caches.set(root, (c = new ParsedYamlCache(root)));
  }
  return c;
};

/** Write every cache that learned something (also called by tests, which do not exit). */
export function saveParsedYamlCaches(): void {
  for (const c of caches.values()) c.save();
}
