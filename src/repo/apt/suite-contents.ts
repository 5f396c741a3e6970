/**
 * What a suite holds, read back from its own uncompressed indexes (the repository is its own
 * database: no second copy to drift), and rendered back into index text.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { ifExists } from '../../core/fsutil.js';
import { TMP_SUFFIX } from '../lock.js';
import { join } from 'node:path';
import { inputError } from '../../core/errors.js';
import { type Field, getField, parseDeb822, writeStanza } from '../../formats/deb822.js';
import { compareDebVersions } from '../../formats/version-deb.js';
import { binaryDir, sourceDir, suiteDir } from './layout.js';
import { cleartextBody } from '../../formats/deb-control.js';
import { type ParsedRelease, parseRelease, type ReleaseFile } from './release.js';

export interface BinaryEntry {
  name: string;
  version: string;
  arch: string;
  /** Repo-relative pool path (the Filename field). */
  filename: string;
  sha256: string;
  size: number;
  fields: Field[];
  /** The stanza as the published index holds it (read back from it): rendered as it is. */
  text?: string;
}

export interface SourceEntry {
  name: string;
  version: string;
  /** Repo-relative pool paths of every file (the .dsc first). */
  files: string[];
  fields: Field[];
}

export interface ComponentContents {
  /** Keyed by Filename. */
  binaries: Map<string, BinaryEntry>;
  /** Keyed by "<name>_<version>". */
  sources: Map<string, SourceEntry>;
}

export interface SuiteContents {
  release?: ParsedRelease;
  /** The Release file as it is, and the text InRelease signs (they differ after a kill mid-switch). */
  releaseText?: string;
  inReleaseText?: string;
  components: Map<string, ComponentContents>;
  architectures: string[];
}

const readIfExists = (p: string) =>
  readFile(p, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });

export const emptyComponent = (): ComponentContents => ({ binaries: new Map(), sources: new Map() });

export function binaryFromFields(fields: Field[], source: string): BinaryEntry {
  const g = (n: string) => getField(fields, n) ?? '';
  return {
    name: g('Package'),
    version: g('Version'),
    arch: g('Architecture'),
    filename: g('Filename'),
    sha256: g('SHA256'),
    size: Number(g('Size')),
    fields: fields.length ? fields : [['Source', source]],
  };
}

export function sourceFromFields(fields: Field[]): SourceEntry {
  const dir = getField(fields, 'Directory') ?? '';
  const list = (getField(fields, 'Checksums-Sha256') ?? getField(fields, 'Files') ?? '').split('\n').slice(1);
  return {
    name: getField(fields, 'Package') ?? '',
    version: getField(fields, 'Version') ?? '',
    files: list.map((l) => `${dir}/${l.trim().split(/\s+/)[2]}`),
    fields,
  };
}

export async function readSuite(root: string, suite: string): Promise<SuiteContents> {
  const base = join(root, suiteDir(suite));
  const relText = await readIfExists(join(base, 'Release'));
  const out: SuiteContents = { components: new Map(), architectures: [] };
  if (relText === undefined) return out;
  out.release = parseRelease(relText, join(base, 'Release'));
  out.releaseText = relText;
  const signed = await readIfExists(join(base, 'InRelease'));
  if (signed !== undefined) {
    try {
      out.inReleaseText = cleartextBody(signed, join(base, 'InRelease'));
    } catch {
      /* damaged: never equal, so the next publish rewrites it */
    }
  }
  out.architectures = (getField(out.release.fields, 'Architectures') ?? '').split(/\s+/).filter(Boolean);
  for (const [c, indexes] of indexesOf(out.release)) {
    const cc = emptyComponent();
    for (const rel of indexes.packages) {
      const text = await readIfExists(join(base, rel));
      if (!text) continue;
      for (const e of readPackages(text, join(base, rel))) cc.binaries.set(e.filename, e);
    }
    const stext = await readIfExists(join(base, indexes.sources));
    for (const st of stext ? parseDeb822(stext, { source: join(base, indexes.sources) }) : []) {
      const e = sourceFromFields(st.fields);
      cc.sources.set(`${e.name}_${e.version}`, e);
    }
    out.components.set(c, cc);
  }
  return out;
}

/** Per component of a Release: its plain Packages indexes (one per architecture) and Sources, suite-relative. */
function indexesOf(release: ParsedRelease): Map<string, { packages: string[]; sources: string }> {
  const list = (field: string) => (getField(release.fields, field) ?? '').split(/\s+/).filter(Boolean);
  const archs = list('Architectures');
  return new Map(
    list('Components').map((c) => [c, { packages: archs.map((a) => `${binaryDir(c, a)}/Packages`), sources: `${sourceDir(c)}/Sources` }]),
  );
}

/**
 * The pool files of `files` that suite `suite` references, without reading the whole suite when
 * it can be helped: a file whose name appears nowhere in the suite's index text is not one of
 * them (a name cannot hide in a field: neither Filename nor a Files line folds), so only a suite
 * that does mention a name is read and asked. A publish that drops an old version asks this of
 * every other suite: reading each whole was ~25 ms a suite of 10,000 packages.
 */
export async function referencedIn(root: string, suite: string, files: readonly string[]): Promise<Set<string>> {
  const base = join(root, suiteDir(suite));
  const relText = await readIfExists(join(base, 'Release'));
  if (relText === undefined || files.length === 0) return new Set();
  const texts: string[] = [];
  for (const indexes of indexesOf(parseRelease(relText, join(base, 'Release'))).values())
    for (const rel of [...indexes.packages, indexes.sources]) texts.push((await readIfExists(join(base, rel))) ?? '');
  const named = files.filter((f) => texts.some((t) => t.includes(f.slice(f.lastIndexOf('/') + 1))));
  if (!named.length) return new Set();
  const referenced = referencedFiles(await readSuite(root, suite));
  return new Set(named.filter((f) => referenced.has(f)));
}

const NEEDED = ['Package', 'Version', 'Architecture', 'Filename', 'SHA256', 'Size'] as const;
const NEEDED_SET: ReadonlySet<string> = new Set(NEEDED);
const NEEDED_FIRST: ReadonlySet<number> = new Set(NEEDED.map((n) => n.charCodeAt(0)));

/**
 * The entries of a Packages index this repository published. Only the fields a publish needs
 * are picked out of each stanza (one pass over its lines); the stanza's text is kept to be
 * written back as it is, and its full field list is parsed only when asked for (`fields`).
 * At 10,000 packages a full deb822 parse of every field, and writing each stanza again, was a
 * fifth of an add-one publish. Anything unusual (CR, NUL, blank-looking lines, a stanza
 * without one of the needed fields) takes the strict parser, which names the line at fault.
 */
export function readPackages(text: string, source: string): BinaryEntry[] {
  const strict = () => parseDeb822(text, { source }).map((st) => binaryFromFields(st.fields, ''));
  if (text.includes('\r') || text.includes('\u0000') || /\n[ \t]+\n/.test(text)) return strict();
  const out: BinaryEntry[] = [];
  let pos = 0;
  while (pos < text.length) {
    if (text.charCodeAt(pos) === 10) {
      pos++;
      continue;
    }
    const blank = text.indexOf('\n\n', pos);
    const end = blank < 0 ? text.length : blank + 1;
    const stanza = text.slice(pos, end);
    const got: Partial<Record<(typeof NEEDED)[number], string>> = {};
    let at = 0;
    while (at < stanza.length) {
      let eol = stanza.indexOf('\n', at);
      if (eol < 0) eol = stanza.length;
      const c = stanza.charCodeAt(at);
      if (c !== 32 && c !== 9) {
        const colon = stanza.indexOf(':', at);
        if (colon < 0 || colon > eol) return strict();
        // A needed name is 4 to 12 letters starting with one of these: no string is made for the
        // dozen other fields of each stanza (1.5 million lines at 100,000 packages).
        const len = colon - at;
        const name = len >= 4 && len <= 12 && NEEDED_FIRST.has(c) ? stanza.slice(at, colon) : '';
        if (NEEDED_SET.has(name)) {
          if (got[name as (typeof NEEDED)[number]] !== undefined) return strict();
          got[name as (typeof NEEDED)[number]] = stanza.slice(colon + 1, eol).trim();
        }
      }
      at = eol + 1;
    }
    if (NEEDED.some((n) => !got[n])) return strict();
    out.push(
      new IndexedBinaryEntry(
        got.Package!,
        got.Version!,
        got.Architecture!,
        got.Filename!,
        got.SHA256!,
        Number(got.Size),
        stanza.endsWith('\n') ? stanza : `${stanza}\n`,
        source,
      ),
    );
    pos = end;
  }
  return out;
}

/**
 * An entry read back from a Packages index: its fields parsed from its text only when asked
 * for. A class, not an object literal with a getter and a closure each: 100,000 of those were
 * a fifth of reading a big index.
 */
class IndexedBinaryEntry implements BinaryEntry {
  // #private: not own enumerable properties (the entry's data is what it shows, as before).
  #parsed: Field[] | undefined;
  readonly #source: string;

  constructor(
    readonly name: string,
    readonly version: string,
    readonly arch: string,
    readonly filename: string,
    readonly sha256: string,
    readonly size: number,
    readonly text: string,
    source: string,
  ) {
    this.#source = source;
  }

  get fields(): Field[] {
    this.#parsed ??= parseDeb822(this.text, { source: this.#source })[0]?.fields ?? [];
    return this.#parsed;
  }

  /**
   * One single-line field, found in the text as the index writes it (`Name: value`), without
   * parsing the stanza; anything else (another case, a continued value, absent) from `fields`.
   */
  field(name: string): string | undefined {
    if (this.#parsed) return getField(this.#parsed, name);
    const t = this.text;
    const first = t.startsWith(`${name}:`);
    const at = first ? 0 : t.indexOf(`\n${name}:`) + 1;
    if (first || at > 0) {
      const eol = t.indexOf('\n', at);
      const next = eol < 0 ? -1 : t.charCodeAt(eol + 1);
      if (eol >= 0 && next !== 32 && next !== 9) return t.slice(at + name.length + 1, eol).replace(/^[ \t]+/, '');
    }
    return getField(this.fields, name);
  }
}

/**
 * One field of an entry. Read back from an index, without parsing its whole stanza: Contents
 * asks every entry of a suite for its Section on each publish (10,000 stanza parses were ~60 ms
 * of an add-one).
 */
export function fieldOf(e: BinaryEntry, name: string): string | undefined {
  return e instanceof IndexedBinaryEntry ? e.field(name) : getField(e.fields, name);
}

const byNameVersion = (a: { name: string; version: string }, b: { name: string; version: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : compareDebVersions(a.version, b.version);

/** Packages text for one architecture: its own packages plus every Architecture: all one. */
export function renderPackages(c: ComponentContents, arch: string): string {
  const list = [...c.binaries.values()].filter((e) => e.arch === arch || e.arch === 'all');
  list.sort((a, b) => byNameVersion(a, b) || (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
  return list.map((e) => e.text ?? writeStanza(e.fields, e.filename)).join('\n');
}

export function renderSources(c: ComponentContents): string {
  const list = [...c.sources.values()].sort(byNameVersion);
  return list.map((e) => writeStanza(e.fields, e.name)).join('\n');
}

/** Every pool path a suite's indexes reference. */
export function referencedFiles(s: SuiteContents): Set<string> {
  const out = new Set<string>();
  for (const c of s.components.values()) {
    for (const b of c.binaries.values()) out.add(b.filename);
    for (const src of c.sources.values()) for (const f of src.files) out.add(f);
  }
  return out;
}

/**
 * The pool's record as the suites other than `suite` give it (transaction.ts PoolRecord): each
 * .deb's pool path → the SHA-256 its suite's Packages says. Read on the first question only.
 */
export function otherSuitesPoolRecord(root: string, suite: string): { sha256Of(rel: string): Promise<string | undefined> } {
  let known: Promise<Map<string, string>> | undefined;
  const load = async () => {
    const out = new Map<string, string>();
    for (const s of await listSuites(root)) {
      if (s === suite) continue;
      for (const c of (await readSuite(root, s)).components.values()) for (const b of c.binaries.values()) out.set(b.filename, b.sha256);
    }
    return out;
  };
  return { sha256Of: async (rel) => (await (known ??= load())).get(rel) };
}

export const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/'));

export function releaseFiles(rel: ParsedRelease): ReleaseFile[] {
  const out: ReleaseFile[] = [];
  for (const [path, f] of rel.files) {
    if (!f.sha256)
      throw inputError(
        'RELEASE_INCOMPLETE',
        `Release lists ${path} without SHA256`,
        'Republish the suite with `pkgtrack publish --rebuild`.',
        { file: path },
      );
    out.push({ path, size: f.size, sha256: f.sha256 });
  }
  return out;
}

/** The suites under `<root>/dists`: links to generations and plain directories (not adopted yet). */
export async function listSuites(root: string): Promise<string[]> {
  const names = (await ifExists(readdir(join(root, 'dists')))) ?? [];
  const out: string[] = [];
  for (const n of names.sort()) {
    // '.generations' (suite-link.ts) and temporaries: no suite name starts with '.'.
    if (!n.startsWith('.') && !n.endsWith(TMP_SUFFIX) && (await ifExists(stat(join(root, 'dists', n))))?.isDirectory()) out.push(n);
  }
  return out;
}
